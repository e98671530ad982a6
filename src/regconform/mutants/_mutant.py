"""What a mutant is: a named variant of the reference server that breaks one requirement."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp

from regconform.reference.semantics import Semantics


@dataclass(frozen=True)
class Mutant:
    """The reference server with one deliberate deviation, and the requirement it breaks."""

    name: str
    requirement: str  # the catalogue id the suite must report when it meets this mutant
    description: str  # one line: what the server does wrong
    # How it deviates: decisions (a Semantics subclass) and/or bytes on the wire (a wrap).
    rules: Callable[[], Semantics] = Semantics
    wrap: Callable[[ASGIApp], ASGIApp] | None = None

    @property
    def semantics(self) -> Semantics:
        """A fresh instance of the decisions this mutant makes."""
        return self.rules()
