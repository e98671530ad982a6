"""The reads the reference server serves besides the two PUTs: what a profile's `read_path`
names, so the read-back requirements (CR-048, ETR-020, ETR-021) run against it too."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from regconform.reference.fixtures import (
    COURSE_READ_PATH,
    EVENT_ID,
    INITIAL_TRACK_STATUS,
    TENANT_ID,
    TRACK_ID,
    TRACK_READ_PATH,
    TRACK_REGISTRATION_IDS,
    course_record,
)

REGISTRATION_ID = TRACK_REGISTRATION_IDS[0]


def course_read_url(base_url: str, tenant_id: str = TENANT_ID, record_id: str = "cr-1") -> str:
    return base_url + COURSE_READ_PATH.format(tenantId=tenant_id, id=record_id)


def registration_url(base_url: str, registration_id: str = REGISTRATION_ID) -> str:
    return base_url + TRACK_READ_PATH.format(event_id=EVENT_ID, registration_id=registration_id)


def test_course_get_answers_the_record_as_stored(
    reference_url: str, http: requests.Session
) -> None:
    """GET of a record is its stored state: the seeded one, then what the last PUT stored."""
    seeded = course_record(TENANT_ID, "cr-1", 1)
    assert http.get(course_read_url(reference_url)).json() == seeded
    put = http.put(course_read_url(reference_url), json={**seeded, "name": "Grace Hopper"})
    assert put.status_code == 200
    got = http.get(course_read_url(reference_url))
    assert got.status_code == 200 and got.headers["content-type"] == "application/json"
    assert got.json() == put.json()


def test_registration_get_answers_its_status_as_stored(
    reference_url: str, http: requests.Session
) -> None:
    """GET of a registration carries its track and status: seeded, then as a bulk PUT set it."""
    first = http.get(registration_url(reference_url)).json()
    assert first == {
        "registration_id": REGISTRATION_ID,
        "event_id": EVENT_ID,
        "track_id": TRACK_ID,
        "registration_status": INITIAL_TRACK_STATUS,
    }
    track = f"{reference_url}/v3/events/{EVENT_ID}/tracks/{TRACK_ID}/registrations"
    body = {"registration_ids": [REGISTRATION_ID], "registration_status": "CANCELED"}
    assert http.put(track, json=body).status_code == 200
    assert http.get(registration_url(reference_url)).json()["registration_status"] == "CANCELED"


@pytest.mark.parametrize(
    ("url", "key"),
    [
        (lambda base: course_read_url(base, record_id="cr-404"), "error_key"),
        (lambda base: course_read_url(base, tenant_id="nobody"), "error_key"),
        (lambda base: registration_url(base, "00000000-0000-4000-8000-000000000009"), 0),
    ],
    ids=["unknown-record", "unknown-tenant", "unknown-registration"],
)
def test_reads_answer_404_when_nothing_is_stored_there(
    shared_reference_url: str, http: requests.Session, url: Callable[[str], str], key: str | int
) -> None:
    """A read of what is not stored is 404 with the endpoint's error body (an object for the
    course API, an array of them for the v3 events API)."""
    response = http.get(url(shared_reference_url))
    assert response.status_code == 404
    assert response.json()[key]


@pytest.mark.parametrize("read", [course_read_url, registration_url])
def test_reads_answer_401_without_the_token(
    shared_reference_url: str, read: Callable[[str], str]
) -> None:
    """Reads need the bearer token like the PUTs."""
    response = requests.get(read(shared_reference_url))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"]


def test_registration_path_answers_405_when_method_not_get(
    shared_reference_url: str, http: requests.Session
) -> None:
    """The registration read is GET only: a PUT there is 405 with Allow: GET."""
    response = http.put(registration_url(shared_reference_url), json={})
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
