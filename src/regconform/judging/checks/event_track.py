"""Checks of the event-track-registration bulk PUT (ETR-*)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema.protocols import Validator

from regconform.judging.checks._registry import Finding, NotApplicable, Violation, check
from regconform.judging.checks.common import not_there, other_status, undocumented_status
from regconform.target.exchange import Exchange


def failed_ids(exchange: Exchange, pointer: str) -> list[Any] | None:
    """The failed ids a 207 body lists at `pointer`, or None when there is no such list."""
    return exchange.list_at(pointer)


@check("ETR-008")
def all_succeeded_is_200(exchange: Exchange, unknown: list[str]) -> Iterator[Finding]:
    if unknown:
        yield NotApplicable("some listed ids are not in the track")
    elif exchange.status != 200:
        yield Violation(
            "ETR-008", f"every id is in the track, expected 200, got {exchange.describe()}"
        )


@check("ETR-009")
def partial_failure_is_207(
    exchange: Exchange, known: list[str], unknown: list[str]
) -> Iterator[Finding]:
    if not (known and unknown):
        yield NotApplicable("not a mix of ids in the track and ids not in it")
    elif exchange.status != 207:
        yield Violation(
            "ETR-009",
            f"{len(unknown)} of {len(known) + len(unknown)} ids cannot succeed, "
            f"expected 207, got {exchange.describe()}",
        )


@check("ETR-010")
def failed_ids_all_listed(
    exchange: Exchange, unknown: list[str], pointer: str
) -> Iterator[Finding]:
    if exchange.status != 207:
        yield other_status(exchange, "207")
        return
    if not unknown:
        yield NotApplicable("no listed id was meant to fail")
        return
    listed = failed_ids(exchange, pointer) or []
    missing = [i for i in unknown if i not in listed]
    if missing:
        yield Violation(
            "ETR-010", f"207 does not list failed id(s) {missing} (lists {listed!r:.300})"
        )


@check("ETR-011")
def succeeded_ids_not_listed(
    exchange: Exchange, known: list[str], pointer: str
) -> Iterator[Finding]:
    if exchange.status != 207:
        yield other_status(exchange, "207")
        return
    if not known:
        yield NotApplicable("no listed id was meant to succeed")
        return
    wrongly = [i for i in known if i in (failed_ids(exchange, pointer) or [])]
    if wrongly:
        yield Violation("ETR-011", f"207 lists id(s) that succeeded as failed: {wrongly}")


@check("ETR-012")
def multi_status_body_valid(
    exchange: Exchange, validator: Validator, pointer: str
) -> Iterator[Finding]:
    if exchange.status != 207:
        yield other_status(exchange, "207")
        return
    if exchange.media_type != "application/json" or not exchange.is_json:
        yield Violation("ETR-012", f"207 is not a JSON body: {exchange.describe(200)}")
        return
    for error in validator.iter_errors(exchange.json):
        yield Violation("ETR-012", f"207 body: {error.message[:200]}")
    if not failed_ids(exchange, pointer):
        yield Violation("ETR-012", "207 lists no failed id (empty or omitted means all succeeded)")


@check("ETR-013")
def all_failed_is_207(
    exchange: Exchange, known: list[str], unknown: list[str], pointer: str
) -> Iterator[Finding]:
    if known or not unknown:
        yield NotApplicable("not a request whose every id is unknown")
        return
    listed = failed_ids(exchange, pointer) or []
    # Compared by membership, not as sets: a server may list objects or mixed types, which
    # are no ids of ours (a violation), never a reason for the check to raise.
    same = all(i in listed for i in unknown) and all(i in unknown for i in listed)
    if exchange.status != 207 or not same:
        yield Violation(
            "ETR-013", f"every id fails, expected 207 listing all, got {exchange.describe()}"
        )


@check("ETR-014")
def unknown_event_refused(exchange: Exchange) -> Iterator[Finding]:
    yield from not_there(exchange, "ETR-014", "404 or 403 for an event that does not exist")


@check("ETR-015")
def unknown_track_refused(exchange: Exchange) -> Iterator[Finding]:
    yield from not_there(exchange, "ETR-015", "404 or 403 for a track that does not exist")


@check("ETR-016")
def track_status_documented(exchange: Exchange, documented: frozenset[int]) -> Iterator[Finding]:
    yield from undocumented_status(exchange, documented, "ETR-016")


def _is_error_object(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("error_key"), str)
        and isinstance(value.get("error_message"), str)
    )


@check("ETR-017")
def track_error_body_is_list(exchange: Exchange) -> Iterator[Finding]:
    if exchange.status not in (400, 403, 404, 500):
        yield other_status(exchange, "400, 403, 404 or 500")
        return
    body = exchange.json if exchange.is_json else None
    # An empty list is a list of error objects too: the contract's ErrorList sets no minItems.
    if not isinstance(body, list) or not all(_is_error_object(e) for e in body):
        yield Violation(
            "ETR-017",
            f"{exchange.status} body is not a list of error objects: {exchange.describe(200)}",
        )


@check("ETR-018")
def track_unauthorized_body_is_object(exchange: Exchange) -> Iterator[Finding]:
    if exchange.status != 401:
        yield other_status(exchange, "401")
    elif not _is_error_object(exchange.json if exchange.is_json else None):
        yield Violation("ETR-018", f"401 body is not an error object: {exchange.describe(200)}")


@check("ETR-019")
def non_uuid_id_not_accepted(exchange: Exchange, odd_id: str, pointer: str) -> Iterator[Finding]:
    refused = exchange.status == 400
    reported = exchange.status == 207 and odd_id in (failed_ids(exchange, pointer) or [])
    if not (refused or reported):
        yield Violation(
            "ETR-019",
            f"a non-uuid id was neither refused nor reported failed: {exchange.describe()}",
        )
