"""`regconform selftest --plan quick | --concurrency N`: the matrices as a per-commit gate or a
concurrent run would meet them (each target's `regconform run` gets the options)."""

from __future__ import annotations

import pytest

import runner
from regconform.mutants.killmatrix import run_suites, serve_args


def test_every_run_of_a_matrix_gets_the_options_given() -> None:
    """`options` reach each target's `regconform run`: its report.json says the plan."""
    run = run_suites(serve_args(None), options=["--plan", "quick", "--concurrency", "2"])
    assert run.error is None and run.report["plan"] == "quick", run.error
    assert run.report["requests_sent"] <= 100  # the quick plan's budget, not the full run's


@pytest.mark.slow
def test_selftest_at_the_quick_plan_catches_and_passes() -> None:
    """`regconform selftest --plan quick`: what a per-commit gate catches. The mutant below was
    missed by the quick plan until its simplest draw listed two unknown ids."""
    args = ["--mutant", "lists-first-failure-only", "--variant", "pretty-printed"]
    done = runner.regconform("selftest", *args, "--plan", "quick", timeout=300)
    assert done.code == 0, done.explain()
    assert "mutation score: 1/1 caught (100%)" in done.stdout
    assert "false-alarm matrix: 1/1 legal variants pass" in done.stdout
