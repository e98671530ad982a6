"""How the configuration probe reads an answer: what proves token and path right, what names a
wrong setting, and what decides nothing (and so never stops a run)."""

from __future__ import annotations

import json

import pytest

from regconform.reference.fixtures import fixture_profile
from regconform.settings.profile import parse_profile
from regconform.target.exchange import Exchange, SentRequest
from regconform.target.probe import PROBE_BODY, Probe, answer_kind, probes

JSON = "application/json"
RECORD = Probe("course_registrations", "registration_ids", "cr-1", ("x",), ("cr-1",))
LOCKED = Probe("course_registrations", "locked_registration_id", "l", ("x",), ("l",), True)


def answer(status: int, content_type: str = JSON, body: bytes = b"{}") -> Exchange:
    sent = SentRequest("PUT", "http://127.0.0.1:9/x", {}, PROBE_BODY)
    return Exchange(sent, status, {"content-type": content_type}, body)


PAGE = b"<!doctype html><html><body>Welcome</body></html>"
CASES = [
    # token and path proven: every refusal of a body that is not JSON, documented or not
    (answer(400), RECORD, "ok"),
    (answer(400, "text/plain", b"bad request"), RECORD, "ok"),
    (answer(415), RECORD, "ok"),
    (answer(422), RECORD, "ok"),
    (answer(409), RECORD, "ok"),
    (answer(403), LOCKED, "ok"),  # a locked record may be refused with 403 (CR-040)
    # decides nothing: the suites judge it
    (answer(500), RECORD, "ok"),
    (answer(200), RECORD, "ok"),
    (answer(200, "text/html", b"{}"), RECORD, "ok"),  # says html, is not a page
    # a wrong setting
    (answer(401), RECORD, "token"),
    (answer(403), RECORD, "missing"),
    (answer(404), RECORD, "missing"),
    (answer(404), LOCKED, "missing"),
    (answer(301, body=b""), RECORD, "prefix"),
    (answer(307, body=b""), RECORD, "prefix"),
    (answer(405), RECORD, "prefix"),
    (answer(200, "text/html", PAGE), RECORD, "prefix"),
    (answer(404, "text/html", PAGE), RECORD, "prefix"),
]


@pytest.mark.parametrize(
    ("exchange", "probe", "kind"),
    CASES,
    ids=[f"{e.status}-{e.media_type}-{p.setting}" for e, p, _ in CASES],
)
def test_probe_answer_reads_as_documented(exchange: Exchange, probe: Probe, kind: str) -> None:
    """Each answer means what the probe's table says."""
    assert answer_kind(exchange, probe) == kind


def test_probe_of_the_reference_profile_is_six_requests_and_writes_nothing() -> None:
    """Four records, the locked one and the track; the body is not JSON, so nothing applies."""
    planned = probes(parse_profile(fixture_profile("http://127.0.0.1:9")))
    assert len(planned) == 6
    assert [p.setting for p in planned[:2]] == ["registration_ids", "event_id/track_id"]
    with pytest.raises(ValueError):
        json.loads(PROBE_BODY)
