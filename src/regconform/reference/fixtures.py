"""The reference server's seed data, and the target profile that describes it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tomli_w

DEFAULT_TOKEN = "regconform-local-token"
TOKEN_ENV = "REGCONFORM_TOKEN"

TENANT_ID = "acme"
OTHER_TENANT_ID = "globex"
COURSE_IDS = ("cr-1", "cr-2", "cr-3", "cr-4")
LOCKED_ID = "cr-locked"
OTHER_TENANT_COURSE_ID = "cr-g1"

EVENT_ID = "07216444-4e3b-41ea-a3b8-5a418fce41f4"
TRACK_ID = "gqz1gb"
# The first two are the ids of the vendor's request example; the rest are ours.
TRACK_REGISTRATION_IDS = (
    "4460bdcd-1a8a-434a-a7bf-c72a500743b2",
    "2ed7e310-ab71-4e8f-8863-8784e7ee4183",
    "82088721-a34f-4557-80bf-3730781c0ebe",
    "326fe94e-f55b-4b93-a46f-385d06275e4d",
    "4191a525-0feb-425c-abc6-425fcb6cb98d",
    "fdfc6b5f-ab03-4358-b574-7dbfc7446680",
    "8fce3cea-1220-4e8e-8350-8d7e985b824f",
    "c21b0789-c811-498b-9c2c-03ae2da126c9",
)
INITIAL_TRACK_STATUS = "REGISTERED"
# The reads the reference server serves besides the two documented PUTs (read-back).
COURSE_READ_PATH = "/courseRegistrations/{tenantId}/{id}"
TRACK_READ_PATH = "/v3/events/{event_id}/registrations/{registration_id}"

_CREATED_AT = "2025-01-15T09:30:00Z"
_MODIFIED_AT = "2025-02-01T14:00:00Z"
_SEEDER_ID = "regconform-fixture-loader"


def course_record(
    tenant_id: str, record_id: str, number: int, *, locked: bool = False
) -> dict[str, Any]:
    """A complete, valid CourseRegistration as seeded (sys_version 1)."""
    return {
        "id": record_id,
        "course_id": f"course-{number}",
        "course_offering_id": f"offering-{number}",
        "name": f"Student {number} of {tenant_id}",
        "student_id": f"student-{number}",
        "email_address": f"student{number}@{tenant_id}.example",
        "status": "registered",
        "completion_percentage": 0,
        "substitutions": [],
        "sys_created_at": _CREATED_AT,
        "sys_created_by_id": _SEEDER_ID,
        "sys_last_modified_at": _MODIFIED_AT,
        "sys_last_modified_by_id": _SEEDER_ID,
        "sys_locked": locked,
        "sys_version": 1,
    }


def seed_courses() -> list[tuple[str, dict[str, Any]]]:
    """(tenant id, record) pairs of every seeded course registration."""
    ids = [*COURSE_IDS, LOCKED_ID]
    records = [
        (TENANT_ID, course_record(TENANT_ID, rid, n, locked=rid == LOCKED_ID))
        for n, rid in enumerate(ids, start=1)
    ]
    records.append((OTHER_TENANT_ID, course_record(OTHER_TENANT_ID, OTHER_TENANT_COURSE_ID, 1)))
    return records


def fixture_profile(base_url: str) -> dict[str, Any]:
    """The target profile (as TOML-ready data) of a reference server at `base_url`."""
    return {
        "base_url": base_url,
        "token_env": TOKEN_ENV,
        "course_registrations": {
            "tenant_id": TENANT_ID,
            "registration_ids": list(COURSE_IDS),
            "locked_registration_id": LOCKED_ID,
            "other_tenant_id": OTHER_TENANT_ID,
            "other_tenant_record_id": OTHER_TENANT_COURSE_ID,
            "read_path": COURSE_READ_PATH,
        },
        "event_track_registrations": {
            "event_id": EVENT_ID,
            "track_id": TRACK_ID,
            "registration_ids": list(TRACK_REGISTRATION_IDS),
            "read_path": TRACK_READ_PATH,
        },
    }


def write_profile(path: Path, base_url: str) -> Path:
    """Write the fixture profile of a server at `base_url` to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tomli_w.dumps(fixture_profile(base_url)), encoding="utf-8")
    return path
