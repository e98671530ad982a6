"""Lint contracts/requirements.yaml as data: every problem found, not just the first.

`load_catalogue` (regconform.catalogue.requirements) stops at the first structural error
because the engine needs a usable catalogue; this linter reads the raw YAML and reports
everything a reviewer should fix, including the one thing the loader cannot know: whether
each quote really is in its source document.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import yaml

from regconform.catalogue.requirements import OPERATIONS, RULES, Level, Requirement

ID_PATTERN = re.compile(r"(CR|ETR|GEN)-\d{3}")
KINDS = ("server", "client")
OPTIONAL_KEYS = ("subject",)
KEYS = tuple(f.name for f in dataclasses.fields(Requirement) if f.name not in OPTIONAL_KEYS)
INFERRED_PREFIX = "sources silent"
# BCP 14 keywords (RFC 2119, RFC 8174: they bind only in capitals), strongest first, and the
# level a server requirement quoting a sentence that uses them must have: an RFC's MUST for
# every HTTP server is a MUST here (a target that deviates says so in its baseline), and a
# SHOULD is never promoted to a MUST.
KEYWORD_LEVELS = (
    (re.compile(r"\b(MUST|REQUIRED|SHALL)\b"), "MUST"),
    (re.compile(r"\b(SHOULD|RECOMMENDED)\b"), "SHOULD"),
    (re.compile(r"\b(MAY|OPTIONAL)\b"), None),  # a permission is no requirement at all
)
# Which operation an id prefix may claim: the prefix is the reader's first clue.
PREFIX_OPERATION = {
    "CR": "course_registrations",
    "ETR": "event_track_registrations",
    "GEN": "both",
}


def _entry_problems(entry: dict[str, Any], docs_dir: Path) -> list[str]:
    label = str(entry.get("id", "<no id>"))
    problems = []
    if not ID_PATTERN.fullmatch(label):
        problems.append(f"{label}: id does not match {ID_PATTERN.pattern}")
    elif entry.get("operation") != PREFIX_OPERATION[label.split("-")[0]]:
        problems.append(f"{label}: operation {entry.get('operation')!r} does not fit the prefix")
    if not set(KEYS) <= set(entry) <= {*KEYS, *OPTIONAL_KEYS}:
        problems.append(f"{label}: keys must be exactly {', '.join(KEYS)} (and maybe subject)")
    subject = entry.get("subject")
    if subject is not None and (
        not isinstance(subject, dict)
        or subject.get("rule") not in RULES
        or set(subject) - {"rule", "field"}
    ):
        problems.append(f"{label}: subject {subject!r} is not {{rule: one of {RULES}, field}}")
    if entry.get("level") not in Level.__members__:
        problems.append(
            f"{label}: level {entry.get('level')!r} is not one of {list(Level.__members__)}"
        )
    if entry.get("operation") not in OPERATIONS:
        problems.append(f"{label}: operation {entry.get('operation')!r} is not one of {OPERATIONS}")
    if entry.get("kind") not in KINDS:
        problems.append(f"{label}: kind {entry.get('kind')!r} is not one of {KINDS}")
    if not str(entry.get("statement", "")).strip():
        problems.append(f"{label}: statement is empty")
    problems.extend(_quote_problems(label, entry, docs_dir))
    problems.extend(_keyword_problems(label, entry))
    return problems


def _keyword_problems(label: str, entry: dict[str, Any]) -> list[str]:
    """A server requirement is graded as its quoted sentence's strongest BCP 14 keyword."""
    if entry.get("kind") != "server" or entry.get("level") == "INFERRED":
        return []
    quote = str(entry.get("quote", ""))
    for pattern, level in KEYWORD_LEVELS:
        found = pattern.search(quote)
        if found is None:
            continue
        if entry.get("level") != level:
            wanted = (
                f"graded {level}" if level else "no requirement (quote a rule, not a permission)"
            )
            return [f"{label}: the quote says {found[1]}, so the requirement is {wanted}"]
        return []
    return []


def _quote_problems(label: str, entry: dict[str, Any], docs_dir: Path) -> list[str]:
    source, quote = str(entry.get("source", "")), str(entry.get("quote", ""))
    path = docs_dir / source
    # A bare file name only: the source is cited as a document, never as a path elsewhere.
    if not source or Path(source).name != source or not path.is_file():
        return [f"{label}: source {source!r} is not a file under {docs_dir}"]
    if entry.get("level") == "INFERRED":
        if not quote.startswith(INFERRED_PREFIX):
            return [f"{label}: an INFERRED quote must start with {INFERRED_PREFIX!r}"]
        return []
    if not quote.strip() or quote not in path.read_text(encoding="utf-8"):
        return [f"{label}: quote not found verbatim in {source}: {quote[:60]!r}"]
    return []


def lint_catalogue(path: Path, docs_dir: Path | None = None) -> list[str]:
    """Every problem in the catalogue at `path` (docs default to `docs/` beside it)."""
    docs_dir = docs_dir or path.parent / "docs"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        return [f"{path}: cannot be read: {str(exc).splitlines()[0]}"]
    entries = raw.get("requirements") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        return [f"{path}: expected a top-level 'requirements' list"]
    problems: list[str] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problems.append(f"entry {index}: not a mapping")
            continue
        if entry.get("id") in seen:
            problems.append(f"{entry['id']}: duplicate id")
        seen.add(str(entry.get("id")))
        problems.extend(_entry_problems(entry, docs_dir))
    return problems
