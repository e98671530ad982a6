"""Self-tests of the contracts as documents: valid OpenAPI 3.1, usable by schemathesis, loadable."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, Phase, find, settings
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from schemathesis.generation.case import Case

from regconform.catalogue.contracts import (
    COURSE_OPENAPI,
    COURSE_PATH,
    COURSE_REQUEST_SCHEMA,
    COURSE_SCHEMA,
    DEFAULT_CONTRACTS_DIR,
    EVENT_TRACK_OPENAPI,
    EVENT_TRACK_PATH,
    EVENT_TRACK_REQUEST_SCHEMA,
    REQUIREMENTS,
    load_contracts,
)
from regconform.errors import ConfigError

# (file, path, component name of the request body)
OPENAPI_DOCUMENTS = [
    (COURSE_OPENAPI, COURSE_PATH, COURSE_REQUEST_SCHEMA),
    (EVENT_TRACK_OPENAPI, EVENT_TRACK_PATH, EVENT_TRACK_REQUEST_SCHEMA),
]
DOCUMENT_IDS = ["course", "event-track"]
# One example is enough to prove the operation loads and generates; keep it fast and stateless.
# The first case drawn, as drawn: `find` would otherwise shrink it to the smallest (seconds of
# redrawing a 70-field body), and a drawn case is what the suites send.
ONE_CASE = settings(
    database=None,
    max_examples=10,
    derandomize=True,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEFAULT_CONTRACTS_DIR / name).read_text("utf-8"))
    return loaded


@pytest.mark.parametrize(("name", "path", "request_schema"), OPENAPI_DOCUMENTS, ids=DOCUMENT_IDS)
def test_openapi_document_passes_spec_validator_when_read_as_3_1(
    name: str, path: str, request_schema: str
) -> None:
    """Each OpenAPI document is a valid OpenAPI 3.1 document with its one PUT operation."""
    document = _load(name)
    validate(document, cls=OpenAPIV31SpecValidator)
    assert document["openapi"] == "3.1.0"
    assert list(document["paths"]) == [path]
    assert list(document["paths"][path]) == ["put"]


def test_openapi_spec_validator_rejects_document_when_path_parameter_is_optional() -> None:
    """The validity check can fail: a path parameter marked optional is refused."""
    document = copy.deepcopy(_load(COURSE_OPENAPI))
    document["paths"][COURSE_PATH]["put"]["parameters"][0]["required"] = False
    with pytest.raises(Exception, match="required"):
        validate(document, cls=OpenAPIV31SpecValidator)


@pytest.mark.parametrize(("name", "path", "request_schema"), OPENAPI_DOCUMENTS, ids=DOCUMENT_IDS)
def test_schemathesis_draws_valid_case_when_loading_openapi_document(
    name: str, path: str, request_schema: str
) -> None:
    """schemathesis loads each document and draws a positive case that fits the contract."""
    schema = schemathesis.openapi.from_path(DEFAULT_CONTRACTS_DIR / name)
    operation = schema[path]["PUT"]
    case: Case = find(operation.as_strategy(), lambda _: True, settings=ONE_CASE)
    assert set(case.path_parameters or {}) == {
        parameter["name"]
        for parameter in operation.definition.raw["parameters"]
        if parameter["in"] == "path"
    }
    body_schema = _load(name)["components"]["schemas"][request_schema]
    validator = Draft202012Validator(
        body_schema, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    assert list(validator.iter_errors(case.body)) == []


def test_load_contracts_returns_all_documents_when_contracts_are_committed() -> None:
    """load_contracts() reads every contract, with the sha256 of each file."""
    contracts = load_contracts()
    assert COURSE_PATH in contracts.course_openapi["paths"]
    assert EVENT_TRACK_PATH in contracts.event_track_openapi["paths"]
    assert COURSE_REQUEST_SCHEMA in contracts.course_schema["$defs"]
    for name, digest in contracts.hashes.items():
        assert hashlib.sha256((contracts.root / name).read_bytes()).hexdigest() == digest


@pytest.mark.parametrize(
    ("status", "schema"),
    [
        ("200", None),
        ("207", "#/components/schemas/RegistrationStatusUpdateResponseDto"),
        ("400", "#/components/schemas/ErrorList"),
        ("401", "#/components/schemas/Error"),
        ("403", "#/components/schemas/ErrorList"),
        ("404", "#/components/schemas/ErrorList"),
        ("500", "#/components/schemas/ErrorList"),
    ],
)
def test_event_track_contract_declares_documented_body_when_status_is_listed(
    status: str, schema: str | None
) -> None:
    """Each listed status has the body the vendor documents (none for 200)."""
    responses = _load(EVENT_TRACK_OPENAPI)["paths"][EVENT_TRACK_PATH]["put"]["responses"]
    assert set(responses) == {"200", "207", "400", "401", "403", "404", "500"}
    content = responses[status].get("content")
    if schema is None:
        assert content is None
    else:
        assert content == {"application/json": {"schema": {"$ref": schema}}}


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        (
            {
                "registration_ids": ["4460bdcd-1a8a-434a-a7bf-c72a500743b2"],
                "registration_status": "CANCELED",
            },
            True,
        ),
        ({"registration_ids": [], "registration_status": "CANCELED"}, False),
        ({"registration_ids": ["gqz1gb"], "registration_status": "CANCELED"}, False),
        (
            {
                "registration_ids": ["4460bdcd-1a8a-434a-a7bf-c72a500743b2"],
                "registration_status": "DONE",
            },
            False,
        ),
        ({"registration_ids": ["4460bdcd-1a8a-434a-a7bf-c72a500743b2"]}, False),
    ],
    ids=["documented-example", "empty-ids", "non-uuid-id", "unknown-status", "no-status"],
)
def test_event_track_request_schema_judges_body_when_validated(
    body: dict[str, Any], valid: bool
) -> None:
    """The request schema accepts the documented example and refuses the catalogued deviations."""
    schema = _load(EVENT_TRACK_OPENAPI)["components"]["schemas"][EVENT_TRACK_REQUEST_SCHEMA]
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert validator.is_valid(body) is valid


def test_load_contracts_raises_one_line_error_when_track_contract_is_missing(
    tmp_path: Path,
) -> None:
    """load_contracts() on a folder without the track contract fails with a one-line ConfigError."""
    for name in (COURSE_OPENAPI, COURSE_SCHEMA, REQUIREMENTS):
        (tmp_path / name).write_bytes((DEFAULT_CONTRACTS_DIR / name).read_bytes())
    with pytest.raises(ConfigError, match=EVENT_TRACK_OPENAPI) as caught:
        load_contracts(tmp_path)
    assert "\n" not in str(caught.value)
