"""Rules both endpoints share: authentication, malformed JSON, content type (GEN-*)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regconform.checks import Check, common
from regconform.checks import course as cr
from regconform.checks import event_track as etr
from regconform.exchange import Exchange
from regconform.verdicts import Verdicts

MALFORMED_BODIES = (b'{"id": ', b"{'id': 'x'}", b"not json", b'{"a": 1,}', b"\xff\xfe{}", b"")

ENDPOINTS = ("course", "tracks")


def valid_request(
    request: pytest.FixtureRequest, endpoint: str, data: st.DataObject
) -> tuple[Callable[..., Exchange], list[Check]]:
    """A send function that PUTs one drawn valid request, and the endpoint's always-on checks."""
    client: Any = request.getfixturevalue(endpoint)
    if endpoint == "course":
        record_id, body = data.draw(client.requests.valid_updates(), label="update")

        def send_course(**kwargs: Any) -> Exchange:
            exchange: Exchange = client.put(record_id, **({"body": body} | kwargs))
            client.remember(record_id, exchange)
            return exchange

        return send_course, [cr.course_status_documented.bind(documented=client.documented)]
    track_body = data.draw(client.requests.valid_body(), label="body")

    def send_track(**kwargs: Any) -> Exchange:
        exchange: Exchange = client.put(**({"body": track_body} | kwargs))
        return exchange

    return send_track, [
        etr.track_status_documented.bind(documented=client.documented),
        etr.track_error_body_is_list,
        etr.track_unauthorized_body_is_object,
    ]


def suite_param(endpoint: str, *ids: str) -> Any:
    name = "course_registrations" if endpoint == "course" else "event_track_registrations"
    extra = ("ETR-016", "ETR-017", "ETR-018") if endpoint == "tracks" else ("CR-046",)
    return pytest.param(
        endpoint,
        marks=[pytest.mark.suite(name), pytest.mark.requirement(*ids, *extra)],
        id=endpoint,
    )


@pytest.mark.parametrize(
    "endpoint", [suite_param(e, "GEN-001", "GEN-002", "GEN-003", "GEN-005") for e in ENDPOINTS]
)
@given(data=st.data())
@pytest.mark.examples(2)
def test_missing_or_wrong_token_is_401(
    request: pytest.FixtureRequest, verdicts: Verdicts, endpoint: str, data: st.DataObject
) -> None:
    """Without a token, or with a wrong one, a valid request is refused with 401 and a challenge."""
    send, always = valid_request(request, endpoint, data)
    for auth, check in (
        ("none", common.missing_token_is_401),
        ("wrong", common.wrong_token_is_401),
    ):
        verdicts.judge(
            send(auth=auth),
            check,
            common.unauthorized_has_challenge,
            common.invalid_request_not_5xx,
            *always,
        )


@pytest.mark.parametrize("endpoint", [suite_param(e, "GEN-004", "GEN-005") for e in ENDPOINTS])
@given(data=st.data())
@pytest.mark.examples(4)
def test_malformed_json_is_400(
    request: pytest.FixtureRequest, verdicts: Verdicts, endpoint: str, data: st.DataObject
) -> None:
    """A body that is not well-formed JSON is refused with 400, never 5xx."""
    send, always = valid_request(request, endpoint, data)
    raw = data.draw(st.sampled_from(MALFORMED_BODIES), label="malformed body")
    verdicts.judge(
        send(raw_body=raw), common.malformed_json_is_400, common.invalid_request_not_5xx, *always
    )


@pytest.mark.parametrize("endpoint", [suite_param(e, "GEN-006", "GEN-005") for e in ENDPOINTS])
@given(data=st.data())
@pytest.mark.examples(2)
def test_wrong_content_type_is_refused(
    request: pytest.FixtureRequest, verdicts: Verdicts, endpoint: str, data: st.DataObject
) -> None:
    """A JSON body labelled text/plain or form data is refused with 400 or 415."""
    send, always = valid_request(request, endpoint, data)
    content_type = data.draw(st.sampled_from(("text/plain", "application/x-www-form-urlencoded")))
    documented = [
        c.bind(documented=frozenset({*dict(c.context)["documented"], 415}))
        if "documented" in dict(c.context)
        else c
        for c in always
    ]
    verdicts.judge(
        send(content_type=content_type),
        common.wrong_content_type_refused,
        common.invalid_request_not_5xx,
        *documented,
    )
