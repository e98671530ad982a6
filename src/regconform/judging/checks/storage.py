"""Checks of what a server keeps, not only of what it answers (CR-048, CR-049, ETR-020, ETR-021).

Both endpoints are PUT-only, so what a server stored is seen through the GET a profile names
(`read_path`): a course record read back is compared with the last 200 answer for it, and a
registration's status with the status the last bulk update gave it. CR-049 (PUT replaces) is
also judged on a 200 answer itself: a merging server shows the field it kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import jsonpointer

from regconform.catalogue.contracts import MANAGED_PREFIX, course_request_properties
from regconform.catalogue.requirements import ids_of
from regconform.judging.checks._registry import Finding, NotApplicable, Violation, check
from regconform.judging.checks.course import (
    COURSE,
    not_a_record,
    record_of,
    same_moment,
    same_value,
)
from regconform.target.exchange import Exchange

# How a serializer may render a field it holds no value for: read back as absent, still equal.
_EMPTY: tuple[Any, ...] = (None, "", [], {})
_SHOWN = 3  # differing fields named in one violation
_MISSING = object()


def distinctive(value: Any) -> bool:
    """A value no server would invent for a field left out of an update: not null, empty,
    a boolean or zero (a server may default a field to those)."""
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return value != 0
    return value not in _EMPTY


@cache
def client_fields() -> frozenset[str]:
    """The fields a client sends, as the course contract documents them (not sys_ ones): a
    field the server adds of its own accord is nobody's to replace or compare."""
    return frozenset(f for f in course_request_properties() if not f.startswith(MANAGED_PREFIX))


def set_by(sent: Any, answer: dict[str, Any]) -> dict[str, Any]:
    """The fields an update set: those it sent that its 200 `answer` carries as sent. Only
    these can "survive" a later update (CR-049); a value the server filled in itself (a
    default, a derived field) was never set by the client, so keeping it is no merge."""
    if not isinstance(sent, dict):
        return {}
    return {f: v for f, v in sent.items() if f in answer and same_value(v, answer[f])}


def left_out_values(earlier: dict[str, Any] | None, sent: dict[str, Any]) -> dict[str, Any]:
    """The documented client fields an earlier update set (`earlier`, see set_by), with a
    distinctive value, that the update `sent` leaves out: what a replacing PUT must not keep
    (CR-049). Enum fields are left aside: a server may default one to the very value it had."""
    if not earlier:
        return {}
    enums = ids_of("request-enum", COURSE)
    return {
        field: value
        for field, value in earlier.items()
        if field in client_fields()
        and field not in sent
        and field not in enums
        and distinctive(value)
    }


def _agree(answered: Any, stored: Any) -> bool:
    """Equal as JSON values, or as the same moment written two ISO 8601 ways (time stamps)."""
    return same_value(answered, stored) or (
        isinstance(answered, str) and isinstance(stored, str) and same_moment(answered, stored)
    )


def _differences(answered: dict[str, Any], stored: dict[str, Any]) -> list[str]:
    """How the stored record departs from the answer: on a documented client field, or a
    server field both carry. A field the server adds undocumented is compared by neither."""
    found = []
    for field, value in answered.items():
        if field.startswith(MANAGED_PREFIX):
            if field in stored and not _agree(value, stored[field]):
                found.append(f"`{field}` answered {value!r:.80} but stored {stored[field]!r:.80}")
        elif field not in client_fields():
            continue
        elif field not in stored:
            if value not in _EMPTY:
                found.append(f"`{field}` answered {value!r:.80} but not stored")
        elif not same_value(value, stored[field]):
            found.append(f"`{field}` answered {value!r:.80} but stored {stored[field]!r:.80}")
    return found


@check("CR-048")
def stored_as_answered(exchange: Exchange, answered: dict[str, Any] | None) -> Iterator[Finding]:
    """The record read back carries what the last 200 answer for it said."""
    if answered is None:
        yield NotApplicable("no 200 answer for the record yet: nothing to compare the read with")
        return
    stored = record_of(exchange)
    if stored is None:
        yield NotApplicable(
            f"the read-back answered {exchange.status}, not 200 with a record (is read_path right?)"
        )
        return
    before, after = answered.get("sys_version"), stored.get("sys_version")
    if isinstance(before, (int, float)) and isinstance(after, (int, float)) and after > before:
        yield NotApplicable(f"the record moved on since (sys_version {before} -> {after})")
        return
    found = _differences(answered, stored)
    if found:
        more = f" (and {len(found) - _SHOWN} more)" if len(found) > _SHOWN else ""
        yield Violation("CR-048", "; ".join(found[:_SHOWN]) + more)


@check("CR-049")
def left_out_fields_do_not_survive(
    exchange: Exchange, left_out: dict[str, Any]
) -> Iterator[Finding]:
    """A field an update left out does not keep the value an earlier update gave it."""
    record = record_of(exchange)
    if record is None:
        yield not_a_record(exchange)
        return
    if not left_out:
        yield NotApplicable("no field an earlier update set was left out since")
        return
    kept = [f for f, value in left_out.items() if f in record and same_value(value, record[f])]
    if kept:
        shown = ", ".join(f"`{f}` = {left_out[f]!r:.60}" for f in kept[:_SHOWN])
        yield Violation(
            "CR-049", f"left out of the update, yet kept from an earlier one: {shown} (merged)"
        )


def _status_at(exchange: Exchange, pointer: str) -> Any:
    """What a 200 JSON read-back holds at `pointer` (null is a value), else _MISSING."""
    if exchange.status != 200 or not exchange.is_json:
        return _MISSING
    try:
        return jsonpointer.resolve_pointer(exchange.json, pointer, _MISSING)
    except jsonpointer.JsonPointerException:
        return _MISSING


def status_read(exchange: Exchange, pointer: str) -> Any:
    """The status a registration read back shows at `pointer`; None without one."""
    got = _status_at(exchange, pointer)
    return None if got is _MISSING else got


@check("ETR-020", "ETR-021")
def status_reads_back(
    exchange: Exchange,
    requirement: str,
    expected: str,
    why: str,
    pointer: str,
    asked: str,
    before: Any,
) -> Iterator[Finding]:
    """A registration read back has the status its last bulk update left it in. That it does
    shows something only when the update asked for (`asked`) a status other than the one it
    read back before (`before`; None: not known): otherwise a server applying the update and
    one ignoring it read back the same, and the read is no evidence either way."""
    if exchange.status != 200 or not exchange.is_json:
        yield NotApplicable(
            f"the read-back answered {exchange.status}, not 200 with a registration "
            "(is read_path right?)"
        )
        return
    got = _status_at(exchange, pointer)
    if got is _MISSING:
        yield NotApplicable(f"the read-back has no status at {pointer} (is status_pointer right?)")
    elif got != expected:
        yield Violation(requirement, f"reads back status {got!r}, expected {expected!r}: {why}")
    elif before is None:
        yield NotApplicable(
            f"reads back {got!r} as expected, but its status before the update is not known: "
            "an update applied and one ignored may read back the same"
        )
    elif before == asked:
        yield NotApplicable(
            f"the update asked for {asked!r}, the status it already had: an update applied and "
            "one ignored read back the same"
        )
