"""Checks of the course-registration PUT (CR-*)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from jsonschema import ValidationError
from jsonschema.protocols import Validator

from regconform.catalogue.contracts import MANAGED_PREFIX
from regconform.catalogue.requirements import ids_of, one_id
from regconform.judging.checks._iso8601 import parse_iso8601
from regconform.judging.checks._registry import Finding, NotApplicable, Violation, check
from regconform.judging.checks.common import not_there, other_status, undocumented_status
from regconform.target.exchange import Exchange

COURSE = "course_registrations"


def required_response_ids() -> Mapping[str | None, str]:
    """Required response field -> the requirement that it is present, non-null, a string."""
    return ids_of("response-required", COURSE)


def enum_response_ids() -> Mapping[str | None, str]:
    return ids_of("response-enum", COURSE)


def nested_required_id() -> str:
    return one_id("response-item-required", COURSE)


def type_id() -> str:
    return one_id("response-type", COURSE)


def format_id() -> str:
    """ISO 8601, as the document says (MUST)."""
    return one_id("response-format", COURSE)


def profile_id() -> str:
    """RFC 3339, the profile of ISO 8601 we expect (INFERRED)."""
    return one_id("response-format-profile", COURSE)


def json_id() -> str:
    return one_id("response-json", COURSE)


def schema_ids() -> tuple[str, ...]:
    """Every id the response schema check judges."""
    return (
        *required_response_ids().values(),
        nested_required_id(),
        *enum_response_ids().values(),
        type_id(),
        format_id(),
        profile_id(),
    )


def _classify(error: ValidationError, body: dict[str, Any]) -> Iterator[Finding]:
    """Which requirement a schema error of the response breaks."""
    path = list(error.absolute_path)
    where = "/".join(str(p) for p in path) or "(body)"
    required, enums = required_response_ids(), enum_response_ids()
    if error.validator == "required":
        missing = [f for f in error.validator_value if f not in error.instance]
        for field in missing:
            rid = required.get(field) if not path else nested_required_id()
            yield Violation(rid or type_id(), f"required field `{field}` missing at {where}")
    elif error.validator == "enum" and len(path) == 1 and path[0] in enums:
        yield Violation(enums[str(path[0])], f"`{where}` = {error.instance!r} is not in the enum")
    elif error.validator == "format":
        yield _format_violation(where, error.instance)
    elif len(path) == 1 and path[0] in required:
        yield Violation(required[str(path[0])], f"required field `{where}` is {error.instance!r}")
    else:
        yield Violation(type_id(), f"`{where}`: {error.message[:200]}")


def _format_violation(where: str, value: Any) -> Violation:
    """The contract's `date-time` is RFC 3339; the document only says ISO 8601, which is wider."""
    if parse_iso8601(value) is None:
        return Violation(format_id(), f"`{where}` = {value!r} is not an ISO 8601 date-time")
    return Violation(
        profile_id(), f"`{where}` = {value!r} is ISO 8601 but not an RFC 3339 date-time"
    )


@check(schema_ids)
def course_response_matches_schema(exchange: Exchange, validator: Validator) -> Iterator[Finding]:
    """A 200 body satisfies CourseRegistration: required, enums, types, formats."""
    body = record_of(exchange)
    if body is None:
        yield not_a_record(exchange)
        return
    for error in validator.iter_errors(body):
        yield from _classify(error, body)


@check(lambda: (json_id(),))
def course_response_is_json(exchange: Exchange) -> Iterator[Finding]:
    if exchange.status != 200:
        yield other_status(exchange, "200")
        return
    if exchange.media_type != "application/json":
        yield Violation(json_id(), f"200 Content-Type is {exchange.media_type or 'missing'!r}")
    elif not exchange.is_json or not isinstance(exchange.json, dict):
        yield Violation(json_id(), f"200 body is not a JSON object: {exchange.describe(200)}")


def record_of(exchange: Exchange) -> dict[str, Any] | None:
    """The record a 200 answer carries: its JSON object body, or None for any other answer."""
    if exchange.status != 200 or not exchange.is_json:
        return None
    body = exchange.json
    return body if isinstance(body, dict) else None


def not_a_record(exchange: Exchange) -> NotApplicable:
    if exchange.status != 200:
        return other_status(exchange, "200")
    return NotApplicable("the 200 body is not a JSON object (CR-035 judges that)")


def same_value(sent: Any, got: Any) -> bool:
    """Whether `got` carries `sent`: JSON equality, with numbers compared as numbers (1 == 1.0,
    big ints as doubles), and objects at any depth allowed keys that were not sent (an item's
    `substitution_id`, say), as the record itself is: no document says "only these fields",
    and the contract's item schemas allow more."""
    if isinstance(sent, bool) or isinstance(got, bool):
        return type(sent) is type(got) and sent == got
    if isinstance(sent, (int, float)) and isinstance(got, (int, float)):
        return float(sent) == float(got)
    if isinstance(sent, dict) and isinstance(got, dict):
        return all(k in got and same_value(sent[k], got[k]) for k in sent)
    if isinstance(sent, list) and isinstance(got, list):
        return len(sent) == len(got) and all(
            same_value(a, b) for a, b in zip(sent, got, strict=True)
        )
    return bool(type(sent) is type(got) and sent == got)


@check("CR-036")
def update_is_applied(exchange: Exchange, sent: dict[str, Any]) -> Iterator[Finding]:
    """A valid update is answered 200 and every client field comes back as sent."""
    if exchange.status != 200:
        yield Violation("CR-036", f"a valid update was not applied: {exchange.describe()}")
        return
    body = record_of(exchange)
    if body is None:
        yield NotApplicable("the 200 body is not a JSON object (CR-035 judges that)")
        return
    for field, value in sent.items():
        if field.startswith(MANAGED_PREFIX):
            continue  # server-managed: judged by CR-037..CR-039
        if field not in body:
            yield Violation("CR-036", f"sent `{field}` but the response has no `{field}`")
        elif not same_value(value, body[field]):
            yield Violation(
                "CR-036", f"sent `{field}` = {value!r:.120} but got {body[field]!r:.120}"
            )


def same_moment(before: Any, after: Any) -> bool:
    """Whether two date-times name the same moment: equal strings, or ISO 8601 forms of one
    instant (`...09:30:00Z` and `...11:30:00+02:00`); when one has an offset and the other not,
    only equal strings are."""
    if before == after:
        return True
    then, now = parse_iso8601(before), parse_iso8601(after)
    return then is not None and now is not None and _comparable(then, now) and then == now


@check("CR-037")
def created_fields_unchanged(
    exchange: Exchange, previous: dict[str, Any] | None
) -> Iterator[Finding]:
    body = record_of(exchange)
    if body is None:
        yield not_a_record(exchange)
        return
    stated = [f for f in ("sys_created_at", "sys_created_by_id") if f in (previous or {})]
    if previous is None or not stated:  # a profile baseline may state only some of them
        yield NotApplicable("first answer seen for the record: nothing earlier to compare with")
        return
    for field in stated:
        before, after = previous[field], body.get(field)
        unchanged = same_moment(before, after) if field.endswith("_at") else before == after
        if not unchanged:
            yield Violation("CR-037", f"`{field}` changed on update: {before!r} -> {after!r}")


@check("CR-038")
def version_increases(exchange: Exchange, previous: dict[str, Any] | None) -> Iterator[Finding]:
    body = record_of(exchange)
    if body is None:
        yield not_a_record(exchange)
        return
    before, after = (previous or {}).get("sys_version"), body.get("sys_version")
    if before is None:
        yield NotApplicable("no earlier answer for the record carried a sys_version")
        return
    if (
        not isinstance(after, (int, float))
        or not isinstance(before, (int, float))
        or after <= before
    ):
        yield Violation(
            "CR-038", f"`sys_version` did not increase on update: {before!r} -> {after!r}"
        )


@check("CR-039")
def last_modified_not_earlier(
    exchange: Exchange, previous: dict[str, Any] | None
) -> Iterator[Finding]:
    body = record_of(exchange)
    if body is None:
        yield not_a_record(exchange)
        return
    modified = parse_iso8601(body.get("sys_last_modified_at"))
    previous_modified = (previous or {}).get("sys_last_modified_at")
    earlier = {
        "is before `sys_created_at`": parse_iso8601(body.get("sys_created_at")),
        "went back from the previous answer's": parse_iso8601(previous_modified),
    }
    pairs = {why: then for why, then in earlier.items() if _comparable(modified, then)}
    if modified is None or not pairs:
        yield NotApplicable("no two comparable date-times to order")
        return
    for why, then in pairs.items():
        if then is not None and modified < then:
            yield Violation("CR-039", f"`sys_last_modified_at` {modified} {why} {then}")


def _comparable(a: datetime | None, b: datetime | None) -> bool:
    return a is not None and b is not None and (a.tzinfo is None) == (b.tzinfo is None)


@check("CR-040")
def locked_record_refused(exchange: Exchange) -> Iterator[Finding]:
    if not 400 <= exchange.status < 500:
        yield Violation(
            "CR-040",
            f"an update of a locked record was not refused with 4xx: {exchange.describe()}",
        )


@check("CR-041")
def locked_refusal_is_409(exchange: Exchange) -> Iterator[Finding]:
    if not 400 <= exchange.status < 500:
        yield NotApplicable("the update of the locked record was not refused (CR-040 judges it)")
    elif exchange.status != 409:
        yield Violation(
            "CR-041", f"the locked record was refused with {exchange.status}, by our reading 409"
        )


@check("CR-042")
def stale_version_is_409(exchange: Exchange) -> Iterator[Finding]:
    if exchange.status != 409:
        yield Violation(
            "CR-042", f"expected 409 for a stale sys_version, got {exchange.describe()}"
        )


@check("CR-043")
def unknown_record_refused(exchange: Exchange) -> Iterator[Finding]:
    yield from not_there(exchange, "CR-043", "404 or 403 for an id that does not exist")


@check("CR-044")
def unknown_tenant_refused(exchange: Exchange) -> Iterator[Finding]:
    yield from not_there(exchange, "CR-044", "404 (or 403) for an unknown tenant")


@check("CR-045")
def other_tenant_refused(exchange: Exchange, owner: str | None = None) -> Iterator[Finding]:
    """A record of another tenant (`owner`), sent to under our tenant's path, is refused."""
    whose = f"tenant {owner!r}'s record" if owner else "another tenant's record"
    yield from not_there(exchange, "CR-045", f"404 or 403 for {whose} through our tenant's path")


@check("CR-046")
def course_status_documented(exchange: Exchange, documented: frozenset[int]) -> Iterator[Finding]:
    yield from undocumented_status(exchange, documented, "CR-046")
