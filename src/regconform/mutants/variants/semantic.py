"""Legal decisions: `Semantics` subclasses that decide one thing otherwise, as the documents
allow, and report each answer their decision changed (`changed`)."""

from __future__ import annotations

from typing import Any

from regconform.catalogue.contracts import MANAGED_PREFIX, course_request_properties
from regconform.mutants.catalogue import is_uuid
from regconform.mutants.variants._variant import changed
from regconform.reference import fixtures
from regconform.reference.semantics import Semantics
from regconform.reference.store import Store

Record = dict[str, Any]

MANAGED_DATE_TIMES = ("sys_created_at", "sys_last_modified_at")
_STAND_IN_TIME = "2025-01-01T00:00:00Z"
_STAND_IN = {"string": "x", "number": 1, "integer": 1, "boolean": False, "array": [], "object": {}}


class IgnoresManagedDateTimes(Semantics):
    """Never validates the date-times it stamps itself: a malformed `sys_created_at` or
    `sys_last_modified_at` in a body is ignored like any client-sent sys_ value."""

    def course_body_errors(self, body: Any, path_id: str) -> str | None:
        strict = super().course_body_errors(body, path_id)
        if strict is None or not isinstance(body, dict):
            return strict
        stand_ins = {f: _STAND_IN_TIME for f in MANAGED_DATE_TIMES if isinstance(body.get(f), str)}
        lenient = super().course_body_errors({**body, **stand_ins}, path_id)
        if lenient is None:
            changed(f"applied a body the reference refuses ({strict})")
        return lenient


class IgnoresManagedFields(Semantics):
    """Never validates what a client sends in a field the server manages itself (a sys_ field,
    at any depth): any value there is ignored, as every client-sent sys_ value is when stored,
    and the rest of the update applied. A sys_version that is no number is ignored too, so it
    never makes the update stale."""

    def course_body_errors(self, body: Any, path_id: str) -> str | None:
        strict = super().course_body_errors(body, path_id)
        if strict is None or not isinstance(body, dict):
            return strict
        lenient = super().course_body_errors({**body, **_managed_stand_ins(body)}, path_id)
        if lenient is None:
            changed(f"applied a body the reference refuses ({strict})")
        return lenient

    def is_stale(self, record: Record, body: Record) -> bool:
        version = body.get("sys_version")
        if "sys_version" in body and not _is_number(version):
            return False
        return super().is_stale(record, body)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _managed_stand_ins(body: Record) -> Record:
    """A valid value of its documented type for each sys_ field the body carries."""
    properties = course_request_properties()
    found: Record = {}
    for field in body:
        prop = properties.get(field, {})
        if field.startswith(MANAGED_PREFIX) and "type" in prop:
            dated = prop.get("format") == "date-time"
            found[field] = _STAND_IN_TIME if dated else _STAND_IN[prop["type"]]
    return found


class TenantScopedIds(Semantics):
    """Record ids are per tenant: the other tenant holds records of its own named like ours
    (cr-1..cr-4), as a server keying records by (tenant, id) may."""

    def find_course(self, store: Store, tenant_id: str, record_id: str) -> Record | None:
        found = super().find_course(store, tenant_id, record_id)
        if tenant_id != fixtures.OTHER_TENANT_ID or record_id not in fixtures.COURSE_IDS:
            return found
        changed(f"{tenant_id}/{record_id} is a record of {tenant_id}'s own")
        if found is not None:
            return found
        number = fixtures.COURSE_IDS.index(record_id) + 1
        return fixtures.course_record(tenant_id, record_id, number)


class NoVersionCheck(Semantics):
    """Applies every update whatever `sys_version` it carries (no optimistic concurrency)."""

    def is_stale(self, record: Record, body: Record) -> bool:
        if super().is_stale(record, body):
            changed(f"applied an update carrying sys_version {body.get('sys_version')!r}")
        return False


class RefusesNonUuidIds(Semantics):
    """Refuses (400) a body listing a registration id that is not a uuid, instead of reporting
    it failed in a 207."""

    def track_body_errors(self, body: Any) -> str | None:
        problem = super().track_body_errors(body)
        if problem is not None or not isinstance(body, dict):
            return problem
        odd = [rid for rid in body["registration_ids"] if not is_uuid(rid)]
        if not odd:
            return None
        changed(f"refused registration ids that are not uuids: {odd[:3]}")
        return f"registration ids must be uuids: {odd[:3]}"
