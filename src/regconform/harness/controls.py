"""Requests every suite sends as a control, each with the checks its answer must pass.

A refusal proves little on its own: a server that refuses everything refuses the bad request
too. So a test that expects refusals first sends the valid request they are made from (the
control) and judges it like any valid request. These helpers send that control; the suites
judge it together with the refusals (`Verdicts.judge_each`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import Any

from regconform.harness.clients import CourseClient, TrackClient
from regconform.judging.checks import Check, storage
from regconform.judging.checks import course as cr
from regconform.judging.checks import event_track as etr
from regconform.judging.verdicts import Judged
from regconform.strategies.event_track import TrackRequest
from regconform.target.concurrency import in_order
from regconform.target.exchange import Exchange

# The checks every answer to a valid update must pass, and every multi-status answer: the
# suites cite the ids these judge (checks.ids), so a check added here is cited everywhere.
APPLIED_UPDATE = (
    cr.course_status_documented,
    cr.update_is_applied,
    cr.course_response_is_json,
    cr.course_response_matches_schema,
    cr.created_fields_unchanged,
    cr.version_increases,
    cr.last_modified_not_earlier,
    storage.left_out_fields_do_not_survive,
)
# The rules of a valid update that need an earlier answer for the same record: a test that
# updates a record once (a door test's control) cannot claim them.
NEEDS_HISTORY = (
    cr.created_fields_unchanged,
    cr.version_increases,
    storage.left_out_fields_do_not_survive,  # needs an earlier answer to leave a field out of
)
TRACK_OUTCOME = (
    etr.track_status_documented,
    etr.all_succeeded_is_200,
    etr.partial_failure_is_207,
    etr.failed_ids_all_listed,
    etr.succeeded_ids_not_listed,
    etr.multi_status_body_valid,
    etr.all_failed_is_207,
    etr.track_error_body_is_list,
)


def course_documented(course: CourseClient) -> Check:
    return cr.course_status_documented.bind(documented=course.documented)


def applied_update(course: CourseClient, record_id: str, body: dict[str, Any]) -> Judged:
    """PUT a valid update of `record_id`, with every check a valid update must pass."""
    return applied(course, record_id, body, course.put(record_id, body))


def applied(
    course: CourseClient, record_id: str, body: dict[str, Any], exchange: Exchange
) -> Judged:
    """The answer to a valid update of `record_id` (sent already), with every check a valid
    update must pass; the record's state kept, in the order judged."""
    earlier = course.last_set.get(record_id)
    previous = course.remember(record_id, exchange, body)
    return exchange, applied_checks(course, body, previous, earlier)


def spread_writes(records: Sequence[str], first: str, count: int) -> list[str]:
    """Where `count` writes of one example go: the first to `first` (one of `records`), each
    next one to the next of `records`, round again: writes in a row go to distinct records, so
    --concurrency may send them together (`in_lanes`: never two writes to one record in flight,
    as a server may answer that 409). One record: each after the one before, as a sequential
    run sends them."""
    start = records.index(first)
    ordered = [*records[start:], *records[:start]]
    return [ordered[k % len(ordered)] for k in range(count)]


def applied_updates(
    course: CourseClient, updates: list[tuple[str, dict[str, Any]]]
) -> Iterator[Judged]:
    """Valid updates of distinct records, each judged as `applied_update` judges it, in order:
    under --concurrency they are sent at once (one record's history never depends on another's,
    and no two writes to one record are in flight together)."""
    records = [record_id for record_id, _ in updates]
    assert len(set(records)) == len(records), f"updates of one record sent at once: {records}"
    earlier = [course.last_set.get(record_id) for record_id in records]
    sends = [functools.partial(course.put, record_id, body) for record_id, body in updates]
    answers = in_order(course.target.concurrency, sends)
    for (record_id, body), before, exchange in zip(updates, earlier, answers, strict=True):
        previous = course.remember(record_id, exchange, body)
        yield exchange, applied_checks(course, body, previous, before)


def applied_checks(
    course: CourseClient,
    body: dict[str, Any],
    previous: dict[str, Any] | None,
    earlier: dict[str, Any] | None,
) -> tuple[Check, ...]:
    """Every check an answer to the update `body` must pass, given the record's last 200 body
    before it (`previous`) and what the update answered so had set (`earlier`)."""
    return (
        course_documented(course),
        cr.update_is_applied.bind(sent=body),
        cr.course_response_is_json,
        cr.course_response_matches_schema.bind(validator=course.validator),
        cr.created_fields_unchanged.bind(previous=previous),
        cr.version_increases.bind(previous=previous),
        cr.last_modified_not_earlier.bind(previous=previous),
        storage.left_out_fields_do_not_survive.bind(
            left_out=storage.left_out_values(earlier, body)
        ),
    )


# The rules an update of only known registrations can exercise: a 207 rule never applies to
# its answer, so a test sending only such updates does not claim to verify one.
ALL_KNOWN_OUTCOME = (
    etr.track_status_documented,
    etr.all_succeeded_is_200,
    etr.track_error_body_is_list,
)


def track_outcome_checks(tracks: TrackClient, request: TrackRequest) -> list[Check]:
    """Every multi-status rule, for a request whose known and unknown ids we know (for one
    naming only known ids, the rules that can apply to it)."""
    known, unknown, pointer = request.known, request.unknown, tracks.pointer
    if not unknown:
        return [
            etr.track_status_documented.bind(documented=tracks.documented),
            etr.all_succeeded_is_200.bind(unknown=unknown),
            etr.track_error_body_is_list,
        ]
    return [
        etr.track_status_documented.bind(documented=tracks.documented),
        etr.all_succeeded_is_200.bind(unknown=unknown),
        etr.partial_failure_is_207.bind(known=known, unknown=unknown),
        etr.failed_ids_all_listed.bind(unknown=unknown, pointer=pointer),
        etr.succeeded_ids_not_listed.bind(known=known, pointer=pointer),
        etr.multi_status_body_valid.bind(validator=tracks.validator, pointer=pointer),
        etr.all_failed_is_207.bind(known=known, unknown=unknown, pointer=pointer),
        etr.track_error_body_is_list,
    ]


def sent_track_request(tracks: TrackClient, request: TrackRequest) -> Exchange:
    return tracks.put(request.body, query=request.query)


def track_outcome(tracks: TrackClient, request: TrackRequest) -> Judged:
    """PUT a track request whose known and unknown ids we know, with every multi-status rule."""
    return sent_track_request(tracks, request), track_outcome_checks(tracks, request)


def all_known(body: dict[str, Any]) -> TrackRequest:
    """A valid track body naming only registrations of the track: every update succeeds."""
    return TrackRequest(body["registration_ids"], [], body, {})
