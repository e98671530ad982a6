"""Finding a shipped server (mutant or legal variant) by its name."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar


class HasName(Protocol):
    @property
    def name(self) -> str: ...


T = TypeVar("T", bound=HasName)


def by_name(servers: Iterable[T], kind: str) -> Callable[[str], T]:
    """A lookup of `servers` by name that raises LookupError naming `kind` for an unknown one."""
    table = {server.name: server for server in servers}

    def get(name: str) -> T:
        try:
            return table[name]
        except KeyError:
            raise LookupError(f"unknown {kind} {name!r}") from None

    return get
