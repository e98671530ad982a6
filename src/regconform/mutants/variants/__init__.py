"""Legal variants: the reference server differing in ways the documents and HTTP allow.

`regconform selftest` runs the suites against every variant and proves none draws a fail or
warn, apart from the INFERRED choices a variant declares it makes otherwise, and that each
changed answers the suites received (the false-alarm matrix).
"""

from __future__ import annotations

from regconform.mutants._named import by_name
from regconform.mutants.variants._variant import Because, Variant
from regconform.mutants.variants.catalogue import VARIANTS

__all__ = ["VARIANTS", "Because", "Variant", "get_variant"]

get_variant = by_name(VARIANTS, "variant")  # the variant called `name`; LookupError if none
