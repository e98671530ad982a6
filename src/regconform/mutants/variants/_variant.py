"""What a legal variant is: the reference server differing in a way the documents allow."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp

from regconform.reference.semantics import Semantics

# The line a variant server writes to stderr for every answer it gave differently from the
# reference server; the false-alarm matrix counts them in the server's log.
CHANGED_MARK = "regconform-variant-changed:"


def changed(what: str) -> None:
    """Record that this answer differs from the reference server's (one line on stderr: the
    server runs in its own process, whose stderr the matrix keeps)."""
    sys.stderr.write(f"{CHANGED_MARK} {what}\n")  # one write, so threads never interleave it
    sys.stderr.flush()


@dataclass(frozen=True)
class Because:
    """Why a variant is legal: a sentence of a source under contracts/docs (verbatim, checked by
    a self-test), or "sources silent: ..." where nothing is said, and how it applies."""

    cite: str  # short, for tables: "RFC 9112 7.1", "course document"
    source: str  # file under contracts/docs/
    quote: str
    reading: str = ""


@dataclass(frozen=True)
class Variant:
    """The reference server with one legal difference; every suite must still pass it."""

    name: str
    description: str  # one line: what it does differently
    legal_because: Because
    # How it differs: decisions (a Semantics subclass) and/or bytes on the wire (a wrap).
    rules: Callable[[], Semantics] = Semantics
    wrap: Callable[[ASGIApp], ASGIApp] | None = None
    # INFERRED requirements (our choices where the documents are silent) this variant chooses
    # otherwise: they may warn. Nothing else may.
    departs_from: tuple[str, ...] = ()
    # Its answers are held back on purpose (a delay, a Retry-After): its run mostly waits, so
    # the matrix runs it beside the `jobs` that keep the cores busy, not in one of their places.
    waits: bool = False

    @property
    def semantics(self) -> Semantics:
        """A fresh instance of the decisions this variant makes."""
        return self.rules()
