"""Checks shared by both endpoints (GEN-*) and the status-code helpers they use."""

from __future__ import annotations

from collections.abc import Iterator

from regconform.catalogue.requirements import refusal_ids
from regconform.judging.checks._registry import Finding, NotApplicable, Violation, check
from regconform.target.exchange import Exchange


def other_status(exchange: Exchange, expected: str) -> NotApplicable:
    """The usual reason a status-bound rule does not apply: the answer had another status."""
    return NotApplicable(f"answered {exchange.status}, not {expected}")


def _said(exchange: Exchange) -> str:
    return f"got {exchange.describe()}"


@check(refusal_ids)  # every "refused with 400" requirement of the catalogue
def rejected_as_bad_request(
    exchange: Exchange, requirement: str, why: str = "an invalid request", ignorable: bool = False
) -> Iterator[Finding]:
    """An invalid request (`why`: what is wrong with it) is answered 400, the statement of
    `requirement`. An `ignorable` fault (a malformed value of a field the server manages itself)
    may instead be ignored and the update applied: then the applied-update rules judge the 200."""
    if exchange.status == 400:
        return
    if ignorable and exchange.status == 200:
        yield NotApplicable(
            "the server ignored a server-managed field's value and applied the rest"
        )
    else:
        yield Violation(requirement, f"expected 400 for {why}, {_said(exchange)}")


@check("GEN-001")
def missing_token_is_401(exchange: Exchange) -> Iterator[Finding]:
    if exchange.status != 401:
        yield Violation("GEN-001", f"expected 401 without a token, {_said(exchange)}")


@check("GEN-002")
def wrong_token_is_401(exchange: Exchange) -> Iterator[Finding]:
    if exchange.status != 401:
        yield Violation("GEN-002", f"expected 401 for a wrong token, {_said(exchange)}")


@check("GEN-003")
def unauthorized_has_challenge(exchange: Exchange) -> Iterator[Finding]:
    if exchange.status != 401:
        yield other_status(exchange, "401")
    elif not exchange.headers.get("www-authenticate"):
        yield Violation("GEN-003", "401 response has no WWW-Authenticate header")


@check("GEN-004")
def malformed_json_is_400(exchange: Exchange) -> Iterator[Finding]:
    if exchange.status != 400:
        yield Violation("GEN-004", f"expected 400 for a body that is not JSON, {_said(exchange)}")


@check("GEN-005")
def invalid_request_not_5xx(exchange: Exchange) -> Iterator[Finding]:
    if exchange.status >= 500:
        yield Violation(
            "GEN-005", f"an invalid request was answered as a server error: {_said(exchange)}"
        )


@check("GEN-006")
def wrong_content_type_refused(exchange: Exchange) -> Iterator[Finding]:
    if exchange.status not in (400, 415):
        yield Violation(
            "GEN-006", f"expected 400 or 415 for a non-JSON content type, {_said(exchange)}"
        )


def undocumented_status(
    exchange: Exchange, documented: frozenset[int], requirement: str
) -> Iterator[Finding]:
    """Shared by the per-endpoint documented-status checks."""
    if exchange.status not in documented:
        listed = ", ".join(str(s) for s in sorted(documented))
        yield Violation(
            requirement,
            f"status {exchange.status} is not documented ({listed}): {exchange.describe()}",
        )


def not_there(exchange: Exchange, requirement: str, expected: str) -> Iterator[Finding]:
    """Shared by the checks of a request aimed at something not there (an unknown record,
    tenant, event or track, another tenant's record): 404, or 403 (a server may refuse before
    it looks, and the documents give 403 for a tenant it does not know). `expected` says what,
    e.g. "404 or 403 for an id that does not exist"."""
    if exchange.status not in (403, 404):
        yield Violation(requirement, f"expected {expected}, {_said(exchange)}")
