"""A pass means "exercised and held": a rule that never applied is `not exercised` with its
reason, a run cut short is incomplete (exit 5), and a bug of ours is never a verdict."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

import runner
from regconform.mutants import get_mutant
from regconform.mutants.killmatrix import run_target, served


def run(*args: str | Path) -> tuple[int, str, dict[str, Any]]:
    """`regconform run ARGS`: exit code, output, report.json (empty when none was written)."""
    done = runner.regconform("run", *args, timeout=300)
    written = (done.report_dir or Path("/nonexistent")) / "report.json"
    record = json.loads(written.read_text()) if written.exists() else {}
    return done.code, done.output, record


def against(mutant: str, tmp_path: Path, *args: str) -> tuple[int, str, dict[str, Any]]:
    with served(get_mutant(mutant), tmp_path) as (base_url, profile):
        return run("--base-url", base_url, "--profile", profile, "--level", "all", *args)


def test_a_server_that_never_answers_207_fails_and_leaves_the_207_rules_not_exercised(
    tmp_path: Path,
) -> None:
    """Every valid bulk update answered 200, never 207: ETR-009 fails (exit 1), and the rules
    about a 207's body are `not exercised`, saying no 207 was answered, never `pass`."""
    code, output, record = against(
        "207-sent-as-200", tmp_path, "--suite", "event_track_registrations",
        "--report-dir", str(tmp_path / "reports"),
    )  # fmt: skip
    requirements = record["requirements"]
    assert code == 1, output[-3000:]
    assert requirements["ETR-009"]["verdict"] == "fail"
    for rid in ("ETR-010", "ETR-011", "ETR-012"):
        assert requirements[rid]["verdict"] == "not exercised", requirements[rid]
        assert requirements[rid]["checked"] == 0
        assert "answered 200, not 207" in requirements[rid]["note"]
    assert "207" not in record["coverage"]["statuses"]["event_track_registrations"]
    # "did we ever see a 207?" at a glance: the summary's and the page's coverage say no
    answered = [line for line in output.splitlines() if "registrations answered: " in line]
    assert answered and "200 x" in answered[0] and "207" not in answered[0]
    page = (tmp_path / "reports" / "report.html").read_text()
    coverage = page[page.index('id="coverage"') :].split("</table>")[0]
    assert "200" in coverage and "207" not in coverage


def test_a_200_with_an_array_body_fails_cr_035_without_a_traceback(tmp_path: Path) -> None:
    """The record wrapped in an array: CR-035 fails, the rules about the record's fields are
    not exercised (they never saw a record), and no check raises."""
    code, output, record = against("record-in-array", tmp_path, "--suite", "course_registrations")
    requirements = record["requirements"]
    assert code == 1, output[-3000:]
    assert requirements["CR-035"]["verdict"] == "fail"
    assert runner.TRACEBACK not in output and record["internal_errors"] == []
    for rid in ("CR-020", "CR-033", "CR-037"):
        assert requirements[rid]["verdict"] == "not exercised", requirements[rid]
        assert "not a JSON object" in requirements[rid]["note"]


def test_a_budget_that_runs_out_before_every_must_is_exercised_is_incomplete() -> None:
    """`--max-requests 50` on the default run: nothing broken, but MUST requirements were not
    run, so exit 5 (not 0), naming them, in the summary's last line and report.json."""
    done = runner.regconform("run", "--max-requests", "50", timeout=300)
    code, output = done.code, done.output
    record = json.loads((done.report_dir / "report.json").read_text())  # type: ignore[operator]
    assert code == 5, output[-3000:]
    assert record["exit_status"] == 5 and record["incomplete"]
    missing = record["incomplete"]
    assert all(record["requirements"][rid]["level"] == "MUST" for rid in missing)
    assert all(
        record["requirements"][rid]["verdict"] in ("not run", "not exercised") for rid in missing
    )
    last = [line for line in output.splitlines() if line.startswith("exit ")][-1]
    assert last.startswith("exit 5: INCOMPLETE") and missing[0] in last
    assert "budget" in record["requirements"][missing[-1]]["note"]
    junit = ElementTree.parse(done.report_dir / "junit.xml")  # type: ignore[operator]
    said = {p.get("name"): p.get("value") for p in junit.iter("property")}
    assert said["regconform.exit_status"] == last  # a CI reading JUnit sees the same line
    page = (done.report_dir / "report.html").read_text()  # type: ignore[operator]
    assert "not exercised or not run: " + missing[0] in page


def test_a_check_that_raises_is_an_internal_error_and_never_a_catch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A check with a bug (scratch_raising_check) raises on the array body of the
    record-in-array mutant: the run exits 3, and the kill matrix counts the mutant missed,
    though CR-035, the mutant's own id, was flagged too."""
    monkeypatch.setenv("PYTEST_PLUGINS", "scratch_raising_check")
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).parent))
    outcome = run_target(get_mutant("record-in-array"), max_examples=2)
    assert not outcome.caught
    assert outcome.error is not None and "AttributeError" in outcome.error
    monkeypatch.delenv("PYTEST_PLUGINS")
    assert run_target(get_mutant("record-in-array"), max_examples=2).caught


def test_a_request_our_allow_list_refuses_is_an_internal_error_and_never_a_verdict(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A suite building a path the profile does not give (scratch_unsafe_request) is a bug of
    ours: nothing is sent, the run exits 3 naming it, and no requirement is blamed for it."""
    monkeypatch.setenv("PYTEST_PLUGINS", "scratch_unsafe_request")
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).parent))
    code, output, record = run("--suite", "course_registrations")
    assert code == 3, output[-3000:]
    assert any("regconform bug, nothing sent" in e for e in record["internal_errors"])
    assert not [r for r, v in record["requirements"].items() if v["verdict"] == "fail"]
    assert runner.TRACEBACK not in output
