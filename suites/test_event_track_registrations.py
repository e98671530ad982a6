"""Does the server's bulk PUT of track registrations keep the 200/207 rules?"""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regconform.catalogue.requirements import refusal_ids
from regconform.harness.clients import TrackClient
from regconform.harness.controls import (
    ALL_KNOWN_OUTCOME,
    TRACK_OUTCOME,
    all_known,
    sent_track_request,
    track_outcome,
    track_outcome_checks,
)
from regconform.judging.checks import common, ids
from regconform.judging.checks import event_track as etr
from regconform.judging.verdicts import Judged, Verdicts
from regconform.strategies.event_track import TrackRequest, TrackViolation
from regconform.target.concurrency import in_order
from regconform.target.exchange import Exchange

pytestmark = pytest.mark.suite("event_track_registrations")

OUTCOME_IDS = ids(*TRACK_OUTCOME)
INVALID_IDS = refusal_ids("event_track_registrations")
REFUSED = ids(common.invalid_request_not_5xx)
DOCUMENTED = ids(etr.track_status_documented)


@pytest.mark.requirement(*OUTCOME_IDS)
@pytest.mark.per_example(2)
@given(data=st.data())
def test_mixed_ids_get_200_or_exact_207(
    tracks: TrackClient, verdicts: Verdicts, data: st.DataObject
) -> None:
    """Random known/unknown mixes: 200 when all are known, else 207 naming exactly the unknown.
    Two an example, one over each half of the track's registrations (every other one), so
    --concurrency sends them at once and no two writes to one registration are in flight."""
    ids = tracks.section.update_ids
    halves = [half for half in (ids[0::2], ids[1::2]) if half]
    requests = [data.draw(tracks.requests.mixed(half), label="request") for half in halves]
    sends = [functools.partial(sent_track_request, tracks, request) for request in requests]
    answers = in_order(tracks.target.concurrency, sends)
    verdicts.judge_each(
        (exchange, track_outcome_checks(tracks, request))
        for request, exchange in zip(requests, answers, strict=True)
    )


@pytest.mark.requirement(*ids(etr.all_succeeded_is_200), *DOCUMENTED)
@given(data=st.data())
@pytest.mark.examples(5)
def test_all_known_ids_get_200(
    tracks: TrackClient, verdicts: Verdicts, data: st.DataObject
) -> None:
    """Only registrations of the track: every update succeeds, so the answer is 200."""
    request = all_known(data.draw(tracks.requests.valid_body(), label="body"))
    verdicts.judge_each([track_outcome(tracks, request)])


@pytest.mark.requirement(
    *ids(
        etr.partial_failure_is_207,
        etr.failed_ids_all_listed,
        etr.succeeded_ids_not_listed,
        etr.multi_status_body_valid,
    ),
    *DOCUMENTED,
)
@given(data=st.data())
@pytest.mark.examples(5)
def test_partial_failure_gets_exact_207(
    tracks: TrackClient, verdicts: Verdicts, data: st.DataObject
) -> None:
    """Known ids plus at least one unknown uuid: 207 listing exactly the unknown ones."""
    body = data.draw(tracks.requests.valid_body(), label="body")
    unknown = data.draw(tracks.requests.unknown_ids(min_size=1), label="unknown")
    ids = data.draw(st.permutations(body["registration_ids"] + unknown), label="order")
    request = TrackRequest(body["registration_ids"], unknown, {**body, "registration_ids": ids}, {})
    verdicts.judge_each([track_outcome(tracks, request)])


@pytest.mark.requirement(*ids(etr.all_failed_is_207), *DOCUMENTED)
@given(data=st.data())
@pytest.mark.examples(3)
def test_all_unknown_ids_get_207(
    tracks: TrackClient, verdicts: Verdicts, data: st.DataObject
) -> None:
    """Only unknown uuids: every update fails; by our reading that is a 207 listing all of them."""
    body = data.draw(tracks.requests.valid_body(), label="body")
    unknown = data.draw(tracks.requests.unknown_ids(min_size=1), label="unknown")
    request = TrackRequest([], unknown, {**body, "registration_ids": unknown}, {})
    verdicts.judge_each([track_outcome(tracks, request)])


@pytest.mark.requirement(*INVALID_IDS, *REFUSED, *ids(*ALL_KNOWN_OUTCOME))
@given(data=st.data())
@pytest.mark.examples(8)
def test_each_track_violation_is_refused(
    tracks: TrackClient, verdicts: Verdicts, data: st.DataObject
) -> None:
    """A drawn valid request is accepted (the control, 200), and each copy of it spoiled by one
    violation, one per invalid-request requirement and sent on its own, is refused with 400,
    never 5xx."""
    body = data.draw(tracks.requests.valid_body(), label="body")
    violations = data.draw(tracks.requests.one_violation_each(), label="violations")

    def refused(violation: TrackViolation, exchange: Exchange) -> Judged:
        return exchange, (
            common.rejected_as_bad_request.bind(requirement=violation.requirement),
            common.invalid_request_not_5xx,
            etr.track_error_body_is_list,
        )

    def judged() -> Iterator[Judged]:
        # The control and the refusals (which write nothing) are independent requests:
        # --concurrency sends them at once; each is judged in this order.
        control = all_known(body)
        sends = [functools.partial(sent_track_request, tracks, control)]
        sends += [functools.partial(tracks.put, v.body(body), query=v.query) for v in violations]
        answers = in_order(tracks.target.concurrency, sends)
        yield next(answers), track_outcome_checks(tracks, control)
        yield from map(refused, violations, answers)

    verdicts.judge_each(judged())


@pytest.mark.requirement(
    *ids(etr.unknown_event_refused, etr.unknown_track_refused),
    *REFUSED,
    *DOCUMENTED,
    *ids(etr.track_error_body_is_list),
)
@given(data=st.data())
@pytest.mark.examples(3)
def test_unknown_event_and_track_are_not_found(
    tracks: TrackClient, verdicts: Verdicts, data: st.DataObject
) -> None:
    """A made-up event uuid or track key is answered 404 or 403 (both documented), never 2xx."""
    body = data.draw(tracks.requests.valid_body(), label="body")
    allow = tracks.target.allow
    event_id = allow.synthetic_uuid(data.draw(st.binary(min_size=16, max_size=16)))
    track_id = allow.synthetic_name("track", data.draw(st.binary(min_size=6, max_size=6)))
    documented = etr.track_status_documented.bind(documented=tracks.documented)
    always = (common.invalid_request_not_5xx, documented, etr.track_error_body_is_list)

    def not_found() -> Iterator[Judged]:  # refusals: --concurrency sends them at once
        sends = [
            functools.partial(tracks.put, body, event_id=event_id),
            functools.partial(tracks.put, body, track_id=track_id),
        ]
        checks = (etr.unknown_event_refused, etr.unknown_track_refused)
        for check, exchange in zip(checks, in_order(tracks.target.concurrency, sends), strict=True):
            yield exchange, (check, *always)

    verdicts.judge_each(not_found())


@pytest.mark.requirement(*ids(etr.non_uuid_id_not_accepted), *REFUSED, *DOCUMENTED)
@given(data=st.data())
@pytest.mark.examples(3)
def test_non_uuid_id_is_refused_or_reported(
    tracks: TrackClient, verdicts: Verdicts, data: st.DataObject
) -> None:
    """A registration id that is not a uuid is refused (400) or reported failed (207), never 200."""
    body = data.draw(tracks.requests.valid_body(), label="body")
    odd_id = tracks.target.allow.synthetic_name(
        "not-a-uuid", data.draw(st.binary(min_size=6, max_size=6))
    )
    exchange = tracks.put({**body, "registration_ids": [*body["registration_ids"], odd_id]})
    odd = (
        etr.non_uuid_id_not_accepted.bind(odd_id=odd_id, pointer=tracks.pointer),
        common.invalid_request_not_5xx,
        etr.track_status_documented.bind(documented=tracks.documented),
    )
    verdicts.judge_each([(exchange, odd)])
