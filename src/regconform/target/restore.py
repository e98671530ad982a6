"""Leaving records as found: at the end of a session, what the profile gives as a record's
baseline is put back, through the same transport (allow-list and pacing apply; --max-requests
does not: restores have an allowance of their own).

A course record gets its `[course_registrations.baseline_bodies.<id>]` body PUT back as given;
the track's registrations get `[event_track_registrations] restore_status` in one bulk PUT.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from regconform.settings.profile import CourseSection, TrackSection
from regconform.target.exchange import Exchange
from regconform.target.transport import (
    BudgetExhausted,
    Target,
    TargetError,
    Throttled,
    UnsafeRequest,
)

NOT_SENT = (TargetError, Throttled, BudgetExhausted, UnsafeRequest)
APPLIED = (200, 204)
DRY_RUN = "dry run: not sent"


@dataclass(frozen=True)
class Restored:
    """One record put back, or not, and the evidence."""

    record: str  # "course registration acme/cr-1", "track registration <id>"
    done: bool
    detail: str  # "HTTP 200", "dry run: not sent", or why it could not be restored


def _judged(record: str, exchange: Exchange) -> Restored:
    if exchange.dry_run:
        return Restored(record, False, DRY_RUN)
    if exchange.status in APPLIED:
        return Restored(record, True, f"HTTP {exchange.status}")
    return Restored(record, False, f"refused: {exchange.describe(200)}")


def restore_course(target: Target, section: CourseSection) -> list[Restored]:
    """PUT each baseline body back to its record, as the profile gives it."""
    tenant, restored = section.tenant_id, []
    with target.restoring(len(section.baseline_bodies)):
        for record_id, body in section.baseline_bodies.items():
            record = f"course registration {tenant}/{record_id}"
            path = ("courseRegistrations", tenant, record_id)
            try:
                exchange = target.put(path, body=body, checked_record=(tenant, record_id))
            except NOT_SENT as exc:
                restored.append(Restored(record, False, str(exc)))
                continue
            restored.append(_judged(record, exchange))
    return restored


def restore_tracks(target: Target, section: TrackSection) -> list[Restored]:
    """PUT `restore_status` to every registration the profile lists, in one request."""
    if section.restore_status is None:
        return []
    ids = list(section.registration_ids)
    records = [f"track registration {rid}" for rid in ids]
    body = {"registration_ids": ids, "registration_status": section.restore_status}
    path = ("v3", "events", section.event_id, "tracks", section.track_id, "registrations")
    with target.restoring(1):
        try:
            exchange = target.put(
                path, body=body, checked_ids=(section.event_id, section.track_id, *ids)
            )
        except NOT_SENT as exc:
            return [Restored(record, False, str(exc)) for record in records]
    if exchange.status != 207 or exchange.dry_run:
        return [_judged(record, exchange) for record in records]
    listed = exchange.list_at(section.failed_ids_pointer)
    if listed is None:
        why = f"HTTP 207 without a list of failed ids at {section.failed_ids_pointer}"
        return [Restored(record, False, why) for record in records]
    failed = {str(x) for x in listed}
    return [
        Restored(record, False, "HTTP 207 lists it as failed")
        if rid in failed
        else Restored(record, True, "HTTP 207, not listed as failed")
        for rid, record in zip(ids, records, strict=True)
    ]


def summary_lines(restored: list[Restored]) -> list[str]:
    """What the end-of-run summary says about restoring."""
    if not restored:
        return []
    if all(r.detail == DRY_RUN for r in restored):
        return [f"restore: {len(restored)} record(s) would be put back (dry run: nothing sent)"]
    done = sum(r.done for r in restored)
    lines = [f"restored: {done} of {len(restored)} record(s) put back as the profile gives them"]
    lines += [f"  NOT restored: {r.record}: {r.detail}"[:200] for r in restored if not r.done]
    return lines


def record_entry(restored: list[Restored]) -> list[dict[str, Any]]:
    """The `restored` entry of report.json: each record, whether it was put back, and why not."""
    return [asdict(r) for r in restored]
