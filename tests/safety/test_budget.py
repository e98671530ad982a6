"""What a run may send: nothing at all in a dry run, at most --max-requests writes, at most
--rate-limit requests per second, with or without xdist workers. The runs go at once (each
is mostly waiting)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from faulty_server import FaultyServer
from safety_runs import Run, behind_proxy, in_parallel, write_profile
from test_allow_list import subset_profile

from regconform.errors import EXIT_INCOMPLETE
from regconform.reference.fixtures import TOKEN_ENV
from regconform.target.probe import PROBE_BODY

RATE = 20
Runs = dict[str, tuple[Run, FaultyServer]]


@pytest.fixture(scope="module")
def budget_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    """A dry run against a counting server (no token set); --max-requests 5, and --rate-limit
    20 with a budget of 40, and the same under two xdist workers, against the reference server
    behind a recording proxy."""
    folder = tmp_path_factory.mktemp("budget")
    with ExitStack() as stack:
        servers = {
            "dry": stack.enter_context(FaultyServer("forward")),
            "budget": stack.enter_context(behind_proxy()),
            "paced": stack.enter_context(behind_proxy()),
            "workers": stack.enter_context(behind_proxy()),
        }
        dry = subset_profile(folder / "dry.toml", servers["dry"].url)
        budget = write_profile(folder / "budget.toml", servers["budget"].url)
        paced = write_profile(folder / "paced.toml", servers["paced"].url)
        workers = write_profile(folder / "workers.toml", servers["workers"].url)
        paced_run = ("run", "--rate-limit", str(RATE), "--max-requests", "40")
        runs = in_parallel(
            [
                (
                    ("run", "--profile", dry, "--dry-run", "--max-examples", "3"),
                    {"env": {TOKEN_ENV: None}},
                ),
                (("run", "--profile", budget, "--max-requests", "5", "--max-examples", "5"), {}),
                ((*paced_run, "--profile", paced), {}),
                ((*paced_run, "--profile", workers, "--", "-n", "2"), {}),
            ],
            workers=4,
        )
    yield {name: (run, servers[name]) for name, run in zip(servers, runs, strict=True)}


def test_dry_run_connects_to_nothing(budget_runs: Runs) -> None:
    """--dry-run opens no connection (no preflight either), needs no token, and counts what it
    would send per requirement, restores included."""
    run, server = budget_runs["dry"]
    assert server.connections == 0
    assert run.code == 0, run.explain()
    assert "dry run: nothing was sent; requests that would be sent, per requirement:" in run.stdout
    assert "  CR-001   " in run.stdout and "  ETR-008  " in run.stdout
    assert "restore: 4 record(s) would be put back (dry run: nothing sent)" in run.stdout
    assert run.report()["dry_run"] is True


def test_max_requests_sends_exactly_that_many(budget_runs: Runs) -> None:
    """--max-requests 5: five PUTs arrive (after the one HEAD of the preflight and the probe's
    six PUTs, which have no part in the budget); the tests that find the budget used up are
    skipped and say why, and the run is incomplete (exit 5): MUST requirements were not run."""
    run, proxy = budget_runs["budget"]
    assert [seen.method for seen in proxy.requests] == ["HEAD"] + ["PUT"] * (6 + 5)
    assert [seen.body == PROBE_BODY for seen in proxy.puts()] == [True] * 6 + [False] * 5
    assert run.code == EXIT_INCOMPLETE, run.explain()
    assert "the --max-requests budget is used up (test_" in run.stdout
    assert "budget is used up" in run.report()["requirements"]["GEN-001"]["note"]


@pytest.mark.parametrize("name", ["paced", "workers"], ids=["one process", "two xdist workers"])
def test_rate_limit_and_budget_hold_for_the_whole_run(budget_runs: Runs, name: str) -> None:
    """--rate-limit 20 --max-requests 40: 40 requests in all arrive, no faster than 20 per
    second, in bursts neither; two xdist workers share the one budget and the one pace."""
    run, proxy = budget_runs[name]
    assert run.code == EXIT_INCOMPLETE, run.explain()  # 40 requests exercise only some MUSTs
    arrivals = [seen.at for seen in proxy.puts() if seen.body != PROBE_BODY]
    assert len(arrivals) == 40
    # Arrival times carry the proxy's scheduling jitter, hence the margins; unpaced, the
    # requests would come at hundreds per second.
    assert (len(arrivals) - 1) / (arrivals[-1] - arrivals[0]) <= RATE * 1.1
    spans = [later - first for first, later in zip(arrivals, arrivals[10:], strict=False)]
    assert min(spans) >= 10 / RATE * 0.7  # any ten intervals take about half a second
