"""What the suites hold: one client per endpoint, turning transport trouble into test outcomes.

A throttled run or a spent budget skips the test (`pytest.skip`, which hypothesis lets through).
A target that did not answer usably raises TargetBrokeDown, which hypothesis lets through too,
so a hanging server is not shrunk or replayed for minutes; TargetGuard makes it a one-line
failure, and stops the session once the transport's breaker is open.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, NoReturn

import pytest
from jsonschema import Draft202012Validator
from jsonschema.protocols import Validator

from regconform.catalogue.contracts import (
    COURSE_RESPONSE_SCHEMA,
    EVENT_TRACK_RESPONSE_SCHEMA,
    Contracts,
)
from regconform.settings.profile import CourseSection, TrackSection
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
# 415 is not in either document, but RFC 9110 gives it for exactly the wrong-content-type case.
CONTENT_TYPE_STATUS = 415
# The vendor documents 429 API-wide (throttled / quota_exceeded) though not for this operation.
API_WIDE_STATUSES = frozenset({429})


def _documented(openapi: dict[str, Any]) -> frozenset[int]:
    operation = next(iter(openapi["paths"].values()))["put"]
    return frozenset(int(code) for code in operation["responses"] if code.isdigit())


def _validator(contracts: Contracts, openapi: dict[str, Any], name: str) -> Validator:
    schema = contracts.component(openapi, name)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


class TargetBrokeDown(BaseException):
    """A request of the test got no usable answer. Not an Exception: hypothesis neither shrinks
    nor replays it, since a broken target is no property of the drawn example."""

    def __init__(self, message: str, stop: str | None) -> None:
        super().__init__(message)
        self.stop = stop  # why the whole session should stop, once the breaker is open


class TargetGuard:
    """Pytest hooks: a TargetBrokeDown fails its test with one line, and an open breaker ends
    the session there (exit 1), since every further test could only say the same again."""

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        try:
            return (yield)
        except TargetBrokeDown as exc:
            if exc.stop:
                item.session.shouldfail = exc.stop
            raise pytest.fail.Exception(str(exc), pytrace=False) from None


def _outcome(exc: Exception, target: Target) -> NoReturn:
    if isinstance(exc, (Throttled, BudgetExhausted)):
        pytest.skip(str(exc))
    if isinstance(exc, UnsafeRequest):
        pytest.fail(f"regconform bug, nothing sent: {exc}", pytrace=False)
    raise TargetBrokeDown(f"target error: {exc}", stop=target.broken)


class CourseClient:
    def __init__(self, target: Target, contracts: Contracts, section: CourseSection) -> None:
        self.target = target
        self.section = section
        self.requests = CourseRequests(contracts, section)
        self.validator = _validator(contracts, contracts.course_openapi, COURSE_RESPONSE_SCHEMA)
        self.documented = _documented(contracts.course_openapi)
        # The last 200 body seen per record: what server-managed fields are compared with.
        # Through PUT alone the first 200 is our first sight of a record, so a server that
        # restamps sys_created_* on its first update would pass unseen; a profile baseline
        # body that states them is the reference for that first answer (CR-037).
        self.last_seen: dict[str, dict[str, Any]] = {}
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
                checked_ids=(tenant, record_id),
                **kwargs,
            )
        except (TargetError, Throttled, BudgetExhausted, UnsafeRequest) as exc:
            _outcome(exc, self.target)
        return exchange

    def remember(self, record_id: str, exchange: Exchange) -> dict[str, Any] | None:
        """Keep a 200 body as the record's latest state; return the one it replaces."""
        previous = self.last_seen.get(record_id)
        if exchange.status == 200 and exchange.is_json and isinstance(exchange.json, dict):
            self.last_seen[record_id] = exchange.json
        return previous


class TrackClient:
    def __init__(self, target: Target, contracts: Contracts, section: TrackSection) -> None:
        self.target = target
        self.section = section
        self.requests = TrackRequests(section, target.allow)
        self.validator = _validator(
            contracts, contracts.event_track_openapi, EVENT_TRACK_RESPONSE_SCHEMA
        )
        self.documented = _documented(contracts.event_track_openapi) | API_WIDE_STATUSES
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
