"""Semantic deviations: `Semantics` subclasses that decide one thing wrongly.

Each class overrides the one decision it breaks and keeps every other answer correct, so the
suite has exactly one requirement to catch it by. A lenient server repairs the body it is too
kind to refuse, and stores the repaired body: its 200 answers stay valid.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from regconform.catalogue.contracts import (
    COURSE_REQUEST_SCHEMA,
    course_request_properties,
    load_contracts,
)
from regconform.reference import fixtures
from regconform.reference.semantics import Semantics, format_time
from regconform.reference.store import Store

Record = dict[str, Any]

KNOWN_TENANTS = (fixtures.TENANT_ID, fixtures.OTHER_TENANT_ID)
KNOWN_EVENTS = (fixtures.EVENT_ID,)
# Stand-ins a lenient server validates in place of what it forgave; never stored.
_STAND_IN_TIME = "2025-01-01T00:00:00Z"
_STAND_IN_UUID = "00000000-0000-4000-8000-000000000000"
_DEFAULT_STATUS = "REGISTERED"
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def has_type(value: Any, json_type: str) -> bool:
    """Whether `value` is of the JSON type named `json_type` (a bool is not a number)."""
    if isinstance(value, bool) and json_type != "boolean":
        return False
    return isinstance(value, _JSON_TYPES.get(json_type, (object,)))


# Course registrations: bodies a lenient server does not refuse (CR-001..015)


class RepairsCourseBody(Semantics):
    """Validates and stores a repaired body instead of refusing the one it got."""

    def repair(self, body: Record, path_id: str, record: Record | None) -> Record:
        """The body this server pretends it got; `record` is None while validating."""
        return body

    def course_body_errors(self, body: Any, path_id: str) -> str | None:
        repaired = self.repair(body, path_id, None) if isinstance(body, dict) else body
        return super().course_body_errors(repaired, path_id)

    def updated_course(self, record: Record, body: Record, now: datetime, actor: str) -> Record:
        repaired = self.repair(body, record["id"], record)
        return super().updated_course(record, repaired, now, actor)


class AcceptsMissingField(RepairsCourseBody):
    """A body without `field` is taken as keeping the record's value (CR-001..009)."""

    def __init__(self, field: str) -> None:
        super().__init__()
        self.field = field

    def repair(self, body: Record, path_id: str, record: Record | None) -> Record:
        if self.field in body:
            return body
        if record is not None:
            return {**body, self.field: record[self.field]}
        stand_in = path_id if self.field == "id" else _STAND_IN_TIME
        return {**body, self.field: stand_in}


class AcceptsUndatedSubstitution(RepairsCourseBody):
    """Substitutions without a `date` are silently dropped (CR-010)."""

    def repair(self, body: Record, path_id: str, record: Record | None) -> Record:
        items = body.get("substitutions")
        if not isinstance(items, list):
            return body
        dated = [item for item in items if not isinstance(item, dict) or "date" in item]
        return {**body, "substitutions": dated}


class AcceptsOutOfEnum(RepairsCourseBody):
    """A string outside `field`'s enum is dropped instead of refused (CR-011..013)."""

    def __init__(self, field: str) -> None:
        super().__init__()
        self.field = field
        self.allowed = frozenset(course_request_properties()[field]["enum"])

    def repair(self, body: Record, path_id: str, record: Record | None) -> Record:
        value = body.get(self.field)
        if isinstance(value, str) and value not in self.allowed:
            return {key: item for key, item in body.items() if key != self.field}
        return body


class AcceptsWrongType(RepairsCourseBody):
    """An optional field of the wrong JSON type is dropped instead of refused (CR-014)."""

    def __init__(self) -> None:
        super().__init__()
        self.types = {field: prop["type"] for field, prop in course_request_properties().items()}

    def repair(self, body: Record, path_id: str, record: Record | None) -> Record:
        return {
            field: value
            for field, value in body.items()
            if field not in self.types or has_type(value, self.types[field])
        }


class AcceptsIdMismatch(RepairsCourseBody):
    """A body `id` other than the path's is overridden by the path (CR-015)."""

    def repair(self, body: Record, path_id: str, record: Record | None) -> Record:
        return {**body, "id": path_id} if isinstance(body.get("id"), str) else body


# Course registrations: what an update does to the record (CR-036..045)


class IgnoresUpdate(Semantics):
    """Answers 200 but keeps the record's client fields as they were (CR-036)."""

    def updated_course(self, record: Record, body: Record, now: datetime, actor: str) -> Record:
        kept = {key: value for key, value in record.items() if not key.startswith("sys_")}
        return super().updated_course(record, kept, now, actor)


class KeepsRequiredFieldsOnly(Semantics):
    """Stores the required fields of an update and forgets the optional ones (CR-036)."""

    def __init__(self) -> None:
        super().__init__()
        schema = load_contracts().course_openapi["components"]["schemas"][COURSE_REQUEST_SCHEMA]
        self.required = frozenset(schema["required"])

    def updated_course(self, record: Record, body: Record, now: datetime, actor: str) -> Record:
        kept = {key: value for key, value in body.items() if key in self.required}
        return super().updated_course(record, kept, now, actor)


class ResetsCreatedAt(Semantics):
    """Every update also stamps `sys_created_at` with the time of the update (CR-037)."""

    def updated_course(self, record: Record, body: Record, now: datetime, actor: str) -> Record:
        updated = super().updated_course(record, body, now, actor)
        return {**updated, "sys_created_at": updated["sys_last_modified_at"]}


class KeepsVersion(Semantics):
    """An update leaves `sys_version` as it was (CR-038)."""

    def updated_course(self, record: Record, body: Record, now: datetime, actor: str) -> Record:
        updated = super().updated_course(record, body, now, actor)
        return {**updated, "sys_version": record["sys_version"]}


class ModifiedBeforeCreated(Semantics):
    """`sys_last_modified_at` is a fixed moment before any record was created (CR-039)."""

    def updated_course(self, record: Record, body: Record, now: datetime, actor: str) -> Record:
        updated = super().updated_course(record, body, now, actor)
        return {**updated, "sys_last_modified_at": "2020-01-01T00:00:00.000000Z"}


class ClockRunsBackwards(Semantics):
    """Each update moves `sys_last_modified_at` a day earlier than the one before (CR-039)."""

    def updated_course(self, record: Record, body: Record, now: datetime, actor: str) -> Record:
        updated = super().updated_course(record, body, now, actor)
        before = datetime.fromisoformat(record["sys_last_modified_at"])
        return {**updated, "sys_last_modified_at": format_time(before - timedelta(days=1))}


class IgnoresLock(Semantics):
    """A locked record is updated like any other (CR-040)."""

    def is_locked(self, record: Record) -> bool:
        return False


class AcceptsStaleVersion(Semantics):
    """A `sys_version` other than the record's is ignored (CR-042)."""

    def is_stale(self, record: Record, body: Record) -> bool:
        return False


class CreatesUnknownRecord(Semantics):
    """A PUT to an id no tenant holds creates the record: an upsert (CR-043)."""

    def find_course(self, store: Store, tenant_id: str, record_id: str) -> Record | None:
        found = super().find_course(store, tenant_id, record_id)
        if found is not None or tenant_id not in KNOWN_TENANTS:
            return found
        if any(store.course(tenant, record_id) is not None for tenant in KNOWN_TENANTS):
            return None
        now = format_time(datetime.now().astimezone())
        return {
            "id": record_id,
            "sys_created_at": now,
            "sys_created_by_id": self.actor_id,
            "sys_last_modified_at": now,
            "sys_last_modified_by_id": self.actor_id,
            "sys_locked": False,
            "sys_version": 0,
        }


class IgnoresTenant(Semantics):
    """A known tenant's path reaches a record of any tenant: the id alone decides (CR-045)."""

    def find_course(self, store: Store, tenant_id: str, record_id: str) -> Record | None:
        if tenant_id not in KNOWN_TENANTS:
            return None
        found = (store.course(tenant, record_id) for tenant in (tenant_id, *KNOWN_TENANTS))
        return next((record for record in found if record is not None), None)


# Event track registrations: bodies and flags a lenient server does not refuse (ETR-001..007)


class RepairsTrackBody(Semantics):
    """Validates a repaired copy of the body; when that is valid, applies the repair in place
    (the server goes on with the body object it passed here)."""

    def repaired(self, body: Record) -> tuple[Record, Record]:
        """(the body as validated, the body as then applied)."""
        return body, body

    def track_body_errors(self, body: Any) -> str | None:
        if not isinstance(body, dict):
            return super().track_body_errors(body)
        validated, applied = self.repaired(body)
        problem = super().track_body_errors(validated)
        if problem is None and applied is not body:
            body.clear()
            body.update(applied)
        return problem


class MissingIdsMeanNone(RepairsTrackBody):
    """A body without `registration_ids` updates nothing and succeeds (ETR-001)."""

    def repaired(self, body: Record) -> tuple[Record, Record]:
        if "registration_ids" in body:
            return body, body
        return {**body, "registration_ids": [_STAND_IN_UUID]}, {**body, "registration_ids": []}


class MissingStatusDefaults(RepairsTrackBody):
    """A body without `registration_status` sets REGISTERED (ETR-002)."""

    def repaired(self, body: Record) -> tuple[Record, Record]:
        if "registration_status" in body:
            return body, body
        defaulted = {**body, "registration_status": _DEFAULT_STATUS}
        return defaulted, defaulted


class CoercesIds(RepairsTrackBody):
    """`registration_ids` that is not an array of strings is coerced into one (ETR-003)."""

    def repaired(self, body: Record) -> tuple[Record, Record]:
        ids = body.get("registration_ids", [])
        if isinstance(ids, list) and all(isinstance(item, str) for item in ids):
            return body, body
        if isinstance(ids, str):
            coerced = [ids]
        elif isinstance(ids, list):
            coerced = [str(item) for item in ids]
        else:
            coerced = []
        applied = {**body, "registration_ids": coerced}
        return {**body, "registration_ids": coerced or [_STAND_IN_UUID]}, applied


class CoercesStatus(RepairsTrackBody):
    """A `registration_status` that is not a string is read as REGISTERED (ETR-004)."""

    def repaired(self, body: Record) -> tuple[Record, Record]:
        if isinstance(body.get("registration_status", ""), str):
            return body, body
        coerced = {**body, "registration_status": _DEFAULT_STATUS}
        return coerced, coerced


class AcceptsEmptyIds(RepairsTrackBody):
    """An empty `registration_ids` list updates nothing and succeeds (ETR-005)."""

    def repaired(self, body: Record) -> tuple[Record, Record]:
        if body.get("registration_ids") != []:
            return body, body
        return {**body, "registration_ids": [_STAND_IN_UUID]}, body


class AcceptsAnyStatusString(RepairsTrackBody):
    """Any string is stored as the registration status (ETR-006)."""

    def repaired(self, body: Record) -> tuple[Record, Record]:
        if not isinstance(body.get("registration_status"), str):
            return body, body
        return {**body, "registration_status": _DEFAULT_STATUS}, body


class NonTrueFlagIsFalse(Semantics):
    """A query flag other than `true` reads as false, never refused (ETR-007)."""

    def parse_flag(self, raw: str) -> bool | None:
        return raw.lower() == "true"


# Event track registrations: the multi-status outcome (ETR-008..015)


class AlwaysMultiStatus(Semantics):
    """Answers 207 even when every registration was updated (ETR-008)."""

    def track_status(self, failed_ids: Iterable[str], requested_ids: Sequence[str]) -> int:
        return 207


class MultiStatusOnlyWhenAllFail(Semantics):
    """Answers 200 when some registrations fail, 207 only when all do (ETR-009)."""

    def track_status(self, failed_ids: Iterable[str], requested_ids: Sequence[str]) -> int:
        return 207 if set(failed_ids) >= set(requested_ids) else 200


class AllOrNothing(Semantics):
    """One unknown id fails the whole batch: the 207 lists every requested id (ETR-011)."""

    def track_failed_ids(
        self, known_ids: frozenset[str], requested_ids: Sequence[str]
    ) -> list[str]:
        failed = super().track_failed_ids(known_ids, requested_ids)
        return list(dict.fromkeys(requested_ids)) if failed else []


class AllFailedIsOk(Semantics):
    """Answers 200 when no listed registration exists (ETR-013)."""

    def track_status(self, failed_ids: Iterable[str], requested_ids: Sequence[str]) -> int:
        failed = set(failed_ids)
        return 200 if failed >= set(requested_ids) else super().track_status(failed, requested_ids)


class UnknownEventIsEmpty(Semantics):
    """An event it does not know is a track with no registrations: 207, not 404 (ETR-014)."""

    def find_track(self, store: Store, event_id: str, track_id: str) -> frozenset[str] | None:
        found = super().find_track(store, event_id, track_id)
        return frozenset() if found is None and event_id not in KNOWN_EVENTS else found


class UnknownTrackIsEmpty(Semantics):
    """A track the event does not have is a track with no registrations (ETR-015)."""

    def find_track(self, store: Store, event_id: str, track_id: str) -> frozenset[str] | None:
        found = super().find_track(store, event_id, track_id)
        return frozenset() if found is None and event_id in KNOWN_EVENTS else found


# Both endpoints (GEN-*)


class MissingHeaderIsAuthorized(Semantics):
    """A request without an Authorization header is let through (GEN-001)."""

    def is_authorized(self, authorization_header: str | None, token: str) -> bool:
        return authorization_header is None or super().is_authorized(authorization_header, token)


class AnyBearerIsAuthorized(Semantics):
    """Any bearer token is accepted; only its presence is checked (GEN-002)."""

    def is_authorized(self, authorization_header: str | None, token: str) -> bool:
        scheme, _, credentials = (authorization_header or "").partition(" ")
        return scheme.lower() == "bearer" and bool(credentials.strip())


class CrashesOnMalformedJson(Semantics):
    """A parse error escapes as an unhandled exception: 500 (GEN-005)."""

    def parse_body(self, raw: bytes) -> Any:
        try:
            return super().parse_body(raw)
        except ValueError as exc:
            raise RuntimeError("unhandled parse error") from exc


class CrashesOnUnknownRecord(Semantics):
    """Looking up a record that is not there raises: 500 instead of 404 (GEN-005)."""

    def find_course(self, store: Store, tenant_id: str, record_id: str) -> Record | None:
        found = super().find_course(store, tenant_id, record_id)
        if found is None:
            raise LookupError(f"{tenant_id}/{record_id}")
        return found


class AnyContentTypeIsJson(Semantics):
    """Parses every body as JSON whatever its Content-Type says (GEN-006)."""

    def is_json(self, content_type: str | None) -> bool:
        return True
