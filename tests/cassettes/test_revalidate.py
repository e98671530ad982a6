"""`regconform revalidate`: recorded responses re-judged against edited contracts, offline."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cassette_runs import REPO, Recorded, course_200_bodies, regconform

from regconform.catalogue.contracts import COURSE_OPENAPI, COURSE_RESPONSE_SCHEMA

FINDING = re.compile(r"^(?P<cassette>\S+) #(?P<index>\d+) PUT \S+: (?P<requirement>[A-Z]+-\d+) ")

Bodies = dict[tuple[str, int], dict[str, Any]]
# An edit of the course response schema -> (the recorded answers it breaks, their requirement)
Edit = Callable[[dict[str, Any], Bodies], tuple[set[tuple[str, int]], str]]


def drop_an_enum_value(schema: dict[str, Any], bodies: Bodies) -> tuple[set[tuple[str, int]], str]:
    """Remove from the `status` enum a value some recorded answers carry (and some do not)."""
    seen = [body.get("status") for body in bodies.values()]
    value = next(v for v in schema["properties"]["status"]["enum"] if 0 < seen.count(v) < len(seen))
    schema["properties"]["status"]["enum"].remove(value)
    return {key for key, body in bodies.items() if body.get("status") == value}, "CR-031"


def require_an_optional_field(
    schema: dict[str, Any], bodies: Bodies
) -> tuple[set[tuple[str, int]], str]:
    """Make required a field that some recorded answers leave out (and some carry)."""
    optional = sorted(set(schema["properties"]) - set(schema["required"]))
    field = next(f for f in optional if 0 < sum(f in b for b in bodies.values()) < len(bodies))
    schema["required"].append(field)
    return {key for key, body in bodies.items() if field not in body}, "CR-033"


def edited_contracts(
    to: Path, edit: Edit, bodies: Bodies
) -> tuple[Path, set[tuple[str, int]], str]:
    folder = Path(shutil.copytree(REPO / "contracts", to / "contracts"))
    openapi = json.loads((folder / COURSE_OPENAPI).read_text())
    expected, requirement = edit(openapi["components"]["schemas"][COURSE_RESPONSE_SCHEMA], bodies)
    (folder / COURSE_OPENAPI).write_text(json.dumps(openapi, indent=2))
    return folder, expected, requirement


def test_revalidate_passes_unchanged_contracts(recorded: Recorded) -> None:
    """Against the contracts it was recorded with, every recorded response conforms."""
    done = regconform("revalidate", "--cassettes", recorded.folder)
    assert done.code == 0, done.explain()
    assert "recorded responses conform" in done.stdout


@pytest.mark.parametrize("edit", [drop_an_enum_value, require_an_optional_field])
def test_revalidate_flags_exactly_the_responses_an_edited_contract_breaks(
    recorded: Recorded, tmp_path: Path, edit: Edit
) -> None:
    """Each recorded answer the edit breaks is named once (cassette, index, id); no other is."""
    bodies = course_200_bodies(recorded.folder)
    contracts, expected, requirement = edited_contracts(tmp_path, edit, bodies)
    assert 0 < len(expected) < len(bodies)
    done = regconform("revalidate", "--cassettes", recorded.folder, "--contracts", contracts)
    assert done.code == 1, done.explain()
    findings = [m for m in map(FINDING.match, done.stdout.splitlines()) if m]
    flagged = {(m["cassette"], int(m["index"])) for m in findings}
    assert flagged == expected, done.explain()
    assert {m["requirement"] for m in findings} == {requirement}
    assert f"{len(expected)} of " in done.stdout.splitlines()[-1]


def test_revalidate_reads_contracts_from_the_environment(
    recorded: Recorded, tmp_path: Path
) -> None:
    """REGCONFORM_CONTRACTS chooses the contracts when --contracts is not given."""
    bodies = course_200_bodies(recorded.folder)
    contracts, expected, _ = edited_contracts(tmp_path, drop_an_enum_value, bodies)
    done = regconform(
        "revalidate", "--cassettes", recorded.folder, env={"REGCONFORM_CONTRACTS": str(contracts)}
    )
    assert done.code == 1, done.explain()
    assert len([line for line in done.stdout.splitlines() if FINDING.match(line)]) == len(expected)
