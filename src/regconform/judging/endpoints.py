"""What an endpoint's answers are judged against: its response schema (formats checked) and
its documented statuses. Built from the contracts, shared by the suites and `revalidate`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.protocols import Validator

from regconform.catalogue.contracts import (
    COURSE_RESPONSE_SCHEMA,
    EVENT_TRACK_RESPONSE_SCHEMA,
    Contracts,
)

# 415 is not in either document, but RFC 9110 gives it for exactly the wrong-content-type case.
CONTENT_TYPE_STATUS = 415
# The vendor documents 429 API-wide (throttled / quota_exceeded) though not for this operation.
API_WIDE_STATUSES = frozenset({429})


@dataclass(frozen=True)
class Endpoint:
    validator: Validator  # of the endpoint's success body (200 record / 207 multi-status)
    documented: frozenset[int]


def documented_statuses(openapi: dict[str, Any]) -> frozenset[int]:
    operation = next(iter(openapi["paths"].values()))["put"]
    return frozenset(int(code) for code in operation["responses"] if code.isdigit())


def schema_validator(contracts: Contracts, openapi: dict[str, Any], name: str) -> Validator:
    schema = contracts.component(openapi, name)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def course_endpoint(contracts: Contracts) -> Endpoint:
    openapi = contracts.course_openapi
    return Endpoint(
        schema_validator(contracts, openapi, COURSE_RESPONSE_SCHEMA),
        documented_statuses(openapi),
    )


def track_endpoint(contracts: Contracts) -> Endpoint:
    openapi = contracts.event_track_openapi
    return Endpoint(
        schema_validator(contracts, openapi, EVENT_TRACK_RESPONSE_SCHEMA),
        documented_statuses(openapi) | API_WIDE_STATUSES,
    )
