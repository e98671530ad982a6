"""What the suites hold: one client per endpoint, turning transport trouble into test outcomes.

A throttled run or a spent budget raises CutShort, a target that did not answer usably raises
TargetBrokeDown: neither is an Exception, so hypothesis lets them through instead of shrinking
or replaying a broken target for minutes. regconform.harness.guard makes them test outcomes.
"""

from __future__ import annotations

from typing import Any, NoReturn

from regconform.catalogue.contracts import Contracts
from regconform.harness.guard import CutShort, OwnBug, TargetBrokeDown
from regconform.judging.checks.storage import set_by
from regconform.judging.endpoints import course_endpoint, track_endpoint
from regconform.settings.profile import CourseSection, TrackSection
from regconform.settings.read_paths import fill
from regconform.strategies.course import CourseRequests
from regconform.strategies.event_track import TrackRequests
from regconform.target.exchange import Exchange
from regconform.target.transport import (
    BudgetExhausted,
    Target,
    TargetError,
    Throttled,
    UnsafeRequest,
)

# Server-managed fields an update must never change (CR-037).
CREATED_FIELDS = ("sys_created_at", "sys_created_by_id")


def _outcome(exc: Exception, target: Target) -> NoReturn:
    if isinstance(exc, (Throttled, BudgetExhausted)):
        raise CutShort(str(exc))
    if isinstance(exc, UnsafeRequest):
        raise OwnBug(f"regconform bug, nothing sent: {exc}")
    raise TargetBrokeDown(f"target error: {exc}", stop=target.broken)


class CourseClient:
    def __init__(self, target: Target, contracts: Contracts, section: CourseSection) -> None:
        self.target = target
        self.section = section
        self.requests = CourseRequests(contracts, section)
        endpoint = course_endpoint(contracts)
        self.validator, self.documented = endpoint.validator, endpoint.documented
        # The last 200 body seen per record: what server-managed fields are compared with.
        # Through PUT alone the first 200 is our first sight of a record, so a server that
        # restamps sys_created_* on its first update would pass unseen; a profile baseline
        # body that states them is the reference for that first answer (CR-037).
        self.last_seen: dict[str, dict[str, Any]] = {}
        # The client fields each record's last 200 update set (CR-049: what may not survive).
        self.last_set: dict[str, dict[str, Any]] = {}
        for record_id, body in section.baseline_bodies.items():
            if known := {k: body[k] for k in CREATED_FIELDS if k in body}:
                self.last_seen[record_id] = known

    def put(
        self, record_id: str, body: Any = None, *, tenant: str | None = None, **kwargs: Any
    ) -> Exchange:
        tenant = tenant or self.section.tenant_id
        try:
            exchange = self.target.put(
                ("courseRegistrations", tenant, record_id),
                body=body,
                checked_record=(tenant, record_id),
                **kwargs,
            )
        except (TargetError, Throttled, BudgetExhausted, UnsafeRequest) as exc:
            _outcome(exc, self.target)
        return exchange

    def read(self, record_id: str) -> Exchange:
        """GET the record as stored, through the profile's `read_path` (the caller checks the
        profile names one)."""
        assert self.section.read_path is not None
        values = {"tenantId": self.section.tenant_id, "id": record_id}
        try:
            return self.target.get(
                fill(self.section.read_path, values),
                checked_record=(self.section.tenant_id, record_id),
            )
        except (TargetError, Throttled, BudgetExhausted, UnsafeRequest) as exc:
            _outcome(exc, self.target)

    def remember(
        self, record_id: str, exchange: Exchange, sent: Any = None
    ) -> dict[str, Any] | None:
        """Keep a 200 body as the record's latest state, and what the update `sent` set in it
        (`last_set`; nothing when `sent` is not given); return the body it replaces."""
        previous = self.last_seen.get(record_id)
        if exchange.status == 200 and exchange.is_json and isinstance(exchange.json, dict):
            self.last_seen[record_id] = exchange.json
            self.last_set[record_id] = set_by(sent, exchange.json)
        return previous


class TrackClient:
    def __init__(self, target: Target, contracts: Contracts, section: TrackSection) -> None:
        self.target = target
        self.section = section
        self.requests = TrackRequests(section, target.allow)
        endpoint = track_endpoint(contracts)
        self.validator, self.documented = endpoint.validator, endpoint.documented
        self.pointer = section.failed_ids_pointer

    def put(
        self,
        body: Any = None,
        *,
        event_id: str | None = None,
        track_id: str | None = None,
        **kwargs: Any,
    ) -> Exchange:
        event_id = event_id or self.section.event_id
        track_id = track_id or self.section.track_id
        ids = body.get("registration_ids") if isinstance(body, dict) else None
        listed = [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []
        try:
            exchange = self.target.put(
                ("v3", "events", event_id, "tracks", track_id, "registrations"),
                body=body,
                checked_ids=(event_id, track_id, *listed),
                **kwargs,
            )
        except (TargetError, Throttled, BudgetExhausted, UnsafeRequest) as exc:
            _outcome(exc, self.target)
        return exchange

    def read(self, registration_id: str) -> Exchange:
        """GET one registration as stored, through the profile's `read_path` (the caller checks
        the profile names one)."""
        section = self.section
        assert section.read_path is not None
        values = {
            "event_id": section.event_id,
            "track_id": section.track_id,
            "registration_id": registration_id,
        }
        try:
            return self.target.get(fill(section.read_path, values), checked_ids=values.values())
        except (TargetError, Throttled, BudgetExhausted, UnsafeRequest) as exc:
            _outcome(exc, self.target)
