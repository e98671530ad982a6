"""What a conforming server must keep, as the stateful suite models it.

Per course record: the last 200 answer (what a read-back must show, what the next update's
version, stamps and fields are compared with) and the values later updates left out (which must
not come back, CR-049). Per registration: the status the last bulk update left it in, and the
requirement that says so (ETR-020 after a 200, ETR-021 after a 207).

A model starts empty with every sequence: a failing sequence is then a reproduction on its own,
whatever ran before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from regconform.judging.checks.storage import left_out_values, set_by
from regconform.judging.verdicts import Verdicts
from regconform.strategies.event_track import TrackRequest
from regconform.target.exchange import Exchange

# Why read-back requirements are left out of a run (reported as their `skipped` reason).
NO_READ_PATH = "the profile leaves read-back out (no read_path in [{section}])"
PARALLEL = "parallel workers (-n) write the same records: a read-back may see another's write"


def reads_back(
    item: pytest.Item,
    verdicts: Verdicts,
    read_path: str | None,
    section: str,
    requirements: tuple[str, ...],
) -> bool:
    """Whether a stateful test may read back what it wrote; if not, `requirements` are left
    out of the test (`skipped` unless another test judged them), saying why."""
    workers = getattr(item.config, "workerinput", {}).get("workercount", 1)
    own_worker = bool(item.config.getoption("regconform_suite_workers", False))
    reason = None
    if read_path is None:
        reason = NO_READ_PATH.format(section=section)
    elif workers > 1 and not own_worker:  # a worker per suite writes only its own records
        reason = PARALLEL
    if reason is not None:
        verdicts.leave_out(requirements, reason)
    return reason is None


@dataclass
class CourseRecord:
    """One course record as a conforming server keeps it, from this sequence's answers."""

    answered: dict[str, Any] | None = None  # the last 200 answer for the record
    set_last: dict[str, Any] = field(default_factory=dict)  # what the update answered so set
    left_out: dict[str, Any] = field(default_factory=dict)  # field -> value it must not keep

    def learn(self, sent: dict[str, Any], exchange: Exchange) -> None:
        """An update was answered: a 200 record becomes what the server keeps."""
        if exchange.status != 200 or not exchange.is_json or not isinstance(exchange.json, dict):
            return
        still_out = {f: v for f, v in self.left_out.items() if f not in sent}
        self.left_out = {**still_out, **left_out_values(self.set_last, sent)}
        self.answered = exchange.json
        self.set_last = set_by(sent, exchange.json)

    @property
    def version(self) -> int | float | None:
        version = (self.answered or {}).get("sys_version")
        is_number = isinstance(version, (int, float)) and not isinstance(version, bool)
        return version if is_number else None


@dataclass(frozen=True)
class Expected:
    """What a registration must read back, and the requirement that says so."""

    status: str
    requirement: str
    why: str


SET_BY_200 = Expected("", "ETR-020", "the 200 updated it")
NOT_FAILED_BY_207 = Expected("", "ETR-021", "the 207 did not name it as failed")
FAILED_BY_207 = Expected("", "ETR-021", "the 207 named it as failed, so it keeps its status")


@dataclass
class TrackStatuses:
    """The registrations of one track as a conforming server keeps them."""

    pointer: str  # where a 207 lists the failed ids
    statuses: dict[str, Expected] = field(default_factory=dict)

    def after(self, request: TrackRequest, exchange: Exchange) -> dict[str, Expected]:
        """Learn from the answer to `request`: the registrations it listed that are in the
        track, each with what it must now read back (one whose earlier status this sequence does
        not know is left out when it must keep it)."""
        status = str(request.body["registration_status"])
        if exchange.status == 200:
            now = {rid: _as(SET_BY_200, status) for rid in request.known}
        elif exchange.status == 207:
            failed = set(map(str, exchange.list_at(self.pointer) or []))
            now = {}
            for rid in request.known:
                if rid not in failed:
                    now[rid] = _as(NOT_FAILED_BY_207, status)
                elif rid in self.statuses:
                    now[rid] = _as(FAILED_BY_207, self.statuses[rid].status)
        else:
            return {}  # refused: nothing changed, nothing new to read
        self.statuses.update(now)
        return now


def _as(expected: Expected, status: str) -> Expected:
    return Expected(status, expected.requirement, expected.why)
