"""The reference server's PUT /courseRegistrations/{tenantId}/{id}, over real HTTP.

The document also lists 403 and 500. The reference server has no privilege model (any holder
of the token may write any tenant) and no failure path it could honestly take, so it never
answers them; nothing here fakes them.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator

from regconform.catalogue.contracts import COURSE_RESPONSE_SCHEMA, load_contracts
from regconform.reference import ServerSettings, running_server
from regconform.reference.fixtures import (
    COURSE_IDS,
    DEFAULT_TOKEN,
    LOCKED_ID,
    OTHER_TENANT_COURSE_ID,
    OTHER_TENANT_ID,
    TENANT_ID,
    course_record,
    seed_courses,
)
from regconform.reference.semantics import ACTOR_ID
from regconform.reference.store import Store

RECORD_ID = COURSE_IDS[0]
SEEDED = {(tenant_id, record["id"]): record for tenant_id, record in seed_courses()}


def course_url(base_url: str, tenant_id: str = TENANT_ID, record_id: str = RECORD_ID) -> str:
    return f"{base_url}/courseRegistrations/{tenant_id}/{record_id}"


def body_for(record_id: str = RECORD_ID, **changes: Any) -> dict[str, Any]:
    """A valid request body: the seeded state of an `acme` record (sys_version 1)."""
    seeded = SEEDED.get((TENANT_ID, record_id)) or course_record(TENANT_ID, record_id, 0)
    return seeded | changes


def response_validator() -> Draft202012Validator:
    contracts = load_contracts()
    schema = contracts.component(contracts.course_openapi, COURSE_RESPONSE_SCHEMA)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def assert_error_object(response: requests.Response, status: int, key: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["error_key"] == key
    assert isinstance(body["error_message"], str)
    assert "\n" not in body["error_message"]
    return dict(body)


def test_course_put_applies_and_returns_record_when_valid(
    reference_url: str, http: requests.Session
) -> None:
    """A valid PUT answers 200 with what was sent and server-managed sys_ fields."""
    sent = body_for(
        name="Ada Lovelace",
        status="completed",
        substitutions=[{"date": "2025-03-01", "notes": "swap"}],
        custom_field_values=[{"custom_field_id": "f1", "numeric_value": 2.5}],
        # sys_ fields are the server's: these are ignored.
        sys_created_by_id="someone-else",
        sys_locked=True,
        sys_directive="ignore me",
    )
    response = http.put(course_url(reference_url), json=sent)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    record = response.json()
    assert not list(response_validator().iter_errors(record))
    assert {k: v for k, v in record.items() if not k.startswith("sys_")} == {
        k: v for k, v in sent.items() if not k.startswith("sys_")
    }
    seeded = body_for()
    assert record["sys_created_at"] == seeded["sys_created_at"]
    assert record["sys_created_by_id"] == seeded["sys_created_by_id"]
    assert record["sys_version"] == 2
    assert record["sys_last_modified_by_id"] == ACTOR_ID
    assert record["sys_last_modified_at"].endswith("Z")
    assert record["sys_last_modified_at"] > seeded["sys_last_modified_at"]
    assert record["sys_locked"] is False
    assert "sys_directive" not in record


def test_course_put_removes_client_fields_when_absent_from_body(
    reference_url: str, http: requests.Session
) -> None:
    """PUT replaces the client fields: an optional field left out is gone afterwards."""
    first = http.put(course_url(reference_url), json=body_for(notes="keep?"))
    assert first.json()["notes"] == "keep?"
    second = http.put(course_url(reference_url), json=body_for(sys_version=2))
    assert second.status_code == 200
    assert "notes" not in second.json()


def test_course_put_keeps_versions_and_times_increasing_when_repeated(
    reference_url: str, http: requests.Session
) -> None:
    """Each update raises sys_version by one; sys_last_modified_at never goes back."""
    versions, times = [], []
    for version in range(1, 6):
        record = http.put(course_url(reference_url), json=body_for(sys_version=version)).json()
        versions.append(record["sys_version"])
        times.append(datetime.fromisoformat(record["sys_last_modified_at"]))
    assert versions == [2, 3, 4, 5, 6]
    assert times == sorted(times)


def test_course_put_applies_without_version_check_when_sys_version_absent(
    reference_url: str, http: requests.Session
) -> None:
    """sys_version is optional: without it the update is applied unconditionally."""
    body = body_for()
    del body["sys_version"]
    for expected in (2, 3):
        response = http.put(course_url(reference_url), json=body)
        assert response.status_code == 200
        assert response.json()["sys_version"] == expected


def _without(field: str) -> dict[str, Any]:
    body = body_for()
    del body[field]
    return body


INVALID_BODIES = {
    "missing course_id": _without("course_id"),
    "missing sys_last_modified_by_id": _without("sys_last_modified_by_id"),
    "substitution without date": body_for(substitutions=[{"notes": "no date"}]),
    "order_status outside enum": body_for(order_status="lost"),
    "status outside enum": body_for(status="REGISTERED"),
    "billing status outside enum": body_for(training_provider_billing_status="paid"),
    "number as string": body_for(completion_percentage="50"),
    "custom field value of wrong type": body_for(custom_field_values=[{"boolean_value": "yes"}]),
    "sys_created_at not a date-time": body_for(sys_created_at="yesterday"),
    "name null": body_for(name=None),
    "body id differs from path id": body_for(id=COURSE_IDS[1]),
    "body is an array": [body_for()],
    "body is a string": "cr-1",
}


@pytest.mark.parametrize("body", INVALID_BODIES.values(), ids=INVALID_BODIES.keys())
def test_course_put_refuses_body_when_invalid(
    reference_url: str, http: requests.Session, body: Any
) -> None:
    """A body that violates the request schema (or names another id) is refused with 400."""
    response = http.put(course_url(reference_url), json=body)
    assert_error_object(response, 400, "invalid_request")
    # Nothing was applied: the seeded version still matches.
    assert http.put(course_url(reference_url), json=body_for()).json()["sys_version"] == 2


# Beyond syntax errors: what JSON's grammar allows but no JSON value can be sent back
# (a lone surrogate, a number beyond double range) or Python cannot decode (deep nesting).
MALFORMED = {
    "truncated": b'{"id": "cr-1",',
    "single quotes": b"{'id': 'cr-1'}",
    "NaN": b'{"n": NaN}',
    "not UTF-8": b"\xff\xfe",
    "lone surrogate": b'{"name": "\\ud800"}',
    "number out of range": b'{"number": 1e999}',
    "nested too deeply": b"[" * 5000 + b"]" * 5000,
}


@pytest.mark.parametrize("raw", MALFORMED.values(), ids=MALFORMED.keys())
def test_course_put_refuses_body_when_malformed_json(
    shared_reference_url: str, http: requests.Session, raw: bytes
) -> None:
    """A body that is not well-formed JSON is refused with 400."""
    response = http.put(
        course_url(shared_reference_url), data=raw, headers={"Content-Type": "application/json"}
    )
    assert_error_object(response, 400, "malformed_json")


@pytest.mark.parametrize("content_type", [None, "application/json", "text/plain"])
def test_course_put_answers_400_when_body_missing(
    shared_reference_url: str, http: requests.Session, content_type: str | None
) -> None:
    """No body at all is a malformed request (400), whatever its content type says."""
    headers = {"Content-Type": content_type} if content_type else {}
    response = http.put(course_url(shared_reference_url), headers=headers)
    assert_error_object(response, 400, "invalid_request")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_course_put_refuses_body_when_not_json_content_type(
    shared_reference_url: str, http: requests.Session, content_type: str | None
) -> None:
    """A body sent as anything but application/json is refused with 415."""
    headers = {"Content-Type": content_type} if content_type else {}
    response = http.put(
        course_url(shared_reference_url), data=json.dumps(body_for()), headers=headers
    )
    assert_error_object(response, 415, "unsupported_media_type")


def test_course_put_accepts_json_content_type_with_charset(
    reference_url: str, http: requests.Session
) -> None:
    """application/json with parameters is still JSON."""
    headers = {"Content-Type": "Application/JSON; charset=utf-8"}
    response = http.put(course_url(reference_url), data=json.dumps(body_for()), headers=headers)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Basic {DEFAULT_TOKEN}", DEFAULT_TOKEN, "Bearer"],
    ids=["missing", "wrong token", "basic scheme", "no scheme", "no token"],
)
@pytest.mark.parametrize("tenant_id", [TENANT_ID, "no-such-tenant"])
def test_course_put_answers_401_when_not_authenticated(
    shared_reference_url: str, authorization: str | None, tenant_id: str
) -> None:
    """Without the right bearer token the answer is 401 with a challenge, even for 404s."""
    headers = {"Authorization": authorization} if authorization else {}
    response = requests.put(
        course_url(shared_reference_url, tenant_id), json=body_for(), headers=headers
    )
    assert_error_object(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="regconform"'


@pytest.mark.parametrize(
    ("tenant_id", "record_id"),
    [(TENANT_ID, "cr-404"), ("no-such-tenant", RECORD_ID), (OTHER_TENANT_ID, RECORD_ID)],
    ids=["unknown id", "unknown tenant", "record of another tenant"],
)
def test_course_put_answers_404_and_creates_nothing_when_target_unknown(
    shared_reference_url: str, http: requests.Session, tenant_id: str, record_id: str
) -> None:
    """An unknown tenant or id (or another tenant's record) is 404, twice: nothing is created."""
    url = course_url(shared_reference_url, tenant_id, record_id)
    for _ in range(2):
        assert_error_object(http.put(url, json=body_for(record_id)), 404, "not_found")


def test_course_put_isolates_tenants(reference_url: str, http: requests.Session) -> None:
    """A record is reachable through its own tenant only."""
    own = SEEDED[(OTHER_TENANT_ID, OTHER_TENANT_COURSE_ID)]
    wrong = http.put(course_url(reference_url, TENANT_ID, OTHER_TENANT_COURSE_ID), json=own)
    assert wrong.status_code == 404
    right = http.put(course_url(reference_url, OTHER_TENANT_ID, OTHER_TENANT_COURSE_ID), json=own)
    assert right.status_code == 200
    assert right.json()["sys_version"] == 2


def test_course_put_answers_409_and_keeps_record_when_locked(tmp_path: Path) -> None:
    """A locked record refuses every update with 409 and is stored unchanged."""
    db = str(tmp_path / "locked.sqlite")
    with running_server(ServerSettings(db=db)) as base_url, requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {DEFAULT_TOKEN}"
        seeded = SEEDED[(TENANT_ID, LOCKED_ID)]
        assert seeded["sys_locked"] is True
        url = course_url(base_url, record_id=LOCKED_ID)
        assert_error_object(http.put(url, json=seeded | {"name": "changed"}), 409, "locked")
        unlock = seeded | {"sys_locked": False, "name": "changed again"}
        assert_error_object(http.put(url, json=unlock), 409, "locked")
    store = Store(db)
    try:
        with store.transaction():
            assert store.course(TENANT_ID, LOCKED_ID) == seeded
    finally:
        store.close()


def test_course_put_answers_409_with_current_version_when_stale(
    reference_url: str, http: requests.Session
) -> None:
    """A body written against an older (or unknown) version is refused with 409."""
    assert http.put(course_url(reference_url), json=body_for(name="v2")).status_code == 200
    for stale in (1, 7):
        response = http.put(
            course_url(reference_url), json=body_for(name="lost", sys_version=stale)
        )
        assert assert_error_object(response, 409, "version_conflict")["current_sys_version"] == 2
    fresh = http.put(course_url(reference_url), json=body_for(sys_version=2))
    assert fresh.status_code == 200
    assert fresh.json()["sys_version"] == 3
    assert fresh.json()["name"] == body_for()["name"]


@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE", "OPTIONS", "HEAD"])
def test_course_path_answers_405_when_method_not_put_or_get(
    shared_reference_url: str, http: requests.Session, method: str
) -> None:
    """Every method but PUT and GET (the read-back, tests/reference/test_reads.py) is 405 with
    Allow: GET, PUT."""
    response = http.request(method, course_url(shared_reference_url))
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, PUT"
