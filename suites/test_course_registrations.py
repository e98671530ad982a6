"""Does the server's PUT /courseRegistrations/{tenantId}/{id} do what the document promises?"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regconform.checks import Check, common
from regconform.checks import course as cr
from regconform.clients import CourseClient
from regconform.strategies.course import INVALID_BODY_IDS
from regconform.verdicts import Verdicts

pytestmark = pytest.mark.suite("course_registrations")

RESPONSE_IDS = (*cr.SCHEMA_IDS, cr.JSON_ID)


def documented(course: CourseClient) -> Check:
    return cr.course_status_documented.bind(documented=course.documented)


@pytest.mark.requirement("CR-036", "CR-037", "CR-038", "CR-039", "CR-046", *RESPONSE_IDS)
@given(data=st.data())
def test_valid_update_is_applied_and_returned(
    course: CourseClient, verdicts: Verdicts, data: st.DataObject
) -> None:
    """A generated valid update comes back applied, schema-valid, with managed fields kept."""
    record_id, body = data.draw(course.requests.valid_updates(), label="update")
    exchange = course.put(record_id, body)
    previous = course.remember(record_id, exchange)
    verdicts.judge(
        exchange,
        documented(course),
        cr.update_is_applied.bind(sent=body),
        cr.course_response_is_json,
        cr.course_response_matches_schema.bind(validator=course.validator),
        cr.created_fields_unchanged.bind(previous=previous),
        cr.version_increases.bind(previous=previous),
        cr.last_modified_not_earlier.bind(previous=previous),
    )


@pytest.mark.parametrize(
    "requirement",
    [pytest.param(rid, marks=pytest.mark.requirement(rid, "GEN-005")) for rid in INVALID_BODY_IDS],
)
@given(data=st.data())
@pytest.mark.examples(8)
def test_invalid_update_is_refused(
    course: CourseClient, verdicts: Verdicts, requirement: str, data: st.DataObject
) -> None:
    """A valid body with exactly one violation of `requirement` is refused with 400, never 5xx."""
    record_id, body, _violation = data.draw(
        course.requests.invalid_updates(requirement), label="invalid"
    )
    exchange = course.put(record_id, body)
    course.remember(record_id, exchange)
    verdicts.judge(
        exchange,
        common.rejected_as_bad_request.bind(requirement=requirement),
        common.invalid_request_not_5xx,
        documented(course),
    )


@pytest.mark.requirement("CR-014", "GEN-005", "CR-046")
@given(data=st.data())
def test_schema_violating_body_is_refused(
    course: CourseClient, verdicts: Verdicts, data: st.DataObject
) -> None:
    """Schemathesis's negative bodies (each breaks the request schema) are refused with 400."""
    record_id = data.draw(st.sampled_from(course.section.registration_ids), label="record")
    body = data.draw(course.requests.schema_violating_bodies(), label="negative body")
    raw = body if isinstance(body, bytes) else None
    exchange = course.put(record_id, None if raw is not None else body, raw_body=raw)
    course.remember(record_id, exchange)
    verdicts.judge(
        exchange,
        common.rejected_as_bad_request.bind(requirement="CR-014"),
        common.invalid_request_not_5xx,
        documented(course),
    )


@pytest.mark.requirement("CR-040", "CR-041", "CR-046")
@given(data=st.data())
@pytest.mark.examples(3)
def test_locked_record_is_not_changed(
    course: CourseClient, verdicts: Verdicts, data: st.DataObject
) -> None:
    """A valid update of the locked record is refused (4xx; 409 by our reading)."""
    locked = course.section.locked_registration_id
    if locked is None:
        pytest.skip("the profile names no locked_registration_id")
    _, body = data.draw(course.requests.valid_updates(), label="update")
    exchange = course.put(locked, course.requests.for_record(locked, body))
    verdicts.judge(exchange, cr.locked_record_refused, cr.locked_refusal_is_409, documented(course))


@pytest.mark.requirement("CR-042", "CR-046")
@given(data=st.data())
@pytest.mark.examples(3)
def test_stale_version_conflicts(
    course: CourseClient, verdicts: Verdicts, data: st.DataObject
) -> None:
    """An update carrying an older sys_version than the record's is refused with 409."""
    record_id, body = data.draw(course.requests.valid_updates(), label="update")
    current = course.put(record_id, body)
    course.remember(record_id, current)
    version = current.json.get("sys_version") if current.status == 200 and current.is_json else None
    if not isinstance(version, (int, float)):
        pytest.skip(f"could not learn the record's sys_version (got {current.status})")
    exchange = course.put(record_id, {**body, "sys_version": version - 1})
    course.remember(record_id, exchange)
    verdicts.judge(exchange, cr.stale_version_is_409, documented(course))


@pytest.mark.requirement("CR-043", "CR-044", "GEN-005", "CR-046")
@given(data=st.data())
@pytest.mark.examples(3)
def test_unknown_record_and_tenant_are_not_found(
    course: CourseClient, verdicts: Verdicts, data: st.DataObject
) -> None:
    """A made-up record id (404) or tenant (404/403) is never created or updated."""
    _, body = data.draw(course.requests.valid_updates(), label="update")
    allow = course.target.allow
    unknown_id = allow.synthetic_name("record", data.draw(st.binary(min_size=6, max_size=6)))
    unknown_tenant = allow.synthetic_name("tenant", data.draw(st.binary(min_size=6, max_size=6)))
    missing = course.put(unknown_id, course.requests.for_record(unknown_id, body))
    verdicts.judge(
        missing, cr.unknown_record_is_404, common.invalid_request_not_5xx, documented(course)
    )
    record_id = course.section.registration_ids[0]
    stranger = course.put(
        record_id, course.requests.for_record(record_id, body), tenant=unknown_tenant
    )
    verdicts.judge(
        stranger, cr.unknown_tenant_refused, common.invalid_request_not_5xx, documented(course)
    )


@pytest.mark.requirement("CR-045", "CR-046")
@given(data=st.data())
@pytest.mark.examples(3)
def test_other_tenant_cannot_update_record(
    course: CourseClient, verdicts: Verdicts, data: st.DataObject
) -> None:
    """A record of the profile's tenant is not reachable through the other tenant's path."""
    other = course.section.other_tenant_id
    if other is None:
        pytest.skip("the profile names no other_tenant_id")
    record_id, body = data.draw(course.requests.valid_updates(), label="update")
    exchange = course.put(record_id, body, tenant=other)
    verdicts.judge(exchange, cr.other_tenant_refused, documented(course))
