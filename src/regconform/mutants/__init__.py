"""Shipped mutants: variants of the reference server that each break one requirement.

`regconform selftest` runs the suites against every mutant and proves each is caught by the
requirement it names, while the reference server passes (the kill matrix).
"""

from __future__ import annotations

from regconform.mutants._mutant import Mutant
from regconform.mutants.catalogue import MUTANTS

__all__ = ["MUTANTS", "Mutant", "get_mutant"]

_BY_NAME = {mutant.name: mutant for mutant in MUTANTS}


def get_mutant(name: str) -> Mutant:
    """The mutant called `name`; LookupError when there is none."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise LookupError(f"unknown mutant {name!r}") from None
