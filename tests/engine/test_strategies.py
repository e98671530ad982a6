"""The generated requests are what their tests claim: valid ones valid, invalid ones invalid."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, seed, settings
from jsonschema import Draft202012Validator

from regconform.catalogue.contracts import COURSE_REQUEST_SCHEMA, load_contracts
from regconform.catalogue.requirements import one_id
from regconform.reference.fixtures import course_record
from regconform.settings.profile import CourseSection
from regconform.strategies.course import (
    BodyViolation,
    CourseRequests,
    breaks_a_client_field,
    invalid_body_ids,
)

CONTRACTS = load_contracts()
COURSE = "course_registrations"
ID_MISMATCH_ID = one_id("request-id-matches-path", COURSE)
SCHEMA_ID = one_id("request-schema", COURSE)
SCHEMA = CONTRACTS.component(CONTRACTS.course_openapi, COURSE_REQUEST_SCHEMA)
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
REQUESTS = CourseRequests(CONTRACTS, CourseSection("acme", ("cr-1", "cr-2")))
QUIET = settings(
    max_examples=60, database=None, deadline=None, suppress_health_check=list(HealthCheck)
)


@seed(0)
@QUIET
@given(REQUESTS.valid_updates())
def test_valid_updates_satisfy_the_request_schema(update: tuple[str, dict[str, Any]]) -> None:
    """Every generated valid update is schema-valid, aimed at its record, without sys_locked."""
    record_id, body = update
    assert VALIDATOR.is_valid(body), list(VALIDATOR.iter_errors(body))[:1]
    assert body["id"] == record_id
    assert "sys_locked" not in body and "sys_version" not in body


CLIENT_LISTS = sorted(
    name
    for name, prop in SCHEMA["properties"].items()
    if prop.get("type") == "array" and not name.startswith("sys_")
)


@seed(0)
@QUIET
@given(REQUESTS.updates_with_lists(("cr-2",)))
def test_updates_with_lists_fill_every_client_list(update: tuple[str, dict[str, Any]]) -> None:
    """The first update of every course sequence: schema-valid, aimed at its record, and every
    client list field in it has an item (what a server storing no lists would lose)."""
    record_id, body = update
    assert VALIDATOR.is_valid(body), list(VALIDATOR.iter_errors(body))[:1]
    assert record_id == body["id"] == "cr-2"
    assert CLIENT_LISTS and all(body[name] for name in CLIENT_LISTS), body


@seed(0)
@QUIET
@given(REQUESTS.schema_violating_bodies())
def test_schema_violating_bodies_break_the_request_schema(body: Any) -> None:
    """Schemathesis's negative bodies really violate the schema (not only a header or path),
    and not only in the value of a server-managed field, which a server may ignore."""
    if isinstance(body, dict):
        errors = list(VALIDATOR.iter_errors(body))
        in_client_fields = [
            e
            for e in errors
            if not (e.absolute_path and str(e.absolute_path[0]).startswith("sys_"))
        ]
        assert in_client_fields


@seed(0)
@QUIET
@given(REQUESTS.valid_updates(), REQUESTS.one_violation_each())
def test_each_violation_breaks_the_request_schema(
    update: tuple[str, dict[str, Any]], violations: tuple[BodyViolation, ...]
) -> None:
    """One violation per invalid-body requirement, then one per typed field of an array item
    (and per array, an item that is no object), then one malformed server-managed value of
    each kind (which a server may ignore), each applied to the same valid body, makes it
    schema-invalid; the id mismatch (CR-015) is the one rule no schema states."""
    _, body = update
    refused = [v for v in violations if not v.ignorable]
    ignorable = violations[len(refused) :]  # after every refused one: one of each managed kind
    ids = list(invalid_body_ids())
    assert [v.requirement for v in refused[: len(ids)]] == ids
    assert {v.requirement for v in refused[len(ids) :]} == {SCHEMA_ID}
    assert len(ignorable) == 3 and all(v.ignorable for v in ignorable)
    assert {v.requirement for v in ignorable} == {SCHEMA_ID}
    assert any("date-time" in v.description for v in ignorable)
    assert sorted(v.kind for v in ignorable) == ["date-time", "item", "type"]
    assert all(v.slot for v in ignorable if v.kind == "item")
    for violation in violations:
        spoiled = violation.apply(body)
        assert VALIDATOR.is_valid(spoiled) == (violation.requirement == ID_MISMATCH_ID), violation


def _typed_item_fields() -> set[str]:
    """`field[].key` for every typed key of an array item in the request schema, and `field[]`,
    of the arrays a client fills (a server may ignore what is sent in its own sys_ arrays)."""
    properties = SCHEMA["properties"]
    found = set()
    for field, prop in properties.items():
        items = prop.get("items", {})
        if prop.get("type") == "array" and "properties" in items and not field.startswith("sys_"):
            found.add(f"{field}[]")
            found |= {f"{field}[].{k}" for k, p in items["properties"].items() if "type" in p}
    return found


@seed(0)
@QUIET
@given(REQUESTS.valid_updates(), REQUESTS.one_violation_each())
def test_every_typed_nested_field_gets_its_violation_in_each_draw(
    update: tuple[str, dict[str, Any]], violations: tuple[BodyViolation, ...]
) -> None:
    """Each draw spoils every typed field of an array item, at every depth the schema types,
    with a value of another JSON type (refused for CR-014), on the one generated body."""
    _, body = update
    nested = {v.slot: v for v in violations if v.slot and not v.ignorable}
    assert set(nested) == _typed_item_fields() and len(nested) >= 11
    for slot, violation in nested.items():
        field, _, key = slot.partition("[]")
        spoiled = violation.apply(body)[field]
        assert isinstance(spoiled, list) and spoiled
        if key:  # `field[].key`: its first item's key has the wrong type
            assert isinstance(spoiled[0], dict) and key[1:] in spoiled[0]
        else:  # `field[]`: an item that is no object
            assert not isinstance(spoiled[0], dict)


def test_a_fault_is_ignorable_exactly_when_it_is_in_a_server_managed_field() -> None:
    """Every violation of a sys_ field's value, top level or inside a sys_ array's items, may be
    ignored by the server (CR-014); every violation of a client field, and a required sys_
    field left out (the document calls it required), must be refused."""
    for violation in REQUESTS.violations:
        field = violation.slot or violation.description.split("`")[1]
        left_out = violation.description.startswith("without")
        managed_value = field.startswith("sys_") and not left_out
        assert violation.ignorable == managed_value, violation.description
    managed = {v.description.split("`")[1] for v in REQUESTS.violations if v.ignorable}
    assert {"sys_version", "sys_created_at", "sys_calculated_field_errors[].field"} <= managed


def test_a_negative_body_counts_only_when_it_breaks_more_than_managed_values() -> None:
    """A body wrong only in sys_ values is no refusal test (a server may ignore them); a wrong
    client field, or a required sys_ field left out, is."""
    refusable = breaks_a_client_field(VALIDATOR)
    valid = course_record("acme", "cr-1", 1)
    assert VALIDATOR.is_valid(valid) and not refusable(valid)
    assert not refusable({**valid, "sys_version": "one", "sys_created_at": "yesterday"})
    assert not refusable({**valid, "sys_calculated_field_errors": [{"field": 12345}]})
    assert refusable({**valid, "sys_version": "one", "notes": 7})
    assert refusable({k: v for k, v in valid.items() if k != "sys_created_at"})
    assert refusable([valid])
