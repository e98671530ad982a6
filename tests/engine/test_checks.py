"""Checks judge exchanges: each reports the right requirement id, and only when it should."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from regconform.catalogue.contracts import (
    COURSE_RESPONSE_SCHEMA,
    EVENT_TRACK_RESPONSE_SCHEMA,
    load_contracts,
)
from regconform.catalogue.requirements import load_catalogue
from regconform.judging.checks import REGISTRY, Check, common
from regconform.judging.checks import course as cr
from regconform.judging.checks import event_track as etr
from regconform.reference.fixtures import course_record
from regconform.target.exchange import Exchange, SentRequest


def exchange(
    status: int, body: Any = None, content_type: str = "application/json", **headers: str
) -> Exchange:
    raw = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    sent = SentRequest("PUT", "http://127.0.0.1:1/x", {"Authorization": "Bearer ***"}, b"{}")
    return Exchange(sent, status, {"content-type": content_type, **headers}, raw)


def ids(check: Check, ex: Exchange) -> list[str]:
    return [v.requirement for v in check.run(ex)]


def course_validator() -> Draft202012Validator:
    contracts = load_contracts()
    schema = contracts.component(contracts.course_openapi, COURSE_RESPONSE_SCHEMA)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def track_validator() -> Draft202012Validator:
    contracts = load_contracts()
    schema = contracts.component(contracts.event_track_openapi, EVENT_TRACK_RESPONSE_SCHEMA)
    return Draft202012Validator(schema)


def test_every_check_cites_catalogue_ids_only() -> None:
    """No check cites an id the catalogue does not have."""
    catalogue = load_catalogue()
    assert REGISTRY
    for check in REGISTRY.values():
        assert set(check.requirements) <= set(catalogue), check.name


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda r: r.pop("course_id"), ["CR-020"]),
        (lambda r: r.update(student_id=None), ["CR-024"]),
        (lambda r: r.update(name=7), ["CR-023"]),
        (lambda r: r.update(status="pending"), ["CR-031"]),
        (lambda r: r.update(order_status="lost"), ["CR-030"]),
        (lambda r: r.update(completion_percentage="10"), ["CR-033"]),
        (lambda r: r.update(sys_created_at="22/11/2026"), ["CR-034"]),
        (lambda r: r.update(sys_created_at="20250418T100000.000Z"), ["CR-047"]),
        (lambda r: r.update(sys_last_modified_at="2025-04-18T10:00:00"), ["CR-047"]),
        (lambda r: r.update(sys_created_at="2025-04-18T12:00:00.5+02:00"), []),
        (lambda r: r.update(substitutions=[{"notes": "x"}]), ["CR-029"]),
        (lambda r: None, []),
    ],
)
def test_course_schema_check_names_the_broken_requirement(change: Any, expected: list[str]) -> None:
    """One defect in a 200 body is reported under exactly its own requirement id."""
    record = course_record("acme", "cr-1", 1)
    change(record)
    found = ids(
        cr.course_response_matches_schema.bind(validator=course_validator()), exchange(200, record)
    )
    assert found == expected


def test_update_is_applied_compares_numbers_as_numbers() -> None:
    """1 and 1.0 are the same number; a changed string is not the same value."""
    check = cr.update_is_applied.bind(sent={"number": 1, "name": "Ann", "sys_version": 3})
    assert ids(check, exchange(200, {"number": 1.0, "name": "Ann", "sys_version": 9})) == []
    assert ids(check, exchange(200, {"number": 1, "name": "Bob"})) == ["CR-036"]
    assert ids(check, exchange(400, {"number": 1, "name": "Ann"})) == ["CR-036"]


def test_update_is_applied_allows_extra_keys_at_every_depth() -> None:
    """What was sent must come back; a key the server adds, at the top or inside an item of
    `substitutions`, is no difference. A sent key missing inside an item is."""
    sent = {"name": "Ann", "substitutions": [{"date": "2025-01-01", "notes": "n"}]}
    check = cr.update_is_applied.bind(sent=sent)
    added = {"date": "2025-01-01", "notes": "n", "substitution_id": "s-1"}
    assert ids(check, exchange(200, {"name": "Ann", "links": {}, "substitutions": [added]})) == []
    dropped = {"name": "Ann", "substitutions": [{"date": "2025-01-01"}]}
    assert ids(check, exchange(200, dropped)) == ["CR-036"]
    reordered = {"name": "Ann", "substitutions": [{"notes": "n", "date": "2025-01-01"}]}
    assert ids(check, exchange(200, reordered)) == []


def test_created_at_in_another_offset_is_the_same_moment() -> None:
    """CR-037 compares moments: the same instant written with another offset is unchanged."""
    before = {"sys_created_at": "2025-01-15T09:30:00Z", "sys_created_by_id": "u"}
    same = {"sys_created_at": "2025-01-15T11:30:00+02:00", "sys_created_by_id": "u"}
    later = {"sys_created_at": "2025-01-15T09:30:01Z", "sys_created_by_id": "u"}
    check = cr.created_fields_unchanged.bind(previous=before)
    assert ids(check, exchange(200, same)) == []
    assert ids(check, exchange(200, later)) == ["CR-037"]


def test_server_managed_field_checks_compare_with_the_previous_answer() -> None:
    """sys_created_at must not change; sys_version must grow; last-modified must not go back."""
    before = {
        "sys_created_at": "2025-01-01T00:00:00Z",
        "sys_created_by_id": "u",
        "sys_version": 2,
        "sys_last_modified_at": "2025-02-01T00:00:00Z",
    }
    after = {
        **before,
        "sys_created_at": "2026-01-01T00:00:00Z",
        "sys_version": 2,
        "sys_last_modified_at": "2025-01-15T00:00:00Z",
    }
    answer = exchange(200, after)
    assert ids(cr.created_fields_unchanged.bind(previous=before), answer) == ["CR-037"]
    assert ids(cr.version_increases.bind(previous=before), answer) == ["CR-038"]
    assert ids(cr.last_modified_not_earlier.bind(previous=before), answer) == ["CR-039", "CR-039"]
    assert ids(cr.version_increases.bind(previous=None), answer) == []


@pytest.mark.parametrize(
    ("status", "body", "known", "unknown", "expected"),
    [
        (200, None, ["a"], [], []),
        (207, {"failed_registration_ids": []}, ["a"], [], ["ETR-008", "ETR-012"]),
        (200, None, ["a"], ["u"], ["ETR-009"]),
        (207, {"failed_registration_ids": ["u"]}, ["a"], ["u"], []),
        (207, {"failed_registration_ids": []}, ["a"], ["u"], ["ETR-010", "ETR-012"]),
        (207, {"failed_registration_ids": ["u", "a"]}, ["a"], ["u"], ["ETR-011"]),
        (207, {"failed_registration_ids": "u"}, ["a"], ["u"], ["ETR-010", "ETR-012", "ETR-012"]),
        (207, {"failed_registration_ids": ["u"]}, [], ["u"], []),
        (400, [{"error_key": "k", "error_message": "m"}], [], ["u"], ["ETR-013"]),
    ],
)
def test_multi_status_checks_name_the_broken_rule(
    status: int, body: Any, known: list[str], unknown: list[str], expected: list[str]
) -> None:
    """Each 200/207 mistake is reported by the rule it breaks, and a correct answer by none."""
    answer = exchange(status, body)
    pointer = "/failed_registration_ids"
    checks = [
        etr.all_succeeded_is_200.bind(unknown=unknown),
        etr.partial_failure_is_207.bind(known=known, unknown=unknown),
        etr.failed_ids_all_listed.bind(unknown=unknown, pointer=pointer),
        etr.succeeded_ids_not_listed.bind(known=known, pointer=pointer),
        etr.multi_status_body_valid.bind(validator=track_validator(), pointer=pointer),
        etr.all_failed_is_207.bind(known=known, unknown=unknown, pointer=pointer),
    ]
    assert sorted(rid for check in checks for rid in ids(check, answer)) == sorted(expected)


def test_failed_ids_follow_a_configured_json_pointer() -> None:
    """A server that nests its failed ids elsewhere is read where the profile says."""
    answer = exchange(207, {"result": {"failed": ["u"]}})
    assert etr.failed_ids(answer, "/result/failed") == ["u"]
    assert etr.failed_ids(answer, "/failed_registration_ids") is None


@pytest.mark.parametrize(
    ("check", "ok_status", "bad_status", "rid"),
    [
        (common.missing_token_is_401, 401, 200, "GEN-001"),
        (common.wrong_token_is_401, 401, 403, "GEN-002"),
        (common.malformed_json_is_400, 400, 500, "GEN-004"),
        (common.invalid_request_not_5xx, 404, 503, "GEN-005"),
        (common.wrong_content_type_refused, 415, 200, "GEN-006"),
        (cr.unknown_record_refused, 404, 200, "CR-043"),
        (cr.unknown_record_refused, 403, 201, "CR-043"),
        (cr.unknown_tenant_refused, 403, 200, "CR-044"),
        (etr.unknown_event_refused, 403, 207, "ETR-014"),
        (etr.unknown_track_refused, 403, 200, "ETR-015"),
        (cr.locked_record_refused, 409, 200, "CR-040"),
    ],
)
def test_status_checks_pass_and_fail_on_status(
    check: Check, ok_status: int, bad_status: int, rid: str
) -> None:
    """A status check passes on the right status and names its requirement on a wrong one."""
    assert ids(check, exchange(ok_status, {})) == []
    assert ids(check, exchange(bad_status, {})) == [rid]


def test_unauthorized_without_challenge_is_reported() -> None:
    """A 401 without WWW-Authenticate breaks GEN-003; with one it does not."""
    assert ids(common.unauthorized_has_challenge, exchange(401, {})) == ["GEN-003"]
    challenged = exchange(401, {}, **{"www-authenticate": 'Bearer realm="x"'})
    assert ids(common.unauthorized_has_challenge, challenged) == []


def test_locked_refusal_rule_applies_only_to_a_refusal() -> None:
    """CR-041 (409 by our reading) judges a refusal; a 200 is CR-040's to blame, not CR-041's."""
    assert ids(cr.locked_refusal_is_409, exchange(409, {})) == []
    assert ids(cr.locked_refusal_is_409, exchange(403, {})) == ["CR-041"]
    outcome = cr.locked_refusal_is_409.outcome(exchange(200, {}))
    assert outcome.violations == () and "CR-041" in outcome.inapplicable
    assert ids(cr.locked_record_refused, exchange(200, {})) == ["CR-040"]


def test_refusal_message_says_what_was_wrong() -> None:
    """A 400 rule names the fault it expected refused (CR-015: the body id against the path's)."""
    why = "a body `id` 'x' other than the path id 'cr-1'"
    check = common.rejected_as_bad_request.bind(requirement="CR-015", why=why)
    (violation,) = check.run(exchange(200, {}))
    assert violation.requirement == "CR-015" and why in violation.message


def test_ignorable_fault_may_be_refused_or_applied() -> None:
    """A malformed server-managed date-time is refused (400) or ignored (200), never else."""
    check = common.rejected_as_bad_request.bind(requirement="CR-014", ignorable=True)
    assert ids(check, exchange(400, {})) == [] and ids(check, exchange(200, {})) == []
    assert "CR-014" in check.outcome(exchange(200, {})).inapplicable
    assert ids(check, exchange(409, {})) == ["CR-014"]
    assert ids(check.bind(ignorable=False), exchange(200, {})) == ["CR-014"]


def test_track_error_bodies_must_be_lists_of_error_objects() -> None:
    """ETR-017 wants a list of error objects on 404 (an empty one too, as the contract's
    ErrorList allows); ETR-018 a single object on 401."""
    error = {"error_key": "not_found", "error_message": "no such event"}
    assert ids(etr.track_error_body_is_list, exchange(404, [error])) == []
    assert ids(etr.track_error_body_is_list, exchange(404, [])) == []
    assert ids(etr.track_error_body_is_list, exchange(404, [{"error_key": 1}])) == ["ETR-017"]
    assert ids(etr.track_error_body_is_list, exchange(404, error)) == ["ETR-017"]
    assert ids(etr.track_unauthorized_body_is_object, exchange(401, error)) == []
    assert ids(etr.track_unauthorized_body_is_object, exchange(401, [error])) == ["ETR-018"]


def test_a_check_reporting_an_undeclared_id_is_a_bug() -> None:
    """A check may only report the ids it declared: traceability cannot silently rot."""
    rogue = Check("rogue", ("CR-001",), lambda ex: iter([common.Violation("CR-002", "x")]))
    with pytest.raises(RuntimeError, match="not declared"):
        list(rogue.run(exchange(200, {})))


def test_created_fields_compare_with_a_partial_baseline_only_where_stated() -> None:
    """A profile baseline stating only sys_created_by_id is compared on that field alone."""
    answer = exchange(
        200,
        {"sys_created_at": "2026-01-01T00:00:00Z", "sys_created_by_id": "bob", "sys_version": 2},
    )
    stated = {"sys_created_by_id": "seeder"}
    assert ids(cr.created_fields_unchanged.bind(previous=stated), answer) == ["CR-037"]
    assert (
        ids(cr.created_fields_unchanged.bind(previous={"sys_created_by_id": "bob"}), answer) == []
    )
    assert ids(cr.version_increases.bind(previous=stated), answer) == []


@pytest.mark.parametrize("listed", [[{"id": "u"}], [1, "u"], [["u"]], ["u", "other"]], ids=str)
def test_all_failed_rule_reports_an_odd_listing_as_a_violation(listed: list[Any]) -> None:
    """A 207 for a request of unknown ids only, listing objects, mixed types or other ids:
    ETR-013 is violated (never an exception in the check)."""
    check = etr.all_failed_is_207.bind(known=[], unknown=["u"], pointer="/failed")
    assert ids(check, exchange(207, {"failed": listed})) == ["ETR-013"]
    assert ids(check, exchange(207, {"failed": ["u"]})) == []
