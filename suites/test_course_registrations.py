"""Does the server's PUT /courseRegistrations/{tenantId}/{id} do what the document promises?"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regconform.catalogue.requirements import one_id
from regconform.harness.clients import CourseClient
from regconform.harness.controls import (
    APPLIED_UPDATE,
    applied,
    applied_checks,
    applied_update,
    applied_updates,
    course_documented,
    spread_writes,
)
from regconform.judging.checks import Check, common, ids
from regconform.judging.checks import course as cr
from regconform.judging.verdicts import Judged, Verdicts
from regconform.strategies.course import BodyViolation, invalid_body_ids
from regconform.target.concurrency import in_lanes, in_order
from regconform.target.exchange import Exchange

pytestmark = pytest.mark.suite("course_registrations")

VALID_UPDATE_IDS = ids(*APPLIED_UPDATE)
FORBIDDEN_UPDATE_IDS = ids(
    cr.stale_version_is_409,
    cr.locked_record_refused,
    cr.locked_refusal_is_409,
    cr.unknown_record_refused,
    cr.unknown_tenant_refused,
    cr.other_tenant_refused,
)
LOCKED_IDS = ids(cr.locked_record_refused, cr.locked_refusal_is_409)
OTHER_TENANT_IDS = ids(cr.other_tenant_refused)
REFUSED = ids(common.invalid_request_not_5xx)
# Requests an example of a one-request test sends together (run.plan divides its examples so):
# valid updates of distinct records, and schemathesis's negative bodies (refusals).
UPDATES_AT_ONCE = 2
NEGATIVE_AT_ONCE = 4
SCHEMA_REFUSAL = common.rejected_as_bad_request.bind(
    requirement=one_id("request-schema", "course_registrations")
)


@pytest.mark.requirement(*VALID_UPDATE_IDS)
@pytest.mark.per_example(UPDATES_AT_ONCE)
@given(data=st.data())
def test_valid_update_is_applied_and_returned(
    course: CourseClient, verdicts: Verdicts, data: st.DataObject
) -> None:
    """Generated valid updates come back applied, schema-valid, with managed fields kept: one
    of each of up to two records an example (distinct records, so --concurrency sends them at
    once and no two writes to one record are in flight together)."""
    records = data.draw(st.permutations(course.section.update_ids), label="records")
    updates = [
        data.draw(course.requests.valid_updates((record_id,)), label=f"update of {record_id}")
        for record_id in records[:UPDATES_AT_ONCE]
    ]
    verdicts.judge_each(applied_updates(course, updates))


@pytest.mark.requirement(
    *ids(SCHEMA_REFUSAL),
    *REFUSED,
    *ids(cr.course_status_documented),
)
@pytest.mark.per_example(NEGATIVE_AT_ONCE)
@given(data=st.data())
def test_schema_violating_body_is_refused(
    course: CourseClient, verdicts: Verdicts, data: st.DataObject
) -> None:
    """Schemathesis's negative bodies (each breaks the request schema) are refused with 400:
    four an example, sent together under --concurrency (a refusal writes nothing)."""
    drawn = [
        (
            data.draw(st.sampled_from(course.section.update_ids), label="record"),
            data.draw(course.requests.schema_violating_bodies(), label="negative body"),
        )
        for _ in range(NEGATIVE_AT_ONCE)
    ]
    refused = (SCHEMA_REFUSAL, common.invalid_request_not_5xx, course_documented(course))

    def send(record_id: str, body: Any) -> Exchange:
        raw = body if isinstance(body, bytes) else None
        return course.put(record_id, None if raw is not None else body, raw_body=raw)

    def judged() -> Iterator[Judged]:
        sends = [functools.partial(send, record_id, body) for record_id, body in drawn]
        answers = in_order(course.target.concurrency, sends)
        for (record_id, _), exchange in zip(drawn, answers, strict=True):
            course.remember(record_id, exchange)  # in order, as judged
            yield exchange, refused

    verdicts.judge_each(judged())


@pytest.mark.requirement(*FORBIDDEN_UPDATE_IDS, *REFUSED, *VALID_UPDATE_IDS)
@given(data=st.data())
@pytest.mark.examples(3)
def test_forbidden_updates_are_refused(
    course: CourseClient, verdicts: Verdicts, data: st.DataObject
) -> None:
    """A generated valid update is applied (the control); the same body is then refused with a
    stale sys_version (409), aimed at the locked record (4xx, 409 by our reading), at a made-up
    record or tenant (404/403), or at another tenant's record through our tenant's path
    (404/403)."""
    record_id, body = data.draw(course.requests.valid_updates(), label="update")
    allow = course.target.allow
    unknown_id = allow.synthetic_name("record", data.draw(st.binary(min_size=6, max_size=6)))
    unknown_tenant = allow.synthetic_name("tenant", data.draw(st.binary(min_size=6, max_size=6)))
    section = course.section
    if section.locked_registration_id is None:
        verdicts.leave_out(LOCKED_IDS, "the profile names no locked_registration_id")
    if section.other_tenant_record_id is None:  # the record the attempt is sent to
        verdicts.leave_out(OTHER_TENANT_IDS, "the profile names no other_tenant_record_id")
    verdicts.judge_each(
        forbidden_updates(course, verdicts, record_id, body, unknown_id, unknown_tenant)
    )


def forbidden_updates(
    course: CourseClient,
    verdicts: Verdicts,
    record_id: str,
    body: dict[str, Any],
    unknown_id: str,
    tenant: str,
) -> Iterator[Judged]:
    """The control, then each refusal; a part the profile cannot support is left out (its
    requirement then shows `skipped`), one the target's answer cannot support is not
    exercised (no sys_version to make stale)."""
    control, control_checks = applied_update(course, record_id, body)
    yield control, control_checks
    documented = course_documented(course)
    answer = control.json if control.status == 200 and control.is_json else None
    version = answer.get("sys_version") if isinstance(answer, dict) else None
    not_found = (common.invalid_request_not_5xx, documented)  # unknown targets: GEN-005
    # (record, tenant or None for ours, body, checks): each refusal depends on the control's
    # answer only, none on another's, so --concurrency sends them at once; each is judged in
    # this order (and the stale attempt's answer, the only one at our record, kept).
    attempts: list[tuple[str, str | None, dict[str, Any], tuple[Check, ...]]] = []
    if isinstance(version, int | float):
        stale = {**body, "sys_version": version - 1}
        attempts.append((record_id, None, stale, (cr.stale_version_is_409, documented)))
    else:
        why = f"the update's answer (HTTP {control.status}) carried no sys_version to make stale"
        verdicts.could_not_apply(ids(cr.stale_version_is_409), why)
    locked = course.section.locked_registration_id
    if locked is not None:
        refused = (cr.locked_record_refused, cr.locked_refusal_is_409, documented)
        attempts.append((locked, None, course.requests.for_record(locked, body), refused))
    missing = course.requests.for_record(unknown_id, body)
    attempts.append((unknown_id, None, missing, (cr.unknown_record_refused, *not_found)))
    attempts.append((record_id, tenant, body, (cr.unknown_tenant_refused, *not_found)))
    foreign = course.section.other_tenant_record_id  # another tenant's, never under ours
    if foreign is not None:
        owner = cr.other_tenant_refused.bind(owner=course.section.other_tenant_id)
        attempts.append(
            (foreign, None, course.requests.for_record(foreign, body), (owner, documented))
        )
    sends = [functools.partial(course.put, rid, sent, tenant=ten) for rid, ten, sent, _ in attempts]
    for (rid, ten, _, checks), exchange in zip(
        attempts, in_order(course.target.concurrency, sends), strict=True
    ):
        if rid == record_id and ten is None:
            course.remember(record_id, exchange)
        yield exchange, checks


# Last of the course tests, after the door test too (`last`): it sends the most requests an
# example (~30, up to 8 at once), so under --concurrency it runs when the other workers' tests,
# narrower, are ending and its requests fill the slots they leave (bench/timeline.py at 300 ms:
# ~1 s less than when it came second, ~0.3 s less than before the door test).
@pytest.mark.last
@pytest.mark.requirement(*invalid_body_ids(), *REFUSED, *VALID_UPDATE_IDS)
@given(data=st.data())
@pytest.mark.examples(8)
def test_each_single_violation_is_refused(
    course: CourseClient, verdicts: Verdicts, data: st.DataObject
) -> None:
    """A generated valid body is accepted (the control), and each copy of it spoiled by one
    violation, one per invalid-body requirement and sent on its own, is refused with 400, never
    5xx; a malformed value of a server-managed (sys_) field is refused, or ignored and the
    update applied. One body serves them all: generating it costs several loopback requests."""
    record_id, body = data.draw(course.requests.valid_updates(), label="update")
    violations = data.draw(course.requests.one_violation_each(), label="violations")
    refusals = [v for v in violations if not v.ignorable]
    # The control and the ignorable faults are writes (a server may apply a fault it ignores):
    # each goes to the next of the profile's update records in turn, and under --concurrency
    # waits for the writes before it to that record (in_lanes), so no two writes to one record
    # are ever in flight together (a server may answer that with 409) and each record's
    # versions arrive in judged order. The refusals write nothing: they go whenever a thread
    # is free, beside the writes.
    ignorable = [v for v in violations if v.ignorable]
    writes = spread_writes(course.section.update_ids, record_id, 1 + len(ignorable))

    def refused(
        violation: BodyViolation, target: str, spoiled: dict[str, Any], exchange: Exchange
    ) -> Judged:
        earlier = course.last_set.get(target)
        previous = course.remember(target, exchange, spoiled)  # in order, as judged
        refusal = common.rejected_as_bad_request.bind(
            requirement=violation.requirement,
            why=violation.why(target),
            ignorable=violation.ignorable,
        )
        checks: tuple[Check, ...] = (
            refusal,
            common.invalid_request_not_5xx,
            course_documented(course),
        )
        if violation.ignorable and exchange.status == 200:
            checks += applied_checks(course, spoiled, previous, earlier)[1:]  # documented: above
        return exchange, checks

    # (violation, None for the control; record; body; lane: the record a write goes to, None
    # for a refusal), in the order a sequential run sends them.
    planned = [
        (None, record_id, body, record_id),
        *((v, record_id, v.apply(body), None) for v in refusals),
    ]
    for violation, target in zip(ignorable, writes[1:], strict=True):
        aimed = course.requests.for_record(target, body)
        planned.append((violation, target, violation.apply(aimed), target))
    sends = [
        (lane, functools.partial(course.put, target, sent)) for _, target, sent, lane in planned
    ]

    def judged() -> Iterator[Judged]:
        answers = in_lanes(course.target.concurrency, sends)
        for (violation, target, sent, _), exchange in zip(planned, answers, strict=True):
            if violation is None:
                yield applied(course, target, sent, exchange)
            else:
                yield refused(violation, target, sent, exchange)

    verdicts.judge_each(judged())
