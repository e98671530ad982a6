"""Where the contracts live and how they are loaded (data in, dicts out)."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from regconform.catalogue.data import data_dir
from regconform.errors import ConfigError

# The checkout's contracts/ folder, or the wheel's copy of it (catalogue.data); either can be
# pointed elsewhere with REGCONFORM_CONTRACTS (the CLI's --contracts sets it too).
DEFAULT_CONTRACTS_DIR = data_dir("contracts")

COURSE_DOC = "docs/course-registrations-update.txt"
COURSE_OPENAPI = "course-registrations.openapi.json"
COURSE_SCHEMA = "course-registrations.schema.json"
EVENT_TRACK_OPENAPI = "event-track-registrations.openapi.yaml"
REQUIREMENTS = "requirements.yaml"

COURSE_PATH = "/courseRegistrations/{tenantId}/{id}"
EVENT_TRACK_PATH = "/v3/events/{event_id}/tracks/{track_id}/registrations"
COURSE_REQUEST_SCHEMA = "CourseRegistrationUpdateRequest"
COURSE_RESPONSE_SCHEMA = "CourseRegistration"
EVENT_TRACK_REQUEST_SCHEMA = "RegistrationStatusUpdateRequestDto"
EVENT_TRACK_RESPONSE_SCHEMA = "RegistrationStatusUpdateResponseDto"


def contracts_dir() -> Path:
    """The folder contracts are read from."""
    return Path(os.environ.get("REGCONFORM_CONTRACTS", DEFAULT_CONTRACTS_DIR))


def _read_structured(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read contract {path}: {exc.strerror or exc}") from None
    try:
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"invalid contract {path}: {first_line}") from None


@dataclass(frozen=True)
class Contracts:
    """Both OpenAPI documents, the course JSON Schema and their hashes, loaded once."""

    root: Path
    course_openapi: dict[str, Any]
    course_schema: dict[str, Any]
    event_track_openapi: dict[str, Any]
    hashes: dict[str, str] = field(default_factory=dict)

    def component(self, openapi: dict[str, Any], name: str) -> dict[str, Any]:
        """A schema from components/schemas, as a standalone 2020-12 schema."""
        schema = dict(openapi["components"]["schemas"][name])
        schema.setdefault("$schema", "https://json-schema.org/draft/2020-12/schema")
        schema["$defs"] = openapi["components"]["schemas"]
        return schema


def _require_openapi(doc: Any, path: Path) -> dict[str, Any]:
    if not isinstance(doc, dict) or not str(doc.get("openapi", "")).startswith("3.1"):
        raise ConfigError(f"invalid contract {path}: not an OpenAPI 3.1 document")
    if not isinstance(doc.get("paths"), dict) or not doc["paths"]:
        raise ConfigError(f"invalid contract {path}: it has no paths")
    return doc


@cache
def load_contracts(root: Path | None = None) -> Contracts:
    """Load and sanity-check the contracts under `root` (default: contracts_dir())."""
    root = root or contracts_dir()
    names = (COURSE_OPENAPI, COURSE_SCHEMA, EVENT_TRACK_OPENAPI, REQUIREMENTS)
    hashes = {}
    for name in names:
        try:
            hashes[name] = hashlib.sha256((root / name).read_bytes()).hexdigest()
        except OSError as exc:
            raise ConfigError(f"cannot read contract {root / name}: {exc.strerror}") from None
    course = _require_openapi(_read_structured(root / COURSE_OPENAPI), root / COURSE_OPENAPI)
    track_path = root / EVENT_TRACK_OPENAPI
    track = _require_openapi(_read_structured(track_path), track_path)
    schema = _read_structured(root / COURSE_SCHEMA)
    if not isinstance(schema, dict) or "$defs" not in schema:
        raise ConfigError(f"invalid contract {root / COURSE_SCHEMA}: no $defs")
    return Contracts(root, course, schema, track, hashes)


MANAGED_PREFIX = "sys_"  # the course fields the server manages itself (its bookkeeping)


def course_request_properties() -> dict[str, Any]:
    """The fields of a course registration update, as the contract documents them: name ->
    its schema."""
    contracts = load_contracts()
    properties: dict[str, Any] = contracts.course_openapi["components"]["schemas"][
        COURSE_REQUEST_SCHEMA
    ].get("properties", {})
    return properties
