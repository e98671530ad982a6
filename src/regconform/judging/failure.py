"""A broken requirement on one exchange, as data: built once where the check ran, read by the
summary, report.json, report.html and JUnit alike. Nothing parses its text back."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from regconform.judging.checks import Violation
from regconform.target.exchange import Exchange

BODY_LIMIT = 2000  # characters of the response body a record keeps
SHOWN_LINES = 4  # lines of the body a failure block shows
SHOWN_CHARS = 600  # characters of a curl line a failure block shows


@dataclass(frozen=True)
class Failure:
    requirement: str
    level: str  # MUST | SHOULD | INFERRED
    message: str  # what is wrong, naming the offending part of the response
    request: str  # a curl line, token redacted
    status: int
    content_type: str
    body: str  # the start of the response body
    body_cut: bool = False
    # A stateful test's requests, in order, up to and including this one (curl lines): the
    # sequence that led here (the shortest failing one, once hypothesis has shrunk it).
    sequence: tuple[str, ...] = ()

    @classmethod
    def of(
        cls, violation: Violation, exchange: Exchange, level: str, sequence: tuple[str, ...] = ()
    ) -> Failure:
        text = exchange.body.decode("utf-8", "replace")
        return cls(
            requirement=violation.requirement,
            level=level,
            message=violation.message,
            request=exchange.request.curl(),
            status=exchange.status,
            content_type=exchange.media_type,
            body=text[:BODY_LIMIT],
            body_cut=len(text) > BODY_LIMIT,
            sequence=sequence,
        )

    @property
    def headline(self) -> str:
        return f"{self.requirement} [{self.level}] {self.message}"

    def response_line(self) -> str:
        cut = "...(cut)" if self.body_cut else ""
        return f"HTTP {self.status} {self.content_type or '(no content type)'} {self.body}{cut}"

    def block(self, statement: str) -> list[str]:
        """The lines a person reads: the rule, the request, the answer (its body in brief)."""
        lines = self.body.splitlines() or [""]
        shown = [line[:200] for line in lines[:SHOWN_LINES]]
        more = len(lines) > SHOWN_LINES or self.body_cut or any(len(x) > 200 for x in lines)
        return [
            self.headline,
            f"  rule:     {statement}",
            f"  request:  {self.request[:SHOWN_CHARS]}",
            f"  response: HTTP {self.status} {self.content_type or '(no content type)'}",
            *(f"    {line}" for line in shown),
            *(["    ...(cut)"] if more else []),
            *self.sequence_lines(),
        ]

    def sequence_lines(self) -> list[str]:
        """The requests that led here, numbered in the order they were sent, whole: they are
        the reproduction (none outside a stateful test)."""
        if not self.sequence:
            return []
        heading = f"  sequence: {len(self.sequence)} request(s), in order"
        return [heading] + [f"    {n}. {line}" for n, line in enumerate(self.sequence, start=1)]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Failure:
        return cls(**{**raw, "sequence": tuple(raw.get("sequence", ()))})
