"""Shipped mutants: variants of the reference server that each break one requirement.

`regconform selftest` runs the suites against every mutant and proves each is caught by the
requirement it names, while the reference server passes (the kill matrix).
"""

from __future__ import annotations

from regconform.mutants._mutant import Mutant
from regconform.mutants._named import by_name
from regconform.mutants.catalogue import MUTANTS

__all__ = ["MUTANTS", "Mutant", "get_mutant"]

get_mutant = by_name(MUTANTS, "mutant")  # the mutant called `name`; LookupError if none
