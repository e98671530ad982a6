"""The reference server's PUT /v3/events/{event_id}/tracks/{track_id}/registrations, over real HTTP.

The v3 document also lists 403 and 500. The reference server has no privilege model and no
failure path it could honestly take, so it never answers them; nothing here fakes them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from regconform.reference import ServerSettings, running_server
from regconform.reference.fixtures import (
    DEFAULT_TOKEN,
    EVENT_ID,
    INITIAL_TRACK_STATUS,
    TRACK_ID,
    TRACK_REGISTRATION_IDS,
)
from regconform.reference.store import Store

KNOWN = TRACK_REGISTRATION_IDS
UNKNOWN = ("00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002")
STATUSES = ("REGISTERED", "PENDING", "CANCELED", "EXPIRED", "IN_PROGRESS", "FAILED")


def track_url(base_url: str, event_id: str = EVENT_ID, track_id: str = TRACK_ID) -> str:
    return f"{base_url}/v3/events/{event_id}/tracks/{track_id}/registrations"


def update(ids: list[str] | tuple[str, ...], status: str = "CANCELED") -> dict[str, Any]:
    return {"registration_ids": list(ids), "registration_status": status}


def assert_error_array(response: requests.Response, status: int, key: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    (error,) = response.json()
    assert error["error_key"] == key
    assert isinstance(error["error_message"], str)


@pytest.mark.parametrize("status", STATUSES)
def test_track_put_answers_200_with_empty_body_when_all_ids_known(
    shared_reference_url: str, http: requests.Session, status: str
) -> None:
    """Updating only known registrations is 200 with no body, for each of the six statuses."""
    response = http.put(track_url(shared_reference_url), json=update(KNOWN[:2], status))
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["Content-Length"] == "0"


def test_track_put_answers_207_listing_exactly_the_failed_ids_when_some_unknown(
    shared_reference_url: str, http: requests.Session
) -> None:
    """Unknown ids fail on their own: 207 lists them in request order, once each."""
    ids = [UNKNOWN[1], KNOWN[0], "not-a-uuid", UNKNOWN[1], KNOWN[1], UNKNOWN[0], KNOWN[0]]
    response = http.put(track_url(shared_reference_url), json=update(ids))
    assert response.status_code == 207
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"failed_registration_ids": [UNKNOWN[1], "not-a-uuid", UNKNOWN[0]]}


def test_track_put_answers_207_listing_all_when_every_id_unknown(
    shared_reference_url: str, http: requests.Session
) -> None:
    """When every id fails the answer is still 207, listing all of them."""
    response = http.put(track_url(shared_reference_url), json=update(UNKNOWN))
    assert response.status_code == 207
    assert response.json() == {"failed_registration_ids": list(UNKNOWN)}


def test_track_put_stores_statuses_of_updated_ids_only(tmp_path: Path) -> None:
    """Known ids get the new status; the others keep theirs; unknown ids are not created."""
    db = str(tmp_path / "tracks.sqlite")
    with running_server(ServerSettings(db=db)) as base_url, requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {DEFAULT_TOKEN}"
        response = http.put(track_url(base_url), json=update([KNOWN[0], UNKNOWN[0]], "EXPIRED"))
        assert response.status_code == 207
        assert http.put(track_url(base_url), json=update([KNOWN[1]], "PENDING")).status_code == 200
    store = Store(db)
    try:
        with store.transaction():
            statuses = store.track_statuses(EVENT_ID, TRACK_ID)
    finally:
        store.close()
    expected = dict.fromkeys(KNOWN, INITIAL_TRACK_STATUS) | {
        KNOWN[0]: "EXPIRED",
        KNOWN[1]: "PENDING",
    }
    assert statuses == expected


INVALID_BODIES = {
    "missing registration_ids": {"registration_status": "CANCELED"},
    "missing registration_status": {"registration_ids": [KNOWN[0]]},
    "empty registration_ids": update([]),
    "registration_ids not an array": {
        "registration_ids": KNOWN[0],
        "registration_status": "PENDING",
    },
    "registration id not a string": {"registration_ids": [7], "registration_status": "PENDING"},
    "registration_status not a string": {"registration_ids": [KNOWN[0]], "registration_status": 1},
    "registration_status outside the six": update([KNOWN[0]], "ATTENDED"),
    "registration_status in lower case": update([KNOWN[0]], "canceled"),
    "body is an array": [update([KNOWN[0]])],
    "body is null": None,
}


@pytest.mark.parametrize("body", INVALID_BODIES.values(), ids=INVALID_BODIES.keys())
def test_track_put_answers_400_with_error_array_when_body_invalid(
    shared_reference_url: str, http: requests.Session, body: Any
) -> None:
    """A body that violates the request schema is refused with 400 and an error array."""
    # json= would send no body at all for None, so serialise by hand.
    headers = {"Content-Type": "application/json"}
    response = http.put(track_url(shared_reference_url), data=json.dumps(body), headers=headers)
    assert_error_array(response, 400, "invalid_request")


@pytest.mark.parametrize(
    "raw",
    [b"{", b"[1,]", b'{"registration_ids": [Infinity]}', b'{"registration_ids": ["\\udfff"]}'],
)
def test_track_put_answers_400_when_malformed_json(
    shared_reference_url: str, http: requests.Session, raw: bytes
) -> None:
    """A body that is not well-formed JSON is refused with 400 and an error array."""
    headers = {"Content-Type": "application/json"}
    assert_error_array(
        http.put(track_url(shared_reference_url), data=raw, headers=headers), 400, "malformed_json"
    )


def test_track_put_answers_400_when_body_missing(
    shared_reference_url: str, http: requests.Session
) -> None:
    """No body at all is refused with 400 and an error array."""
    assert_error_array(http.put(track_url(shared_reference_url)), 400, "invalid_request")


def test_track_put_answers_415_when_not_json(
    shared_reference_url: str, http: requests.Session
) -> None:
    """A body sent as text/plain is refused with 415 and an error array."""
    response = http.put(
        track_url(shared_reference_url), data="{}", headers={"Content-Type": "text/plain"}
    )
    assert_error_array(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    "flag", ["increase_count", "increase_item_count", "return_items_to_inventory"]
)
@pytest.mark.parametrize("value", ["yes", "1", "", "truee", "null"])
def test_track_put_answers_400_when_flag_not_boolean(
    shared_reference_url: str, http: requests.Session, flag: str, value: str
) -> None:
    """A query flag that is not true/false is refused with 400."""
    response = http.put(
        track_url(shared_reference_url), params={flag: value}, json=update(KNOWN[:1])
    )
    assert_error_array(response, 400, "invalid_request")


def test_track_put_accepts_flags_when_boolean_in_any_case(
    shared_reference_url: str, http: requests.Session
) -> None:
    """true/false in any letter case are accepted flags."""
    params = {
        "increase_count": "TRUE",
        "increase_item_count": "false",
        "return_items_to_inventory": "True",
    }
    response = http.put(track_url(shared_reference_url), params=params, json=update(KNOWN[:1]))
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("event_id", "track_id"),
    [(UNKNOWN[0], TRACK_ID), (EVENT_ID, "nope"), ("not-a-uuid", TRACK_ID)],
    ids=["unknown event", "unknown track", "non-uuid event"],
)
def test_track_put_answers_404_with_error_array_when_target_unknown(
    shared_reference_url: str, http: requests.Session, event_id: str, track_id: str
) -> None:
    """An unknown event or track is 404 with an error array."""
    response = http.put(track_url(shared_reference_url, event_id, track_id), json=update(KNOWN[:1]))
    assert_error_array(response, 404, "not_found")


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Token {DEFAULT_TOKEN}"])
@pytest.mark.parametrize("event_id", [EVENT_ID, UNKNOWN[0]])
def test_track_put_answers_401_with_error_object_when_not_authenticated(
    shared_reference_url: str, authorization: str | None, event_id: str
) -> None:
    """Without the right bearer token: 401, a challenge and one error object, before any 404."""
    headers = {"Authorization": authorization} if authorization else {}
    response = requests.put(
        track_url(shared_reference_url, event_id), json=update(KNOWN[:1]), headers=headers
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="regconform"'
    body = response.json()
    assert body["error_key"] == "unauthorized"
    assert isinstance(body["error_message"], str)


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "DELETE"])
def test_track_path_answers_405_when_method_not_put(
    shared_reference_url: str, http: requests.Session, method: str
) -> None:
    """Every method but PUT is 405 with Allow: PUT."""
    response = http.request(method, track_url(shared_reference_url))
    assert response.status_code == 405
    assert response.headers["Allow"] == "PUT"
