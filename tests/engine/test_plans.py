"""Plans: `--plan quick` exercises every MUST requirement with few requests, for a per-commit
gate against a rate-limited API; every plan reports the requests each requirement bought."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from regconform.mutants import get_mutant
from regconform.mutants.killmatrix import served
from regconform.run.plan import QUICK_EXAMPLES, examples_for
from runner import regconform

QUICK_BUDGET = 100  # requests: ~25 s at the track API's 4 per second


def _item(**marks: int) -> Any:
    found = {name: SimpleNamespace(args=(n,)) for name, n in marks.items()}
    return SimpleNamespace(get_closest_marker=found.get)


@pytest.mark.parametrize(
    ("plan", "marks", "expected"),
    [
        ("full", {}, 25),
        ("full", {"examples": 8}, 8),
        ("quick", {}, QUICK_EXAMPLES),
        ("quick", {"examples": 8, "quick_examples": 2}, 2),
        ("quick", {"examples": 1, "quick_examples": 2}, 1),
        ("full", {"per_example": 4}, 7),  # 28 requests, four at a time
        ("full", {"examples": 8, "per_example": 2}, 4),
        ("quick", {"per_example": 4}, QUICK_EXAMPLES),
    ],
)
def test_examples_per_test_follow_the_plan(plan: str, marks: dict[str, int], expected: int) -> None:
    """full: the run's max examples capped by a test's examples(n), over per_example(n) when
    it draws n requests an example; quick: one, or the test's quick_examples(n), never more
    than full would draw."""
    assert examples_for(plan, _item(**marks), 25) == expected


def test_quick_plan_exercises_every_must_in_few_requests(tmp_path: Path) -> None:
    """Against the embedded reference server the quick plan passes (exit 0: no MUST left not
    exercised) within QUICK_BUDGET requests, and says how many each requirement bought."""
    done = regconform("run", "--plan", "quick", report_dir=tmp_path)
    assert done.code == 0, done.explain()
    record = done.report()
    assert record["plan"] == "quick" and record["incomplete"] == []
    assert 0 < record["requests_sent"] <= QUICK_BUDGET
    musts = {rid for rid, r in record["requirements"].items() if r["level"] == "MUST"}
    server_musts = {rid for rid in musts if record["requirements"][rid]["kind"] == "server"}
    assert all(record["requirements"][rid]["verdict"] == "pass" for rid in server_musts)
    assert all(record["requests_per_requirement"].get(rid, 0) > 0 for rid in server_musts)
    assert f"plan quick, request log sha256 {record['request_log_sha256'][:16]}" in done.stdout


@pytest.mark.parametrize(
    ("mutant", "requirement"),
    [
        ("200-applies-nothing", "ETR-020"),
        ("207-applies-nothing", "ETR-021"),
        ("lists-first-failure-only", "ETR-010"),
    ],
)
def test_a_quick_pass_means_the_first_example_could_have_failed(
    tmp_path: Path, mutant: str, requirement: str
) -> None:
    """A quick run sends each test's simplest example, so that example must be one a broken
    server fails. Each of these passed before: the track sequence asked for the status the
    registrations already had (so a server applying nothing read back "right"), and a 207
    had one failed id to list (so listing only the first was listing all)."""
    with served(get_mutant(mutant), tmp_path) as (base_url, profile):
        args = ["run", "--base-url", base_url, "--profile", profile, "--plan", "quick"]
        done = regconform(*args, "--requirement", requirement, report_dir=tmp_path / "r")
    assert done.code == 1, done.explain()
    assert done.report()["requirements"][requirement]["verdict"] == "fail", done.explain()
