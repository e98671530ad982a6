"""Self-tests of the requirement catalogue as data: it lints clean, and the linter has teeth."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from regconform.catalogue.contracts import DEFAULT_CONTRACTS_DIR, REQUIREMENTS
from regconform.catalogue.lint import lint_catalogue
from regconform.catalogue.requirements import load_catalogue

CATALOGUE = DEFAULT_CONTRACTS_DIR / REQUIREMENTS
Entries = list[dict[str, Any]]


@pytest.fixture(scope="module")
def entries() -> Entries:
    raw: dict[str, Any] = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    return list(raw["requirements"])


def _write_copy(tmp_path: Path, entries: Entries) -> Path:
    """A catalogue in tmp_path beside a copy of the real docs/ folder."""
    shutil.copytree(DEFAULT_CONTRACTS_DIR / "docs", tmp_path / "docs")
    path = tmp_path / REQUIREMENTS
    path.write_text(yaml.safe_dump({"requirements": entries}, sort_keys=False), encoding="utf-8")
    return path


def _first(entries: Entries, level: str) -> dict[str, Any]:
    return next(entry for entry in entries if entry["level"] == level)


def test_catalogue_lint_finds_no_problem_when_catalogue_is_committed() -> None:
    """The committed catalogue passes every lint rule, quotes included."""
    assert lint_catalogue(CATALOGUE) == []


def test_catalogue_loader_agrees_with_lint_when_catalogue_is_committed(entries: Entries) -> None:
    """The engine's loader reads the same ids, in the same order, as the raw YAML holds."""
    assert list(load_catalogue(CATALOGUE)) == [entry["id"] for entry in entries]


def _mangle_quote(entries: Entries) -> str:
    entry = _first(entries, "MUST")
    entry["quote"] = entry["quote"].replace("required", "requird")
    return f"{entry['id']}: quote not found verbatim"


def _duplicate_id(entries: Entries) -> str:
    entries.append(copy.deepcopy(entries[0]))
    return f"{entries[0]['id']}: duplicate id"


def _set(key: str, value: object, level: str = "MUST") -> Callable[[Entries], str]:
    def mangle(entries: Entries) -> str:
        entry = _first(entries, level)
        entry[key] = value
        return f"{entry['id'] if key != 'id' else value}: "

    return mangle


def _grade_rfc_must_as_should(entries: Entries) -> str:
    entry = next(e for e in entries if "MUST" in e["quote"] and e["kind"] == "server")
    entry["level"] = "SHOULD"
    return f"{entry['id']}: the quote says MUST"


def _drop_statement(entries: Entries) -> str:
    del entries[0]["statement"]
    return f"{entries[0]['id']}: keys must be exactly"


@pytest.mark.parametrize(
    ("mangle", "expected"),
    [
        (_mangle_quote, "quote not found verbatim"),
        (_duplicate_id, "duplicate id"),
        (_set("id", "CR-1"), "id does not match"),
        (_set("id", "XX-001"), "id does not match"),
        (_set("level", "MAY"), "level 'MAY' is not one of"),
        (_set("operation", "courses"), "operation 'courses' is not one of"),
        (_set("operation", "both"), "does not fit the prefix"),
        (_set("kind", "browser"), "kind 'browser' is not one of"),
        (_set("source", "missing.txt"), "source 'missing.txt' is not a file"),
        (_set("source", "../requirements.yaml"), "is not a file under"),
        (_set("quote", "we chose", level="INFERRED"), "must start with 'sources silent'"),
        (_set("statement", " "), "statement is empty"),
        (_drop_statement, "keys must be exactly"),
        (_set("subject", {"rule": "request-wished"}), "is not {rule: one of"),
        (_grade_rfc_must_as_should, "so the requirement is graded MUST"),
    ],
    ids=[
        "mangled-quote",
        "duplicate-id",
        "short-id",
        "unknown-prefix",
        "unknown-level",
        "unknown-operation",
        "operation-against-prefix",
        "unknown-kind",
        "missing-source",
        "source-outside-docs",
        "inferred-without-reason",
        "empty-statement",
        "missing-key",
        "unknown-subject-rule",
        "rfc-must-graded-should",
    ],
)
def test_catalogue_lint_reports_problem_when_copy_is_mangled(
    tmp_path: Path, entries: Entries, mangle: Callable[[Entries], str], expected: str
) -> None:
    """Each kind of damage to a copy of the catalogue is reported, naming the requirement."""
    damaged = copy.deepcopy(entries)
    prefix = mangle(damaged)
    problems = lint_catalogue(_write_copy(tmp_path, damaged))
    assert any(problem.startswith(prefix) and expected in problem for problem in problems), problems


def test_catalogue_lint_reports_every_problem_when_copy_has_several(
    tmp_path: Path, entries: Entries
) -> None:
    """A mangled quote and a duplicate id in one copy are both reported, not just the first."""
    damaged = copy.deepcopy(entries)
    expected = [_mangle_quote(damaged), _duplicate_id(damaged)]
    problems = lint_catalogue(_write_copy(tmp_path, damaged))
    for fragment in expected:
        assert any(problem.startswith(fragment) for problem in problems), problems
