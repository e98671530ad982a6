"""Self-tests of `regconform derive`: the course contracts come from the document, byte for byte."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from regconform.catalogue.contracts import (
    COURSE_DOC,
    COURSE_OPENAPI,
    COURSE_REQUEST_SCHEMA,
    COURSE_RESPONSE_SCHEMA,
    COURSE_SCHEMA,
    DEFAULT_CONTRACTS_DIR,
)
from regconform.catalogue.derive import check_drift, derive_course_contracts
from regconform.catalogue.derive.parse import parse_document
from regconform.errors import ConfigError
from regconform.run.cli import main

DOC_TEXT = (DEFAULT_CONTRACTS_DIR / COURSE_DOC).read_text(encoding="utf-8")
BODY_SCHEMAS = (COURSE_REQUEST_SCHEMA, COURSE_RESPONSE_SCHEMA)
REQUIRED = [
    "course_id",
    "course_offering_id",
    "id",
    "name",
    "student_id",
    "sys_created_at",
    "sys_created_by_id",
    "sys_last_modified_at",
    "sys_last_modified_by_id",
]
ENUMS = {
    "order_status": [
        "awaiting payment",
        "awaiting pickup",
        "awaiting shipping",
        "cancelled",
        "completed",
        "disputed",
        "open",
        "partially shipped",
        "returned",
        "shipped",
        "void",
    ],
    "status": [
        "attended",
        "cancelled",
        "completed",
        "draft",
        "in progress",
        "no show",
        "registered",
    ],
    "training_provider_billing_status": [
        "billed",
        "billing hold",
        "exempt from billing",
        "not yet billed",
    ],
}
VALID_BODY: dict[str, Any] = {
    "course_id": "course-1",
    "course_offering_id": "offering-1",
    "id": "registration-1",
    "name": "Ada Lovelace",
    "student_id": "student-1",
    "sys_created_at": "2026-11-22T09:30:00Z",
    "sys_created_by_id": "user-1",
    "sys_last_modified_at": "2026-11-23T10:00:00+01:00",
    "sys_last_modified_by_id": "user-2",
    "status": "registered",
    "completion_percentage": 10,
    "substitutions": [{"date": "2026-11-24", "notes": "swapped seats"}],
}
DELETE = object()


@pytest.fixture(scope="module")
def course_schema() -> dict[str, Any]:
    return derive_course_contracts(DOC_TEXT)[1]


@pytest.fixture
def contracts_copy(tmp_path: Path) -> Path:
    root = tmp_path / "contracts"
    shutil.copytree(DEFAULT_CONTRACTS_DIR, root)
    return root


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    # The default contracts folder must be the repository's, whatever the shell exported.
    monkeypatch.delenv("REGCONFORM_CONTRACTS", raising=False)
    return CliRunner()


def _walk(schema: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property schema, nested array items included, as (dotted name, schema)."""
    for name, prop in schema.get("properties", {}).items():
        yield prefix + name, prop
        if "items" in prop:
            yield from _walk(prop["items"], f"{prefix}{name}.")


def test_derive_check_drift_finds_nothing_when_committed_files_are_current() -> None:
    """The committed contract files are exactly what derive produces."""
    assert check_drift(DEFAULT_CONTRACTS_DIR) == []


def test_derive_command_exits_zero_when_committed_files_are_current(runner: CliRunner) -> None:
    """`regconform derive --check` accepts the committed files."""
    result = runner.invoke(main, ["derive", "--check"])
    assert result.exit_code == 0, result.output
    assert result.output == ""


def test_derive_command_reports_drift_when_one_field_line_changes(
    runner: CliRunner, contracts_copy: Path
) -> None:
    """Changing one field's type in the document makes --check fail and name the files."""
    doc = contracts_copy / COURSE_DOC
    text = doc.read_text(encoding="utf-8")
    assert text.count("(number) The completion amount") == 2
    doc.write_text(text.replace("(number) The completion amount", "(string) The completion amount"))
    result = runner.invoke(main, ["derive", "--check", "--contracts", str(contracts_copy)])
    assert result.exit_code == 1
    assert check_drift(contracts_copy) == [COURSE_OPENAPI, COURSE_SCHEMA]
    lines = result.output.splitlines()
    assert len(lines) == 2
    assert COURSE_OPENAPI in lines[0] and COURSE_SCHEMA in lines[1]


def test_derive_command_rewrites_files_when_run_without_check(
    runner: CliRunner, contracts_copy: Path
) -> None:
    """Without --check the command restores deleted files, and --check then passes."""
    (contracts_copy / COURSE_OPENAPI).unlink()
    (contracts_copy / COURSE_SCHEMA).write_text("{}\n")
    assert check_drift(contracts_copy) == [COURSE_OPENAPI, COURSE_SCHEMA]
    written = runner.invoke(main, ["derive", "--contracts", str(contracts_copy)])
    assert written.exit_code == 0, written.output
    for name in (COURSE_OPENAPI, COURSE_SCHEMA):
        committed = (DEFAULT_CONTRACTS_DIR / name).read_bytes()
        assert (contracts_copy / name).read_bytes() == committed


def test_derive_command_exits_four_with_one_line_when_document_is_garbled(
    runner: CliRunner, contracts_copy: Path
) -> None:
    """A document derive cannot read is a one-line usage error with exit code 4."""
    (contracts_copy / COURSE_DOC).write_text("# not the format at all\n")
    result = runner.invoke(main, ["derive", "--check", "--contracts", str(contracts_copy)])
    assert result.exit_code == 4
    assert len(result.stderr.strip().splitlines()) == 1
    assert "cannot parse document" in result.stderr


@pytest.mark.parametrize("name", BODY_SCHEMAS)
def test_derived_schema_has_documented_top_level_shape_when_derived(
    course_schema: dict[str, Any], name: str
) -> None:
    """Each body schema has the 70 top-level fields and exactly the 9 required, in order."""
    body = course_schema["$defs"][name]
    assert len(body["properties"]) == 70
    assert body["required"] == REQUIRED
    assert "additionalProperties" not in body


@pytest.mark.parametrize("name", BODY_SCHEMAS)
def test_derived_schema_counts_81_fields_when_nested_items_are_included(
    course_schema: dict[str, Any], name: str
) -> None:
    """Counting array item properties too, each body has the document's 81 field lines."""
    names = [dotted for dotted, _ in _walk(course_schema["$defs"][name])]
    assert len(names) == 81
    nested = [dotted for dotted in names if "." in dotted]
    assert {dotted.split(".")[0] for dotted in nested} == {
        "custom_field_values",
        "substitutions",
        "sys_calculated_field_errors",
    }
    assert len(nested) == 11


@pytest.mark.parametrize("name", BODY_SCHEMAS)
def test_derived_schema_keeps_enums_in_document_order_when_derived(
    course_schema: dict[str, Any], name: str
) -> None:
    """The three enums hold exactly the documented values in document order."""
    found = {
        dotted: prop["enum"]
        for dotted, prop in _walk(course_schema["$defs"][name])
        if "enum" in prop
    }
    assert found == ENUMS
    assert [list(values) for values in found.values()] == list(ENUMS.values())


@pytest.mark.parametrize("name", BODY_SCHEMAS)
def test_derived_schema_marks_date_time_only_when_description_says_iso_8601(
    course_schema: dict[str, Any], name: str
) -> None:
    """Only the two ISO-8601 fields carry format date-time."""
    formats = {
        dotted: prop["format"]
        for dotted, prop in _walk(course_schema["$defs"][name])
        if "format" in prop
    }
    assert formats == {"sys_created_at": "date-time", "sys_last_modified_at": "date-time"}


@pytest.mark.parametrize("name", BODY_SCHEMAS)
def test_derived_schema_constrains_array_items_only_when_children_are_listed(
    course_schema: dict[str, Any], name: str
) -> None:
    """`substitutions` items require `date`; arrays without listed children get no `items`."""
    properties = course_schema["$defs"][name]["properties"]
    assert properties["substitutions"]["items"]["required"] == ["date"]
    assert "required" not in properties["sys_calculated_field_errors"]["items"]
    assert "items" not in properties["exam_offering_ids"]
    assert "items" not in properties["custom_field_values"]["items"]["properties"]["list_value"]


def test_derived_schema_keeps_descriptions_verbatim_when_they_hold_punctuation(
    course_schema: dict[str, Any],
) -> None:
    """Apostrophes, commas and semicolons survive; an empty description is omitted."""
    properties = course_schema["$defs"][COURSE_REQUEST_SCHEMA]["properties"]
    assert properties["email_address"]["description"] == "The member's email address"
    assert properties["sys_snapshot_base_version"]["description"] == (
        "The version to use as a base when creating a configuration snapshot; "
        "if not set, 1 is used. Helpful when creating a sandbox"
    )
    assert properties["training_provider_billing_status"]["description"] == (
        "The training provider billing status for this registration"
    )
    assert properties["cancellation_date"] == {"type": "string"}


def _validator(course_schema: dict[str, Any]) -> Draft202012Validator:
    body = course_schema["$defs"][COURSE_REQUEST_SCHEMA]
    return Draft202012Validator(body, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_derived_request_schema_accepts_body_when_it_follows_the_document(
    course_schema: dict[str, Any],
) -> None:
    """A body that follows the document validates."""
    assert list(_validator(course_schema).iter_errors(VALID_BODY)) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("student_id", DELETE),
        ("status", "pending"),
        ("completion_percentage", "10"),
        ("sys_created_at", "22/11/2026"),
        ("substitutions", [{"notes": "no date"}]),
    ],
    ids=[
        "no-student_id",
        "status-outside-enum",
        "number-as-string",
        "date-not-iso",
        "item-no-date",
    ],
)
def test_derived_request_schema_rejects_body_when_one_field_breaks_it(
    course_schema: dict[str, Any], field: str, value: object
) -> None:
    """Each single deviation from the document makes a valid body invalid."""
    body = {key: item for key, item in VALID_BODY.items() if key != field}
    if value is not DELETE:
        body[field] = value
    assert not _validator(course_schema).is_valid(body)


def _garble(old: str, new: str) -> str:
    assert old in DOC_TEXT
    return DOC_TEXT.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected '# <summary> Endpoint"),
        (_garble(" Version: v1-2025-04-18", ""), "expected '# <summary> Endpoint"),
        (_garble("## Request fields (application/json):", "## Request felds:"), "unknown section"),
        (_garble("`city` (string)", "`city` (strin)"), "unknown type 'strin'"),
        (_garble("`city` (string)", "city (string)"), "without backticks"),
        (_garble("`city` (string)", "`city` string"), "unrecognised field entry"),
        (_garble('Enum: "billed",', "Enum: billed,"), "malformed Enum"),
        (_garble("`substitutions` (array)", "`substitution` (array)"), "without a preceding array"),
        (_garble("`notes` (string)", "`city` (string)"), "duplicate field"),
        (DOC_TEXT + " ## Response 500 fields", "duplicate section"),
    ],
    ids=[
        "empty",
        "no-version",
        "unknown-section",
        "unknown-type",
        "no-backticks",
        "no-parentheses",
        "bad-enum",
        "orphan-child",
        "duplicate-field",
        "duplicate-section",
    ],
)
def test_parse_document_raises_one_line_config_error_when_text_is_garbled(
    text: str, message: str
) -> None:
    """Text outside the format is a one-line ConfigError that says what is wrong."""
    with pytest.raises(ConfigError, match=message) as caught:
        parse_document(text)
    assert "\n" not in str(caught.value)


def test_parse_document_reads_same_fields_when_entries_are_on_separate_lines() -> None:
    """The parser does not depend on the document being one line."""
    multiline = DOC_TEXT.replace(" ## ", "\n## ").replace(" - `", "\n- `")
    assert parse_document(multiline) == parse_document(DOC_TEXT)


def test_derive_course_contracts_yields_same_schemas_when_compared_with_openapi() -> None:
    """The OpenAPI components and the JSON Schema $defs hold the same two schemas."""
    course_openapi, course_schema = derive_course_contracts(DOC_TEXT)
    assert course_openapi["components"]["schemas"] == course_schema["$defs"]
    committed = json.loads((DEFAULT_CONTRACTS_DIR / COURSE_SCHEMA).read_text(encoding="utf-8"))
    assert committed == course_schema
