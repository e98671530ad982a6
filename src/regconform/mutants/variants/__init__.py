"""Legal variants: the reference server differing in ways the documents and HTTP allow.

`regconform selftest` runs the suites against every variant and proves none draws a fail or
warn, apart from the INFERRED choices a variant declares it makes otherwise, and that each
changed answers the suites received (the false-alarm matrix).
"""

from __future__ import annotations

from regconform.mutants.variants._variant import Because, Variant
from regconform.mutants.variants.catalogue import VARIANTS

__all__ = ["VARIANTS", "Because", "Variant", "get_variant"]

_BY_NAME = {variant.name: variant for variant in VARIANTS}


def get_variant(name: str) -> Variant:
    """The variant called `name`; LookupError when there is none."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise LookupError(f"unknown variant {name!r}") from None
