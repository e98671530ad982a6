"""Build the course registration OpenAPI 3.1 and JSON Schema 2020-12 documents from a parse.

Mapping rules, each a direct reading of the document and nothing more:
- the document's type names are JSON Schema's (string, number, boolean, array, object);
- an array with dotted child fields gets `items` (an object of those fields); an array
  without children gets no `items`, because the document says nothing of its items;
- `format: date-time` exactly where the description says "ISO-8601";
- `enum` with the values in document order; descriptions verbatim, omitted when empty;
- `required` in document order; no `additionalProperties`, because the document is silent.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from regconform.catalogue.contracts import (
    COURSE_DOC,
    COURSE_REQUEST_SCHEMA,
    COURSE_RESPONSE_SCHEMA,
    COURSE_SCHEMA,
)
from regconform.catalogue.derive.parse import Document, Field, Section
from regconform.errors import ConfigError

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
OPERATION_ID = "updateCourseRegistration"
TITLE = "Course registrations"
# A name, not a location: nothing fetches it, it only identifies the document.
SCHEMA_ID = f"urn:regconform:contracts:{COURSE_SCHEMA}"
GENERATED_NOTE = f"Derived by `regconform derive` from contracts/{COURSE_DOC}; do not edit by hand."
ISO_8601 = "ISO-8601"


def render(document: dict[str, Any]) -> str:
    """The one serialisation of a derived document, so that drift is a byte comparison."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def field_schema(field: Field, section: Section) -> dict[str, Any]:
    """The JSON Schema of one field (and, for an array with children, of its items)."""
    schema: dict[str, Any] = {"type": field.type}
    if field.description:
        schema["description"] = field.description
    if ISO_8601 in field.description:
        schema["format"] = "date-time"
    if field.enum:
        schema["enum"] = list(field.enum)
    children = section.children(field.name)
    if children:
        schema["items"] = object_schema(children, section)
    return schema


def object_schema(
    fields: tuple[Field, ...], section: Section, description: str = ""
) -> dict[str, Any]:
    """An object whose properties are `fields`, each with its own children."""
    schema: dict[str, Any] = {"type": "object"}
    if description:
        schema["description"] = description
    schema["properties"] = {field.leaf: field_schema(field, section) for field in fields}
    required = [field.leaf for field in fields if field.required]
    if required:
        schema["required"] = required
    return schema


def body_schemas(document: Document) -> dict[str, dict[str, Any]]:
    """The request schema and the 200 response schema, keyed by their component names."""
    request = document.section("request")
    response = document.section("response", 200)
    operation = f"{document.method} {document.path}"
    return {
        COURSE_REQUEST_SCHEMA: object_schema(
            request.children(None), request, f"Request body of {operation}."
        ),
        COURSE_RESPONSE_SCHEMA: object_schema(
            response.children(None), response, f"Response body of {operation} (200)."
        ),
    }


def json_schema(document: Document) -> dict[str, Any]:
    """The JSON Schema 2020-12 document holding both body schemas under `$defs`."""
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": f"{TITLE} ({document.version})",
        "description": GENERATED_NOTE,
        "$defs": body_schemas(document),
    }


def _path_parameters(document: Document) -> list[dict[str, Any]]:
    parameters = []
    for field in document.section("path").fields:
        if f"{{{field.name}}}" not in document.path or not field.required:
            # OpenAPI requires every path parameter to be in the template and required.
            raise ConfigError(f"cannot derive: path parameter `{field.name}` does not fit")
        parameter: dict[str, Any] = {"name": field.name, "in": "path", "required": True}
        if field.description:
            parameter["description"] = field.description
        parameter["schema"] = {"type": field.type}
        parameters.append(parameter)
    return parameters


def _media(section: Section) -> str:
    if section.media_type is None:
        raise ConfigError(f"cannot derive: the {section.kind} section names no media type")
    return section.media_type


def _responses(document: Document) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for section in document.sections:
        if section.kind != "response" or section.status is None:
            continue
        phrase = HTTPStatus(section.status).phrase
        if section.status == 200:
            content = {"schema": {"$ref": f"#/components/schemas/{COURSE_RESPONSE_SCHEMA}"}}
            responses["200"] = {"description": phrase, "content": {_media(section): content}}
        elif section.fields:
            # Only the 200 body has a schema name; fields elsewhere would need a new contract.
            raise ConfigError(f"cannot derive: response {section.status} lists fields")
        else:
            note = "the source document lists no fields"
            responses[str(section.status)] = {"description": f"{phrase} ({note})"}
    return responses


def _operation(document: Document) -> dict[str, Any]:
    request = document.section("request")
    request_ref = {"$ref": f"#/components/schemas/{COURSE_REQUEST_SCHEMA}"}
    summary = document.summary.split(". ")[0].rstrip(".") + "."
    return {
        "operationId": OPERATION_ID,
        "summary": summary,
        "description": document.summary,
        "parameters": _path_parameters(document),
        "requestBody": {"required": True, "content": {_media(request): {"schema": request_ref}}},
        "responses": _responses(document),
        "security": [{document.security: []}],
    }


def openapi(document: Document) -> dict[str, Any]:
    """The OpenAPI 3.1.0 document for the one operation the course document describes."""
    if document.method != "PUT":
        raise ConfigError(f"cannot derive: expected a PUT operation, not {document.method}")
    scheme = {
        "type": "http",
        "scheme": "bearer",
        "description": (
            f"The document names the scheme `{document.security}` and nothing more; "
            "a bearer token in the Authorization header is our reading (INFERRED)."
        ),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": document.version,
            "description": f"{document.summary} {GENERATED_NOTE}",
        },
        "paths": {document.path: {"put": _operation(document)}},
        "components": {
            "schemas": body_schemas(document),
            "securitySchemes": {document.security: scheme},
        },
        "security": [{document.security: []}],
    }
