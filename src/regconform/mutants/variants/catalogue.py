"""VARIANTS: the reference server differing in ways the documents and HTTP allow, one each.

A suite that fails one of them raises a false alarm. Each cites what makes it legal
(`legal_because`); the false-alarm matrix runs every suite against each and counts how many
answers it changed, so a variant the suites never saw cannot pass for a proof.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from regconform.mutants.variants import semantic as sem
from regconform.mutants.variants._variant import Because, Variant
from regconform.mutants.variants.delivery import (
    ClosesKeptAlive,
    Edit,
    Legal,
    after_interim,
    closing,
    compact,
    gzipped,
    header_edit,
    in_chunks,
    json_edit,
    late,
    shouting,
    status_edit,
    throttling,
)
from regconform.mutants.wire import COURSE, TRACK, WireRequest, WireResponse, error_key_is
from regconform.reference import fixtures

COURSE_DOC = "course-registrations-update.txt"
TRACK_DOC = "event-track-registrations-update.txt"
V3 = "appconnect-v3-excerpt.md"
RFC9110, RFC9112, RFC8259 = "rfc9110-excerpt.txt", "rfc9112-excerpt.txt", "rfc8259-excerpt.txt"
RFC6585 = "rfc6585-excerpt.txt"

STATUS_LIST = "## Response 403 fields ## Response 404 fields"
ISO = Because(
    "course document",
    COURSE_DOC,
    "expressed in ISO-8601 date format",
    "ISO 8601 itself, not only its RFC 3339 profile (CR-047, INFERRED)",
)
FIELDS_200 = "## Response 200 fields (application/json):"
ERROR_LIST = "Error responses carry an array of error objects"
KNOWN_TENANTS = (fixtures.TENANT_ID, fixtures.OTHER_TENANT_ID)
HELD_IDS = (*fixtures.COURSE_IDS, fixtures.LOCKED_ID, fixtures.OTHER_TENANT_COURSE_ID)
DATE_TIMES = ("sys_created_at", "sys_last_modified_at")
TRACK_ERRORS = (400, 403, 404, 500)


# Which answers an edit touches


def _course_path(request: WireRequest) -> tuple[str, str]:
    _, tenant, record_id = request.segments
    return tenant, record_id


def _unknown_record(request: WireRequest, response: WireResponse) -> bool:
    tenant, record_id = _course_path(request)
    return response.status == 404 and tenant in KNOWN_TENANTS and record_id not in HELD_IDS


def _unknown_tenant(request: WireRequest, response: WireResponse) -> bool:
    return response.status == 404 and _course_path(request)[0] not in KNOWN_TENANTS


def _other_tenants_record(request: WireRequest, response: WireResponse) -> bool:
    tenant, record_id = _course_path(request)
    held_elsewhere = record_id == fixtures.OTHER_TENANT_COURSE_ID
    return response.status == 404 and tenant == fixtures.TENANT_ID and held_elsewhere


def _unknown_event(request: WireRequest, response: WireResponse) -> bool:
    return response.status == 404 and request.segments[2] != fixtures.EVENT_ID


def _unknown_track(request: WireRequest, response: WireResponse) -> bool:
    event, track = request.segments[2], request.segments[4]
    return response.status == 404 and event == fixtures.EVENT_ID and track != fixtures.TRACK_ID


def _is_json_type(response: WireResponse) -> bool:
    return response.header("content-type") == "application/json"


# Edits of bodies


def _record(change: Callable[[WireRequest, dict[str, Any]], dict[str, Any]]) -> Edit:
    """Rewrite every 200 record of the course endpoint."""

    def edit(request: WireRequest, response: WireResponse, body: Any) -> Any:
        return change(request, body) if isinstance(body, dict) else body

    return json_edit(edit, when=lambda response: response.status == 200)


def _with_links(request: WireRequest, record: dict[str, Any]) -> dict[str, Any]:
    tenant, record_id = _course_path(request)
    links = {"self": {"href": f"/courseRegistrations/{tenant}/{record_id}"}}
    return {**record, "tenant_id": tenant, "_links": links}


def _numbered_substitutions(request: WireRequest, record: dict[str, Any]) -> dict[str, Any]:
    items = record.get("substitutions")
    if not isinstance(items, list) or not items:
        return record
    numbered = [
        {**item, "substitution_id": f"sub-{n}"} if isinstance(item, dict) else item
        for n, item in enumerate(items, start=1)
    ]
    return {**record, "substitutions": numbered}


def _times(write: Callable[[datetime], str]) -> Edit:
    """The record's date-times written another way (the same moments)."""

    def change(request: WireRequest, record: dict[str, Any]) -> dict[str, Any]:
        found = {f: record[f] for f in DATE_TIMES if isinstance(record.get(f), str)}
        return {**record, **{f: write(datetime.fromisoformat(v)) for f, v in found.items()}}

    return _record(change)


def _basic(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    fraction = f".{utc.microsecond:06d}" if utc.microsecond else ""
    return utc.strftime("%Y%m%dT%H%M%S") + fraction + "Z"


def _without_offset(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat()


def _at_plus_two(moment: datetime) -> str:
    return moment.astimezone(timezone(timedelta(hours=2))).isoformat()


def _milliseconds(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _multi_status(change: Callable[[WireRequest, dict[str, Any]], dict[str, Any]]) -> Edit:
    def edit(request: WireRequest, response: WireResponse, body: Any) -> Any:
        return change(request, body) if isinstance(body, dict) else body

    return json_edit(edit, when=lambda response: response.status == 207)


def _with_updated_ids(request: WireRequest, body: dict[str, Any]) -> dict[str, Any]:
    failed = set(body.get("failed_registration_ids") or ())
    requested = WireResponse(200, (), request.body).json().get("registration_ids", [])
    updated = [rid for rid in dict.fromkeys(requested) if rid not in failed]
    return {**body, "updated_registration_ids": updated, "request_id": "req-0001"}


def _reversed_failures(request: WireRequest, body: dict[str, Any]) -> dict[str, Any]:
    failed = body.get("failed_registration_ids")
    return {**body, "failed_registration_ids": failed[::-1]} if isinstance(failed, list) else body


def _error_ids(request: WireRequest, response: WireResponse, body: Any) -> Any:
    def add(error: Any) -> Any:
        return {**error, "error_id": "err-0001"} if isinstance(error, dict) else error

    return [add(e) for e in body] if isinstance(body, list) else add(body)


def _problem(request: WireRequest, response: WireResponse) -> WireResponse:
    """A course error as RFC 9457 problem details."""
    if response.status < 400:
        return response
    try:
        detail = response.json().get("error_message", "")
    except (ValueError, AttributeError):
        detail = ""
    problem = {"type": "about:blank", "title": f"HTTP {response.status}", "detail": detail}
    body = compact({**problem, "status": response.status})
    return WireResponse(response.status, response.headers, body).with_header(
        "content-type", "application/problem+json"
    )


def _all_updated_body(request: WireRequest, response: WireResponse) -> WireResponse:
    if response.status != 200 or response.body:
        return response
    body = compact({"failed_registration_ids": []})
    return WireResponse(200, response.headers, body).with_header("content-type", "application/json")


# Edits of the JSON text (same values)


def _reordered(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _reordered(v) for k, v in reversed(value.items())}
    return [_reordered(v) for v in value] if isinstance(value, list) else value


def _decimals(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and abs(value) < 2**53:
        return float(value)
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    return [_decimals(v) for v in value] if isinstance(value, list) else value


def _same_value(request: WireRequest, response: WireResponse, body: Any) -> Any:
    return body


def _written(dumps: Callable[[Any], bytes]) -> Edit:
    return json_edit(_same_value, dumps=dumps)


def _escaped(value: Any) -> bytes:
    # "\/" is a legal escape, and a solidus only ever stands inside a string.
    return json.dumps(value, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/").encode()


def _pretty(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2).encode()


def _charset(response: WireResponse) -> WireResponse:
    if not _is_json_type(response):
        return response
    return response.with_header("content-type", "application/json; charset=utf-8")


def _extra_headers(response: WireResponse) -> WireResponse:
    for name, value in (
        ("x-request-id", "0b6f4f55-c3b1-4d47-a8b8-2f6a1a3e2a10"),
        ("cache-control", "no-store"),
        ("server-timing", "db;dur=1.2, app;dur=3.4"),
        ("x-ratelimit-remaining", "9999"),
    ):
        response = response.with_header(name, value)
    return response


def _transport_variants() -> list[Variant]:
    return [
        Variant("chunked", "every answer chunked, without Content-Length, in 3 parts",
                Because("RFC 9112 7.1", RFC9112,
                        "A recipient MUST be able to parse and decode the chunked transfer "
                        "coding."),
                wrap=Legal(deliver=in_chunks())),
        Variant("connection-close", "Connection: close on every answer, then the connection closed",
                Because("RFC 9112 9.6", RFC9112,
                        'The "close" connection option is defined as a signal that the sender will '
                        "close this connection after completion of the response."),
                wrap=Legal(deliver=closing)),
        Variant("closes-kept-alive", "a connection closed, unanswered, when a second request "
                "comes on it (an idle timeout met by a request)",
                Because("RFC 9112 9.5", RFC9112,
                        "A client, server, or proxy MAY close the transport connection at any "
                        "time.",
                        "the request never reached the server: a client may send a PUT or GET "
                        "again (RFC 9110 9.2.2, idempotent methods)"),
                wrap=ClosesKeptAlive),
        Variant("408-on-kept-alive", "408 Request Timeout, then the connection closed, when a "
                "second request comes on a connection (an idle timeout met by a request)",
                Because("RFC 9110 15.5.9", RFC9110,
                        "If the client has an outstanding request in transit, it MAY repeat "
                        "that request."),
                wrap=functools.partial(ClosesKeptAlive, answer_408=True)),
        Variant("extra-headers", "X-Request-Id, Cache-Control, Server-Timing and X-RateLimit-"
                "Remaining besides",
                Because("RFC 9110 5.1", RFC9110,
                        "Other recipients SHOULD ignore unrecognized header and trailer fields."),
                wrap=Legal(edit=header_edit(_extra_headers))),
        Variant("header-case", "every header name upper-cased (CONTENT-TYPE: ...)",
                Because("RFC 9110 5.1", RFC9110, "Field names are case-insensitive"),
                wrap=Legal(deliver=shouting)),
        Variant("charset-parameter", "Content-Type: application/json; charset=utf-8",
                Because("RFC 8259 11", RFC8259,
                        'No "charset" parameter is defined for this registration. Adding one '
                        "really has no effect on compliant recipients."),
                wrap=Legal(edit=header_edit(_charset))),
        Variant("gzip", "gzip-coded bodies whenever the request accepts gzip",
                Because("RFC 9110 12.5.3", RFC9110,
                        'The "Accept-Encoding" header field can be used to indicate preferences '
                        "regarding the use of content codings",
                        "the client sends Accept-Encoding: gzip; the coding is what it asked for"),
                wrap=Legal(deliver=gzipped)),
        Variant("early-hints", "a 103 Early Hints before every answer",
                Because("RFC 9110 15.2", RFC9110,
                        "A client MUST be able to parse one or more 1xx responses received prior "
                        "to a final response, even if the client does not expect one."),
                wrap=Legal(deliver=after_interim(
                    (103, b"Early Hints", ((b"link", b"</style.css>; rel=preload; as=style"),))))),
        Variant("unasked-100-continue", "a 100 Continue and two 103 before every answer, unasked",
                Because("RFC 9110 15.2.1", RFC9110,
                        "If the request did not contain an Expect header field containing the "
                        "100-continue expectation, the client can simply discard this interim "
                        "response."),
                wrap=Legal(deliver=after_interim(
                    (100, b"Continue", ()), (103, b"Early Hints", ()),
                    (103, b"Early Hints", ((b"link", b"</a.js>; rel=preload"),))))),
        Variant("slow", "every 8th answer after 0.5 s, its body dribbled in 4 parts 0.1 s apart",
                Because("sources silent", TRACK_DOC,
                        "sources silent: no document sets a response time; --timeout (10 s by "
                        "default) is the client's own limit, and these answers come within it"),
                wrap=Legal(deliver=late(every=8, delay=0.5, pause=0.1)), waits=True),
        Variant("throttles-then-answers", "every 20th request 429 with Retry-After: 1 first",
                Because("RFC 6585 4", RFC6585,
                        "MAY include a Retry-After header indicating how long to wait before "
                        "making a new request.",
                        "429 is API-wide for the vendor (throttled: more than 4 requests per "
                        "second); the retry after Retry-After is answered"),
                wrap=Legal(first=throttling(every=20, retry_after=1)), waits=True),
        Variant("unavailable-then-answers", "every 20th request 503 with Retry-After: 1 first",
                Because("RFC 9110 15.6.4", RFC9110,
                        "The server MAY send a Retry-After header field (Section 10.2.3) to "
                        "suggest an appropriate amount of time for the client to wait before "
                        "retrying the request.",
                        "a moment's overload or maintenance, announced; the retry after "
                        "Retry-After is answered"),
                wrap=Legal(first=throttling(every=20, retry_after=1, status=503)), waits=True),
    ]  # fmt: skip


def _status_variants() -> list[Variant]:
    listed = Because("course document", COURSE_DOC, STATUS_LIST,
                     "both are listed; the document promises only to 'update an existing course "
                     "registration'")  # fmt: skip
    v3_403 = Because("v3 API reference", V3, "403: Forbidden", "listed beside 404: Not Found")
    return [
        Variant("unknown-record-403", "403 (not 404) for an id no tenant holds",
                listed, wrap=Legal(COURSE, edit=status_edit(403, _unknown_record))),
        Variant("unknown-tenant-403", "403 (not 404) for a tenant that does not exist",
                listed, wrap=Legal(COURSE, edit=status_edit(403, _unknown_tenant))),
        Variant("tenant-scoped-ids", "ids are per tenant (globex has its own cr-1..cr-4); "
                "another tenant's record, under our tenant's path, is 403",
                Because("RFC 9110 15.5.4", RFC9110,
                        "The 403 (Forbidden) status code indicates that the server understood "
                        "the request but refuses to fulfill it.",
                        "and the course document lists 403; an id names a record only within "
                        "its tenant"),
                rules=sem.TenantScopedIds,
                wrap=Legal(COURSE, edit=status_edit(403, _other_tenants_record))),
        Variant("unknown-event-403", "403 (not 404) for an event that does not exist",
                v3_403, wrap=Legal(TRACK, edit=status_edit(403, _unknown_event))),
        Variant("unknown-track-403", "403 (not 404) for a track the event does not have",
                v3_403, wrap=Legal(TRACK, edit=status_edit(403, _unknown_track))),
        Variant("wrong-content-type-400", "400 (not 415) for a body that is not application/json",
                Because("RFC 9110 15.5.1", RFC9110,
                        "The 400 (Bad Request) status code indicates that the server cannot or "
                        "will not process the request due to something that is perceived to be "
                        "a client error",
                        "400 is documented for both endpoints, 415 for neither"),
                wrap=Legal(edit=status_edit(400, lambda q, r: r.status == 415))),
        Variant("non-uuid-ids-400", "a registration id that is not a uuid is refused (400), "
                "not reported failed in a 207",
                Because("event-track document", TRACK_DOC,
                        "sources silent: every example id is a uuid, no format is stated; a "
                        "server may refuse an id it cannot hold instead of reporting it failed"),
                rules=sem.RefusesNonUuidIds),
        Variant("locked-refused-403", "403 (not 409) for an update of a locked record",
                Because("course document", COURSE_DOC,
                        "If set, this record is locked and cannot be changed via the API",
                        "and 403 is listed; 409 is our reading (CR-041, INFERRED)"),
                wrap=Legal(COURSE, edit=status_edit(
                    403, lambda q, r: r.status == 409 and error_key_is("locked")(r))),
                departs_from=("CR-041",)),
        Variant("no-version-check", "applies an update whatever sys_version it carries",
                Because("course document", COURSE_DOC,
                        "A number representing the version of this record in the database",
                        "no concurrency rule is stated; a stale version refused is our reading "
                        "(CR-042, INFERRED)"),
                rules=sem.NoVersionCheck, departs_from=("CR-042",)),
        Variant("ignores-managed-date-times",
                "applies a body whose sys_created_at or sys_last_modified_at is malformed",
                Because("course document", COURSE_DOC,
                        "The date/time that this record was created",
                        "the server stamps these itself and may ignore what a client sends"),
                rules=sem.IgnoresManagedDateTimes),
        Variant("ignores-managed-fields",
                "applies a body whose sys_ fields hold values of any type, at any depth",
                Because("course document", COURSE_DOC,
                        "The error associated with the calculated field",
                        "the sys_ fields are the record's own bookkeeping (its version, stamps, "
                        "bulk loads, calculated-field errors); no sentence lets a client set "
                        "them, so a server may ignore what one sends"),
                rules=sem.IgnoresManagedFields),
    ]  # fmt: skip


def _body_variants() -> list[Variant]:
    fields = Because("course document", COURSE_DOC, FIELDS_200,
                     "the list says what a 200 carries, never 'only these fields'")  # fmt: skip
    dto = Because("v3 API reference", V3, "failed_registration_ids: array of string.",
                  "no other field is ruled out, and no order is stated")  # fmt: skip
    errors = Because("v3 API reference", V3, ERROR_LIST, "an array of error objects")
    return [
        Variant("record-extra-fields", "200 records carry tenant_id and _links besides",
                fields, wrap=Legal(COURSE, edit=_record(_with_links))),
        Variant("substitution-ids", "each substitutions item carries a substitution_id",
                fields, wrap=Legal(COURSE, edit=_record(_numbered_substitutions))),
        Variant("multi-status-extra-fields", "207 bodies list updated_registration_ids too",
                dto, wrap=Legal(TRACK, edit=_multi_status(_with_updated_ids))),
        Variant("multi-status-reordered", "207 bodies list the failed ids in reverse order",
                dto, wrap=Legal(TRACK, edit=_multi_status(_reversed_failures))),
        Variant("error-objects-extra-fields", "every error object carries an error_id too",
                errors, wrap=Legal(edit=json_edit(_error_ids, when=lambda r: r.status >= 400))),
        Variant("empty-error-lists", "track errors (400, 403, 404, 500) carry an empty list",
                Because("v3 API reference", V3, ERROR_LIST,
                        "the contract's ErrorList sets no minItems: [] is an array of them"),
                wrap=Legal(TRACK, edit=json_edit(
                    lambda q, r, body: [], when=lambda r: r.status in TRACK_ERRORS))),
        Variant("all-updated-with-body", "a 200 of the track endpoint says "
                '{"failed_registration_ids": []}',
                Because("v3 API reference", V3, "Empty or omitted means all updates succeeded."),
                wrap=Legal(TRACK, edit=_all_updated_body)),
        Variant("course-errors-as-problem-json", "course errors as RFC 9457 problem details",
                Because("course document", COURSE_DOC, "## Response 400 fields ## Response 401 "
                        "fields", "no error fields are documented for the course endpoint"),
                wrap=Legal(COURSE, edit=_problem)),
    ]  # fmt: skip


def _json_variants() -> list[Variant]:
    return [
        Variant("reversed-key-order", "every JSON object's members in reverse order",
                Because("RFC 8259 1", RFC8259, "An object is an unordered collection of zero or "
                        "more name/value pairs"),
                wrap=Legal(edit=_written(lambda v: compact(_reordered(v))))),
        Variant("pretty-printed", "JSON indented with spaces and line breaks",
                Because("RFC 8259 2", RFC8259, "Insignificant whitespace is allowed before or "
                        "after any of the six structural characters."),
                wrap=Legal(edit=_written(_pretty))),
        Variant("integers-as-decimals", "every whole number written with a fraction (2 as 2.0)",
                Because("RFC 8259 6", RFC8259, "A number is represented in base 10 using "
                        "decimal digits.", "2 and 2.0 are one number in base 10"),
                wrap=Legal(edit=_written(lambda v: compact(_decimals(v))))),
        Variant("escaped-strings", "non-ASCII characters and solidus escaped (\\u00e9, \\/)",
                Because("RFC 8259 7", RFC8259, "Any character may be escaped."),
                wrap=Legal(edit=_written(_escaped))),
    ]  # fmt: skip


def _time_variants() -> list[Variant]:
    return [
        Variant("basic-format-times", "date-times in ISO 8601 basic format (20250115T093000Z)",
                ISO, wrap=Legal(COURSE, edit=_times(_basic)), departs_from=("CR-047",)),
        Variant("times-without-offset", "date-times in UTC without an offset",
                ISO, wrap=Legal(COURSE, edit=_times(_without_offset)), departs_from=("CR-047",)),
        Variant("times-at-plus-two", "date-times at +02:00 (the same moments)",
                ISO, wrap=Legal(COURSE, edit=_times(_at_plus_two))),
        Variant("times-in-milliseconds", "date-times with exactly three fractional digits",
                ISO, wrap=Legal(COURSE, edit=_times(_milliseconds))),
    ]  # fmt: skip


VARIANTS: tuple[Variant, ...] = (
    *_transport_variants(),
    *_status_variants(),
    *_body_variants(),
    *_json_variants(),
    *_time_variants(),
)
