"""`regconform run` end to end: the embedded default (bad input: tests/safety/test_bad_input.py)."""

from __future__ import annotations

from pathlib import Path

from runner import regconform


def test_run_without_target_is_green_against_the_embedded_server(tmp_path: Path) -> None:
    """With no target, the reference server is started and every requirement passes, the
    read-back ones included (none is left not exercised)."""
    done = regconform("run", report_dir=tmp_path, token=None)  # no token: the run picks its own
    assert done.code == 0, done.explain()
    assert "testing the embedded reference server" in done.stdout
    assert "regconform: requirements" in done.stdout
    record = done.report()
    verdicts = {r["verdict"] for r in record["requirements"].values() if r["kind"] == "server"}
    assert verdicts == {"pass"}
    bought = record["requests_per_requirement"]  # requests per requirement, for any plan
    assert record["plan"] == "full" and sum(bought.values()) >= record["requests_sent"] > 300
    assert all(record["requirements"][rid]["requests"] == n for rid, n in bought.items())
    # What is stored, read back through the fixture profile's read paths: judged, not skipped.
    for rid in ("CR-048", "CR-049", "ETR-020", "ETR-021"):
        assert record["requirements"][rid]["checked"] > 0, rid
    assert record["incomplete"] == []


def test_requirement_runs_only_the_tests_that_judge_it(tmp_path: Path) -> None:
    """`--requirement CR-048`: the tests citing it run (it passes, judged), every other test is
    deselected, and a requirement no selected test judges is `skipped`, saying why."""
    done = regconform("run", "--requirement", "CR-048", report_dir=tmp_path, token=None)
    assert done.code == 0, done.explain()
    record = done.report()
    requirements = record["requirements"]
    assert requirements["CR-048"]["verdict"] == "pass" and requirements["CR-048"]["checked"] > 0
    assert requirements["ETR-020"]["verdict"] == "skipped"  # judged by a test not selected
    assert "--requirement" in requirements["ETR-020"]["note"]
    assert " deselected in " in done.stdout  # pytest says how many it left out
    assert record["requests_sent"] < 100
