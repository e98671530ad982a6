"""What a run sent, in totals: one Target's request log, or every xdist worker's merged.

Under pytest-xdist each worker has its own Target; the controller, which writes the summary and
report.json, sends nothing itself. Workers hand their totals over in `workeroutput`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from regconform.target.transport import Target

# What the summary and report.html say of workers that never handed their totals over.
UNREPORTED = "worker(s) stopped before saying what they sent"


@dataclass(frozen=True)
class SentTotals:
    count: int
    sha256: str
    per_requirement: dict[str, int]
    throttled: int = 0  # answers of 429 (or 503 naming a wait) that were waited out and retried
    conflicts: int = 0  # 409s met beside another of our requests to the path, sent again alone
    # requests a kept-alive connection's close met before any answer, or answered 408, sent
    # again (target.transport)
    reconnects: int = 0
    # xdist workers that ended without handing their totals over (an interrupted run): the
    # count is then a floor, and the digest names only part of the traffic.
    unreported: int = 0

    @classmethod
    def of(cls, target: Target) -> SentTotals:
        log = target.log
        per_requirement = dict(log.per_requirement)
        return cls(
            log.count,
            log.sha256,
            per_requirement,
            target.throttled,
            target.conflicts,
            target.reconnects,
        )

    @classmethod
    def merged(cls, by_worker: Mapping[str, SentTotals], unreported: int = 0) -> SentTotals:
        """Every worker's totals (`unreported`: how many more workers never handed theirs
        over). The digest is one over the workers' digests, in worker-id order. xdist hands
        tests to whichever worker is free, so which worker sends what varies from run to run:
        the digest names this run's traffic, but unlike a serial run's it does not repeat for
        the same seed."""
        ordered = [by_worker[worker] for worker in sorted(by_worker)]
        digest = hashlib.sha256("".join(f"{t.sha256}\n" for t in ordered).encode())
        per_requirement: Counter[str] = Counter()
        for totals in ordered:
            per_requirement.update(totals.per_requirement)
        return cls(
            sum(t.count for t in ordered),
            digest.hexdigest(),
            dict(per_requirement),
            sum(t.throttled for t in ordered),
            sum(t.conflicts for t in ordered),
            sum(t.reconnects for t in ordered),
            unreported,
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SentTotals:
        return cls(**data)
