"""What the reference server decides, one small method per decision.

A mutant subclasses `Semantics` and overrides exactly one method to break exactly one
requirement, so each method here answers one question and nothing else.
"""

from __future__ import annotations

import hmac
import json
import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match

from regconform.catalogue.contracts import (
    COURSE_REQUEST_SCHEMA,
    EVENT_TRACK_REQUEST_SCHEMA,
    Contracts,
    load_contracts,
)
from regconform.reference.store import Store

ACTOR_ID = "regconform-reference-user"
TRACK_FLAGS = ("increase_count", "increase_item_count", "return_items_to_inventory")

# ETR-019 lets a non-uuid registration id be refused (400) or reported as failed (207); we
# report it as failed, like any other id the track does not hold, so the track body is
# validated without asserting the contract's `format: uuid` (an annotation in 2020-12 anyway).
_TRACK_FORMATS = FormatChecker(
    [name for name in Draft202012Validator.FORMAT_CHECKER.checkers if name != "uuid"]
)
_MAX_MESSAGE = 300


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:40]} is out of range")
    return value


def describe(error: ValidationError) -> str:
    """One line naming where the body is wrong and how."""
    where = "/".join(str(part) for part in error.absolute_path)
    message = " ".join(error.message.split())
    line = f"{where}: {message}" if where else message
    return line if len(line) <= _MAX_MESSAGE else line[: _MAX_MESSAGE - 3] + "..."


def format_time(moment: datetime) -> str:
    """UTC ISO-8601 with microseconds and a `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Semantics:
    """The correct behaviour of both endpoints."""

    actor_id = ACTOR_ID

    def __init__(self, contracts: Contracts | None = None) -> None:
        contracts = contracts or load_contracts()
        course = contracts.component(contracts.course_openapi, COURSE_REQUEST_SCHEMA)
        track = contracts.component(contracts.event_track_openapi, EVENT_TRACK_REQUEST_SCHEMA)
        # Compiled once here; a request only runs them.
        fmt = Draft202012Validator.FORMAT_CHECKER
        self._course_validator = Draft202012Validator(course, format_checker=fmt)
        self._track_validator = Draft202012Validator(track, format_checker=_TRACK_FORMATS)

    # Both endpoints

    def is_authorized(self, authorization_header: str | None, token: str) -> bool:
        """Whether the Authorization header is `Bearer <token>` (GEN-001, GEN-002)."""
        scheme, _, credentials = (authorization_header or "").partition(" ")
        credentials = credentials.strip()
        if scheme.lower() != "bearer" or not credentials:
            return False
        return hmac.compare_digest(credentials.encode(), token.encode())

    def is_json(self, content_type: str | None) -> bool:
        """Whether the request says its body is application/json (GEN-006)."""
        media_type = (content_type or "").split(";", 1)[0].strip().lower()
        return media_type == "application/json"

    def parse_body(self, raw: bytes) -> Any:
        """The decoded JSON body; ValueError when it is not well-formed JSON (GEN-004)."""
        # NaN, Infinity, numbers beyond float range and lone surrogates (I-JSON, RFC 7493) are
        # not JSON we could store and send back; nesting deeper than Python recurses is refused.
        try:
            body = json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float)
            json.dumps(body, ensure_ascii=False).encode("utf-8")
        except RecursionError:
            raise ValueError("it is nested too deeply") from None
        except UnicodeEncodeError:
            raise ValueError("a string holds a lone surrogate, which is not Unicode") from None
        return body

    # Course registrations

    def find_course(self, store: Store, tenant_id: str, record_id: str) -> dict[str, Any] | None:
        """The record at (tenant, id); a record of another tenant is not found (CR-043..045)."""
        return store.course(tenant_id, record_id)

    def course_body_errors(self, body: Any, path_id: str) -> str | None:
        """Why the body cannot be applied to record `path_id`, or None (CR-001..015)."""
        if not isinstance(body, dict):
            return "the body must be a JSON object"
        error = best_match(self._course_validator.iter_errors(body))
        if error is not None:
            return describe(error)
        if body["id"] != path_id:
            return f"the body id {body['id']!r} differs from the path id {path_id!r}"
        return None

    def is_locked(self, record: dict[str, Any]) -> bool:
        """Whether the record refuses every update (CR-040)."""
        return record.get("sys_locked") is True

    def is_stale(self, record: dict[str, Any], body: dict[str, Any]) -> bool:
        """Whether the body was written against another version of the record (CR-042)."""
        return "sys_version" in body and body["sys_version"] != record["sys_version"]

    def updated_course(
        self, record: dict[str, Any], body: dict[str, Any], now: datetime, actor: str
    ) -> dict[str, Any]:
        """The record after a PUT: the body's client fields, and server-managed sys_ fields."""
        # PUT replaces the client fields; sys_ fields sent by the client are ignored.
        client = {key: value for key, value in body.items() if not key.startswith("sys_")}
        system = {key: value for key, value in record.items() if key.startswith("sys_")}
        previous = datetime.fromisoformat(record["sys_last_modified_at"])
        system["sys_version"] = record["sys_version"] + 1
        system["sys_last_modified_at"] = format_time(max(now, previous))  # never goes back
        system["sys_last_modified_by_id"] = actor
        return {**client, **system}

    def stored_course(self, answered: dict[str, Any]) -> dict[str, Any] | None:
        """What an applied update stores: the record it answers with (None: nothing)."""
        return answered

    # Event track registrations

    def find_track(self, store: Store, event_id: str, track_id: str) -> frozenset[str] | None:
        """The registration ids of the track, or None when event or track is unknown."""
        return store.track_registration_ids(event_id, track_id)

    def track_body_errors(self, body: Any) -> str | None:
        """Why the body is not a valid status update, or None (ETR-001..006)."""
        if not isinstance(body, dict):
            return "the body must be a JSON object"
        error = best_match(self._track_validator.iter_errors(body))
        return None if error is None else describe(error)

    def parse_flag(self, raw: str) -> bool | None:
        """A query flag's value, or None when it is not a boolean (ETR-007)."""
        return {"true": True, "false": False}.get(raw.lower())

    def track_failed_ids(
        self, known_ids: frozenset[str], requested_ids: Sequence[str]
    ) -> list[str]:
        """The requested ids the track does not hold, in request order, once each."""
        return list(dict.fromkeys(rid for rid in requested_ids if rid not in known_ids))

    def applied_track_ids(self, succeeded: list[str], failed: list[str]) -> list[str]:
        """The registrations an update stores the new status of: every one that succeeded."""
        return succeeded

    def track_status(self, failed_ids: Iterable[str], requested_ids: Sequence[str]) -> int:
        """200 when every id was updated, 207 when any failed (ETR-008, ETR-009, ETR-013)."""
        return 207 if any(True for _ in failed_ids) else 200
