"""Rules both endpoints share: authentication, malformed JSON, content type (GEN-*)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regconform.harness.controls import (
    ALL_KNOWN_OUTCOME,
    APPLIED_UPDATE,
    NEEDS_HISTORY,
    all_known,
    applied,
    track_outcome_checks,
)
from regconform.judging.checks import Check, common, ids
from regconform.judging.checks import course as cr
from regconform.judging.checks import event_track as etr
from regconform.judging.verdicts import Judged, Verdicts
from regconform.target.concurrency import in_order
from regconform.target.exchange import Exchange

MALFORMED_BODIES = (b'{"id": ', b"{'id': 'x'}", b"not json", b'{"a": 1,}', b"\xff\xfe{}", b"")
NOT_JSON_TYPES = ("text/plain", "application/x-www-form-urlencoded")
ENDPOINTS = ("course", "tracks")
Send = Callable[..., Exchange]
DOOR_IDS = ids(
    common.missing_token_is_401,
    common.wrong_token_is_401,
    common.unauthorized_has_challenge,
    common.malformed_json_is_400,
    common.invalid_request_not_5xx,
    common.wrong_content_type_refused,
)
# What the control of each endpoint judges besides: its valid-request rules.
CONTROL_IDS = {
    "course": ids(*(c for c in APPLIED_UPDATE if c not in NEEDS_HISTORY)),
    "tracks": ids(*ALL_KNOWN_OUTCOME, etr.track_unauthorized_body_is_object),
}


def valid_request(
    request: pytest.FixtureRequest, endpoint: str, data: st.DataObject
) -> tuple[Send, Callable[[Exchange], Judged], Callable[[Exchange], Exchange], list[Check]]:
    """Draw one valid request (the control); return a function that sends it, or the same
    request changed (`auth=`, `raw_body=`, `content_type=`), one that judges the control's answer
    by the endpoint's rules, one that keeps what an answer changed (a course record's state,
    taken in judged order), and the checks every answer of the endpoint must pass."""
    client: Any = request.getfixturevalue(endpoint)
    if endpoint == "course":
        record_id, body = data.draw(client.requests.valid_updates(), label="update")

        def send_course(**kwargs: Any) -> Exchange:
            exchange: Exchange = client.put(record_id, **({"body": body} | kwargs))
            return exchange

        def keep(exchange: Exchange) -> Exchange:  # in the order judged, whatever was sent
            client.remember(record_id, exchange)
            return exchange

        return (
            send_course,
            functools.partial(applied, client, record_id, body),
            keep,
            [cr.course_status_documented.bind(documented=client.documented)],
        )
    track_body = data.draw(client.requests.valid_body(), label="body")
    outcome = track_outcome_checks(client, all_known(track_body))

    def send_track(**kwargs: Any) -> Exchange:
        exchange: Exchange = client.put(**({"body": track_body} | kwargs))
        return exchange

    return (
        send_track,
        lambda exchange: (exchange, outcome),
        lambda exchange: exchange,
        [
            etr.track_status_documented.bind(documented=client.documented),
            etr.track_error_body_is_list,
            etr.track_unauthorized_body_is_object,
        ],
    )


def with_415(always: list[Check]) -> list[Check]:
    """The endpoint's checks, with 415 documented too (RFC 9110 gives it for this case)."""
    return [
        c.bind(documented=frozenset({*dict(c.context)["documented"], 415}))
        if "documented" in dict(c.context)
        else c
        for c in always
    ]


@pytest.mark.parametrize(
    "endpoint",
    [
        pytest.param(
            endpoint,
            marks=[
                pytest.mark.suite(
                    "course_registrations" if endpoint == "course" else "event_track_registrations"
                ),
                pytest.mark.requirement(*DOOR_IDS, *CONTROL_IDS[endpoint]),
            ],
            id=endpoint,
        )
        for endpoint in ENDPOINTS
    ],
)
@given(data=st.data())
@pytest.mark.examples(4)
def test_refused_at_the_door(
    request: pytest.FixtureRequest, verdicts: Verdicts, endpoint: str, data: st.DataObject
) -> None:
    """A drawn valid request is accepted (the control); the same request is refused with 401
    and a challenge without a token or with a wrong one, with 400 when its body is not JSON,
    and with 400 or 415 when it is labelled as another media type; never with a 5xx."""
    send, control, keep, always = valid_request(request, endpoint, data)
    raw = data.draw(st.sampled_from(MALFORMED_BODIES), label="malformed body")
    content_type = data.draw(st.sampled_from(NOT_JSON_TYPES), label="content type")
    unauthorized = (common.unauthorized_has_challenge, common.invalid_request_not_5xx, *always)
    not_json = (common.malformed_json_is_400, common.invalid_request_not_5xx, *always)
    wrong_type = (common.wrong_content_type_refused, common.invalid_request_not_5xx)
    doors: list[tuple[dict[str, Any], tuple[Check, ...]]] = [
        ({"auth": "none"}, (common.missing_token_is_401, *unauthorized)),
        ({"auth": "wrong"}, (common.wrong_token_is_401, *unauthorized)),
        ({"raw_body": raw}, not_json),
        ({"content_type": content_type}, (*wrong_type, *with_415(always))),
    ]

    def at_the_door() -> Iterator[Judged]:
        # The control and the refusals (which write nothing) are independent: --concurrency
        # sends them at once; each is judged (and its answer kept) in this order.
        sends = [send, *(functools.partial(send, **changed) for changed, _ in doors)]
        answers = in_order(request.getfixturevalue(endpoint).target.concurrency, sends)
        yield control(next(answers))
        for (_, checks), exchange in zip(doors, answers, strict=True):
            yield keep(exchange), checks

    verdicts.judge_each(at_the_door())
