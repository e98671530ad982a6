"""MUTANTS: every shipped mutant, in catalogue order, each naming the requirement it breaks.

Families whose requirements differ only by a field are built from the catalogue's subjects
(one mutant per requirement of the family); the rest are listed one by one. Where a requirement
can break in several ways (missing vs null vs wrong type, 200 vs 207 both ways...), it has a
mutant per way.
"""

from __future__ import annotations

import email.utils
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from typing import Any

from regconform.catalogue.requirements import ids_of, load_catalogue
from regconform.mutants import semantic as sem
from regconform.mutants._mutant import Mutant
from regconform.mutants.stored import STORAGE
from regconform.mutants.wire import (
    COURSE,
    TRACK,
    Deviation,
    WireRequest,
    WireResponse,
    authorize_when,
    chain,
    defaulting,
    edit_json,
    edit_record,
    error_key_is,
    set_body,
    set_header,
    set_status,
    setting,
    transforming,
    without,
)
from regconform.reference.fixtures import DEFAULT_TOKEN, TENANT_ID
from regconform.reference.semantics import Semantics

COURSE_OPERATION = "course_registrations"
NOT_IN_ANY_ENUM = "unknown"
TRACK_ERROR_STATUSES = (400, 403, 404, 500)
TEXT_PLAIN = "text/plain; charset=utf-8"


def course_record(change: Callable[[dict[str, Any]], dict[str, Any]]) -> Deviation:
    """Rewrite every 200 record of the course endpoint with `change`."""
    return Deviation(COURSE, 200, edit_record(change))


def _not_iso(value: Any) -> Any:
    return datetime.fromisoformat(value).strftime("%d/%m/%Y %H:%M:%S")


def _http_date(value: Any) -> Any:
    return email.utils.format_datetime(datetime.fromisoformat(value), usegmt=True)


def _undated(items: Any) -> Any:
    if not isinstance(items, list):
        return items
    return [without("date")(item) if isinstance(item, dict) else item for item in items]


def _no_auth_header(request: WireRequest) -> bool:
    return request.header("authorization") is None


def _to_default_tenant(request: WireRequest) -> WireRequest:
    tenant = request.segments[1]
    known = tenant in sem.KNOWN_TENANTS
    return request if known else request.with_segment(1, TENANT_ID)


def _track_error(response: WireResponse) -> bool:
    return response.status in TRACK_ERROR_STATUSES


def _first_if_list(body: Any) -> Any:
    return body[0] if isinstance(body, list) and body else body


def is_uuid(value: Any) -> bool:
    """Whether `value` reads as a uuid (a registration id as the track API's examples write it)."""
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _fails_only_non_uuids(response: WireResponse) -> bool:
    body = response.json()
    failed = body.get("failed_registration_ids") if isinstance(body, dict) else None
    return bool(failed) and not any(is_uuid(rid) for rid in failed or ())


def described(name: str, rules: type[Semantics]) -> Mutant:
    """A mutant of one Semantics subclass, whose docstring says what it does and, in
    parentheses at the end, the requirement it breaks."""
    summary = " ".join((rules.__doc__ or "").split())
    match = re.fullmatch(r"(.+) \(((?:CR|ETR|GEN)-\d{3})\)\.", summary)
    if match is None:
        raise ValueError(f"{rules.__name__}'s docstring does not end with '(<id>).'")
    return Mutant(name, match[2], match[1][0].lower() + match[1][1:], rules)


# Each of these breaks its requirement by one decision; the class docstring describes it.
SEMANTIC: dict[str, type[Semantics]] = {
    "accepts-undated-substitution": sem.AcceptsUndatedSubstitution,
    "accepts-wrong-type": sem.AcceptsWrongType,
    "accepts-id-mismatch": sem.AcceptsIdMismatch,
    "ignores-update": sem.IgnoresUpdate,
    "forgets-optional-fields": sem.KeepsRequiredFieldsOnly,
    "resets-created_at": sem.ResetsCreatedAt,
    "keeps-version": sem.KeepsVersion,
    "modified-before-created": sem.ModifiedBeforeCreated,
    "clock-runs-backwards": sem.ClockRunsBackwards,
    "ignores-lock": sem.IgnoresLock,
    "accepts-stale-version": sem.AcceptsStaleVersion,
    "creates-unknown-record": sem.CreatesUnknownRecord,
    "ignores-tenant": sem.IgnoresTenant,
    "missing-ids-mean-none": sem.MissingIdsMeanNone,
    "missing-status-defaults": sem.MissingStatusDefaults,
    "coerces-ids": sem.CoercesIds,
    "coerces-status": sem.CoercesStatus,
    "accepts-empty-ids": sem.AcceptsEmptyIds,
    "accepts-any-status": sem.AcceptsAnyStatusString,
    "non-true-flag-is-false": sem.NonTrueFlagIsFalse,
    "always-207": sem.AlwaysMultiStatus,
    "partial-failure-is-200": sem.MultiStatusOnlyWhenAllFail,
    "all-or-nothing": sem.AllOrNothing,
    "all-failed-is-200": sem.AllFailedIsOk,
    "unknown-event-is-empty": sem.UnknownEventIsEmpty,
    "unknown-track-is-empty": sem.UnknownTrackIsEmpty,
    "missing-token-accepted": sem.MissingHeaderIsAuthorized,
    "any-token-accepted": sem.AnyBearerIsAuthorized,
    "crashes-on-malformed-json": sem.CrashesOnMalformedJson,
    "crashes-on-unknown-record": sem.CrashesOnUnknownRecord,
    "any-content-type-accepted": sem.AnyContentTypeIsJson,
}


def _field_families() -> Iterator[Mutant]:
    """One mutant per requirement of the families that differ only by a field (the
    catalogue's `subject` names the family and the field)."""
    for field, rid in ids_of("request-required", COURSE_OPERATION).items():
        assert field is not None
        yield Mutant(
            f"accepts-missing-{field}",
            rid,
            f"a body without `{field}` is accepted; the record keeps its old value",
            partial(sem.AcceptsMissingField, field),
        )
    for field, rid in ids_of("request-enum", COURSE_OPERATION).items():
        assert field is not None
        yield Mutant(
            f"accepts-bad-{field}",
            rid,
            f"a value of `{field}` outside its enum is dropped instead of refused",
            partial(sem.AcceptsOutOfEnum, field),
        )
    for field, rid in ids_of("response-required", COURSE_OPERATION).items():
        assert field is not None
        yield Mutant(
            f"drops-{field}",
            rid,
            f"200 responses leave out `{field}`",
            wrap=course_record(without(field)),
        )
    for field, rid in ids_of("response-enum", COURSE_OPERATION).items():
        assert field is not None
        yield Mutant(
            f"invents-{field}",
            rid,
            f"200 responses fill a missing `{field}` with {NOT_IN_ANY_ENUM!r}, not in its enum",
            wrap=course_record(defaulting(field, NOT_IN_ANY_ENUM)),
        )
    for endpoint in (COURSE, TRACK):
        yield Mutant(
            f"{endpoint}-skips-missing-token",
            "GEN-001",
            f"the {endpoint} endpoint lets a request without Authorization through",
            wrap=Deviation(endpoint, request=authorize_when(_no_auth_header, DEFAULT_TOKEN)),
        )


# Wire-level mutants, one row each (kept as a table: one mutant, two or three lines).


def _course_wire_mutants() -> Iterator[Mutant]:
    yield from (
        Mutant("nulls-course_id", "CR-020", "200 responses carry `course_id: null`",
               wrap=course_record(setting("course_id", None))),
        Mutant("student_id-as-number", "CR-024", "200 responses carry `student_id` as a number",
               wrap=course_record(setting("student_id", 42))),
        Mutant("drops-substitution-date", "CR-029",
               "200 responses leave out `date` from `substitutions` items",
               wrap=course_record(transforming("substitutions", _undated))),
        Mutant("sys_locked-as-string", "CR-033",
               "200 responses carry the boolean `sys_locked` as a string",
               wrap=course_record(transforming("sys_locked", lambda v: str(v).lower()))),
        Mutant("modified-at-not-iso", "CR-034",
               "200 responses format `sys_last_modified_at` as DD/MM/YYYY HH:MM:SS",
               wrap=course_record(transforming("sys_last_modified_at", _not_iso))),
        Mutant("created-at-as-http-date", "CR-034",
               "200 responses give `sys_created_at` as an HTTP date (not ISO 8601 at all)",
               wrap=course_record(transforming("sys_created_at", _http_date))),
        Mutant("created-at-without-offset", "CR-047",
               "200 responses give `sys_created_at` without a UTC offset (ISO 8601, not RFC 3339)",
               wrap=course_record(transforming("sys_created_at", lambda v: v.rstrip("Z")))),
        Mutant("record-as-text-plain", "CR-035", "200 responses say Content-Type text/plain",
               wrap=Deviation(COURSE, 200, set_header("content-type", TEXT_PLAIN))),
        Mutant("record-in-array", "CR-035", "200 responses wrap the record in a one-item array",
               wrap=Deviation(COURSE, 200, edit_json(lambda body: [body]))),
        Mutant("locked-is-403", "CR-041",
               "an update of a locked record is refused with 403, not 409",
               wrap=Deviation(COURSE, 409, set_status(403), when=error_key_is("locked"))),
        Mutant("unknown-tenant-falls-back", "CR-044",
               "a request to an unknown tenant is routed to the default tenant",
               wrap=Deviation(COURSE, request=_to_default_tenant)),
        Mutant("locked-is-423", "CR-046",
               "an update of a locked record is answered 423 Locked (undocumented)",
               wrap=Deviation(COURSE, 409, set_status(423), when=error_key_is("locked"))),
        Mutant("stale-is-412", "CR-046",
               "a stale `sys_version` is answered 412 Precondition Failed (undocumented)",
               wrap=Deviation(COURSE, 409, set_status(412),
                              when=error_key_is("version_conflict"))),
    )  # fmt: skip


def _track_wire_mutants() -> Iterator[Mutant]:
    as_empty_200 = chain(set_status(200), set_body(b"", None))
    yield from (
        Mutant("207-sent-as-200", "ETR-009", "every 207 goes out as an empty 200",
               wrap=Deviation(TRACK, 207, as_empty_200)),
        Mutant("lists-first-failure-only", "ETR-010", "a 207 lists only the first failed id",
               wrap=Deviation(TRACK, 207, edit_record(
                   transforming("failed_registration_ids", lambda ids: ids[:1])))),
        Mutant("207-as-text-plain", "ETR-012", "207 responses say Content-Type text/plain",
               wrap=Deviation(TRACK, 207, set_header("content-type", TEXT_PLAIN))),
        Mutant("207-without-body", "ETR-012", "207 responses have no body",
               wrap=Deviation(TRACK, 207, set_body(b"", None))),
        Mutant("all-ok-is-204", "ETR-016",
               "answers 204 No Content (undocumented) when every registration was updated",
               wrap=Deviation(TRACK, 200, set_status(204))),
        Mutant("track-error-as-object", "ETR-017", "track errors carry one error object",
               wrap=Deviation(TRACK, response=edit_json(_first_if_list), when=_track_error)),
        Mutant("track-error-as-text", "ETR-017", "track errors are plain text",
               wrap=Deviation(TRACK, response=set_body(b"Request failed", TEXT_PLAIN),
                              when=_track_error)),
        Mutant("track-401-as-list", "ETR-018",
               "a track 401 carries a list of error objects, not one",
               wrap=Deviation(TRACK, 401, edit_json(lambda body: [body]))),
        Mutant("ignores-non-uuid-ids", "ETR-019",
               "ids that are not uuids are silently skipped: 200 instead of 207",
               wrap=Deviation(TRACK, 207, as_empty_200, when=_fails_only_non_uuids)),
    )  # fmt: skip


def _shared_wire_mutants() -> Iterator[Mutant]:
    yield from (
        Mutant("401-without-challenge", "GEN-003", "401 responses have no WWW-Authenticate header",
               wrap=Deviation(None, 401, set_header("www-authenticate", None))),
        Mutant("malformed-json-is-422", "GEN-004", "a body that is not JSON is answered 422",
               wrap=Deviation(None, 400, set_status(422), when=error_key_is("malformed_json"))),
    )  # fmt: skip


def _catalogue_order(mutants: list[Mutant]) -> tuple[Mutant, ...]:
    position = {rid: index for index, rid in enumerate(load_catalogue())}
    return tuple(sorted(mutants, key=lambda mutant: position.get(mutant.requirement, -1)))


MUTANTS: tuple[Mutant, ...] = _catalogue_order(
    [
        *_field_families(),
        *(described(name, rules) for name, rules in SEMANTIC.items()),
        *(described(name, rules) for name, rules in STORAGE.items()),
        *_course_wire_mutants(),
        *_track_wire_mutants(),
        *_shared_wire_mutants(),
    ]
)
