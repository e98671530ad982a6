"""Derive the course registration contracts from contracts/docs/course-registrations-update.txt.

`regconform derive` writes them; `regconform derive --check` (and tests/test_derive.py) proves
the committed files are exactly what the document yields, so nobody edits them by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from regconform.catalogue.contracts import COURSE_DOC, COURSE_OPENAPI, COURSE_SCHEMA
from regconform.catalogue.derive.emit import json_schema, openapi, render
from regconform.catalogue.derive.parse import parse_document
from regconform.errors import ConfigError

__all__ = ["check_drift", "derive_course_contracts", "write_course_contracts"]


def derive_course_contracts(doc_text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The OpenAPI document and the JSON Schema document for the course document's text."""
    document = parse_document(doc_text)
    return openapi(document), json_schema(document)


def _rendered(contracts_root: Path) -> dict[str, str]:
    source = contracts_root / COURSE_DOC
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {source}: {exc.strerror or exc}") from None
    try:
        course_openapi, course_schema = derive_course_contracts(text)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    return {COURSE_OPENAPI: render(course_openapi), COURSE_SCHEMA: render(course_schema)}


def write_course_contracts(contracts_root: Path) -> list[Path]:
    """(Re)write both derived files under `contracts_root`; the paths written."""
    written = []
    for name, text in _rendered(contracts_root).items():
        target = contracts_root / name
        try:
            target.write_text(text, encoding="utf-8", newline="\n")
        except OSError as exc:
            raise ConfigError(f"cannot write {target}: {exc.strerror or exc}") from None
        written.append(target)
    return written


def check_drift(contracts_root: Path) -> list[str]:
    """The names of derived files that are missing or differ from what derive produces."""
    drifted = []
    for name, text in _rendered(contracts_root).items():
        try:
            committed = (contracts_root / name).read_bytes()
        except FileNotFoundError:
            committed = b""
        if committed != text.encode("utf-8"):
            drifted.append(name)
    return drifted
