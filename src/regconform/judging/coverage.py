"""What a run actually saw, where people look for it: per endpoint the statuses answered, per
enum field the values sent and the values seen back. "Did we ever see a 207?" at a glance."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from regconform.catalogue.requirements import ids_of
from regconform.target.exchange import Exchange

COURSE, TRACK = "course_registrations", "event_track_registrations"
PROPERTY = "regconform.coverage"  # the user property carrying a test's coverage


def endpoint_of(exchange: Exchange) -> str | None:
    path = urlsplit(exchange.request.url).path
    if "/courseRegistrations/" in path:
        return COURSE
    if "/tracks/" in path and path.rstrip("/").endswith("/registrations"):
        return TRACK
    return None


@cache
def enum_fields(operation: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(fields whose enum a request may break, fields whose enum a 200 answer must keep)."""
    sent = tuple(str(f) for f in ids_of("request-enum", operation) if f)
    seen = tuple(str(f) for f in ids_of("response-enum", operation) if f)
    return sent, seen


@dataclass
class Coverage:
    statuses: dict[str, Counter[str]] = field(default_factory=dict)  # endpoint -> status
    # "endpoint field" -> value: sent in a request the server accepted (2xx), seen in a 200
    sent: dict[str, Counter[str]] = field(default_factory=dict)
    seen: dict[str, Counter[str]] = field(default_factory=dict)

    def observe(self, exchange: Exchange) -> None:
        endpoint = endpoint_of(exchange)
        if endpoint is None:
            return
        self.statuses.setdefault(endpoint, Counter())[str(exchange.status)] += 1
        sent_fields, seen_fields = enum_fields(endpoint)
        if 200 <= exchange.status < 300:
            self._values(self.sent, endpoint, sent_fields, exchange.sent_json)
        if exchange.status == 200 and exchange.is_json:
            self._values(self.seen, endpoint, seen_fields, exchange.json)

    @staticmethod
    def _values(
        into: dict[str, Counter[str]], endpoint: str, fields: tuple[str, ...], body: Any
    ) -> None:
        if not isinstance(body, dict):
            return
        for name in fields:
            if name in body:
                value = body[name]
                shown = value if isinstance(value, str) else json.dumps(value)
                into.setdefault(f"{endpoint} {name}", Counter())[shown] += 1

    def merge(self, other: Coverage) -> None:
        for mine, theirs in (
            (self.statuses, other.statuses),
            (self.sent, other.sent),
            (self.seen, other.seen),
        ):
            for key, counts in theirs.items():
                mine.setdefault(key, Counter()).update(counts)

    def as_dict(self) -> dict[str, dict[str, dict[str, int]]]:
        def plain(table: dict[str, Counter[str]]) -> dict[str, dict[str, int]]:
            return {k: dict(sorted(v.items())) for k, v in sorted(table.items())}

        return {
            "statuses": plain(self.statuses),
            "sent": plain(self.sent),
            "seen": plain(self.seen),
        }

    @classmethod
    def from_dict(cls, raw: dict[str, dict[str, dict[str, int]]]) -> Coverage:
        def counters(table: dict[str, dict[str, int]]) -> dict[str, Counter[str]]:
            return {k: Counter(v) for k, v in table.items()}

        return cls(counters(raw["statuses"]), counters(raw["sent"]), counters(raw["seen"]))

    def lines(self) -> list[str]:
        """The summary's coverage lines."""
        out = []
        for endpoint, counts in sorted(self.statuses.items()):
            shown = ", ".join(f"{status} x{n}" for status, n in sorted(counts.items()))
            out.append(f"  {endpoint} answered: {shown}")
        for key in sorted({*self.sent, *self.seen}):
            sent = ", ".join(sorted(self.sent.get(key, {}))) or "none"
            seen = ", ".join(sorted(self.seen.get(key, {}))) or "none"
            out.append(f"  {key}: sent and accepted {sent}; seen in 200 answers {seen}")
        return out
