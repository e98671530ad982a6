"""Checks are plain functions that cite the requirement ids they judge."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from regconform.target.exchange import Exchange


@dataclass(frozen=True)
class Violation:
    requirement: str
    message: str  # what is wrong, naming the offending part of the response


CheckFunction = Callable[..., Iterable[Violation]]


@dataclass(frozen=True)
class Check:
    """A named check and every requirement id it can report."""

    name: str
    requirements: tuple[str, ...]
    func: CheckFunction
    context: tuple[tuple[str, Any], ...] = ()

    def bind(self, **context: Any) -> Check:
        """The same check with some of its keyword arguments fixed."""
        return Check(self.name, self.requirements, self.func, (*self.context, *context.items()))

    def run(self, exchange: Exchange) -> Iterator[Violation]:
        for violation in self.func(exchange, **dict(self.context)):
            if violation.requirement not in self.requirements:
                raise RuntimeError(f"{self.name} reported {violation.requirement}, not declared")
            yield violation


REGISTRY: dict[str, Check] = {}


def check(*requirement_ids: str) -> Callable[[CheckFunction], Check]:
    """Register a check function under its name, with the requirement ids it verifies."""

    def register(func: CheckFunction) -> Check:
        if func.__name__ in REGISTRY:
            raise RuntimeError(f"two checks are named {func.__name__}")
        registered = Check(func.__name__, tuple(requirement_ids), func)
        REGISTRY[func.__name__] = registered
        return registered

    return register
