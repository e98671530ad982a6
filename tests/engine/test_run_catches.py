"""A wrong server makes `regconform run` exit 1 and name the requirement it broke.

The servers are shipped mutants of the reference server (regconform.mutants), reached over HTTP
on loopback like any user's server; the full set is proven by the kill matrix (test_kill_matrix).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from regconform.reference.fixtures import DEFAULT_TOKEN
from regconform.target.embedded import embedded_server
from runner import regconform

CASES = [
    ("drops-sys_created_by_id", "CR-026", "course_registrations"),  # a required field dropped
    ("invents-status", "CR-031", "course_registrations"),  # an out-of-range enum in a response
    ("always-207", "ETR-008", "event_track_registrations"),  # 207 when all succeed
    ("partial-failure-is-200", "ETR-009", "event_track_registrations"),  # 200 on partial failure
    ("lists-first-failure-only", "ETR-010", "event_track_registrations"),  # a 207 omits an id
    ("ignores-update", "CR-036", "course_registrations"),  # an update silently not applied
    ("accepts-wrong-nested-type", "CR-014", "course_registrations"),  # deep in an array item
    ("missing-token-accepted", "GEN-001", "shared"),  # no auth check
]


@pytest.mark.parametrize(("mutant", "requirement", "suite"), CASES, ids=[c[0] for c in CASES])
def test_run_exits_1_naming_the_broken_requirement(
    mutant: str, requirement: str, suite: str, tmp_path: Path
) -> None:
    """Against a server with one defect, the run fails and its output names that requirement."""
    with embedded_server(("--mutant", mutant)) as (_, profile):
        done = regconform(
            *("run", "--profile", profile, "--suite", suite, "--max-examples", "10"),
            report_dir=tmp_path,
        )
    assert done.code == 1, done.explain()
    failures = done.stdout.split("= FAILURES =")[1]
    assert f"{requirement} [MUST]" in failures  # the failure message cites the requirement
    assert "request:  curl -X PUT" in failures  # a reproduction ...
    assert DEFAULT_TOKEN not in done.output  # ... with the token redacted
    summary = done.stdout.split("regconform: requirements")[1]
    assert any(line.split()[:2] == ["FAIL", requirement] for line in summary.splitlines())
