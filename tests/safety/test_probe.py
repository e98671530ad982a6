"""A wrong setup stops before the first test: the configuration probe finds a refused token, a
wrong path prefix or an id the target does not hold, and says which setting in one line (exit 4).
Counted at the server: a handful of requests, none of them a write."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from faulty_server import FaultyServer
from safety_runs import (
    TOKEN,
    TRACEBACK,
    Run,
    behind_proxy,
    in_parallel,
    regconform,
    write_profile,
)

import runner
from in_flight import InFlight
from regconform.reference import ServerSettings, running_server
from regconform.reference.fixtures import TOKEN_ENV, fixture_profile
from regconform.settings.profile import load_profile
from regconform.target.probe import PROBE_BODY, probes

MAX_PROBE_REQUESTS = 10


@dataclass(frozen=True)
class Case:
    says: str  # what the one line must name
    prefix: str = ""  # appended to the base URL
    env: dict[str, str | None] | None = None
    sections: dict[str, dict[str, Any]] | None = None


def _with(section: str, **changes: Any) -> dict[str, dict[str, Any]]:
    raw = fixture_profile("http://unused")[section]
    return {section: {**raw, **changes}}


CASES = {
    "refused token": Case(
        f"the token in {TOKEN_ENV} was refused: PUT", env={TOKEN_ENV: "not-the-token"}
    ),
    "wrong path prefix": Case("finds nothing the profile lists", prefix="/api/v1"),
    "wrong record id": Case(
        "profile [course_registrations] registration_ids 'cr-9' not found",
        sections=_with("course_registrations", registration_ids=["cr-1", "cr-9", "cr-2"]),
    ),
    "wrong locked record id": Case(
        "profile [course_registrations] locked_registration_id 'cr-lockd' not found",
        sections=_with("course_registrations", locked_registration_id="cr-lockd"),
    ),
    "wrong tenant": Case(
        "profile [course_registrations] tenant_id 'acne' (none of its records) not found",
        sections=_with("course_registrations", tenant_id="acne"),
    ),
    "wrong track": Case(
        "profile [event_track_registrations] event_id/track_id",
        sections=_with("event_track_registrations", track_id="gqz1gc"),
    ),
}


@pytest.fixture(scope="module")
def probed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[Run, Any]]]:
    """Every case's run against its own reference server behind a counting proxy."""
    folder = tmp_path_factory.mktemp("probe")
    with ExitStack() as stack:
        proxies, calls = [], []
        for name, case in CASES.items():
            proxies.append(stack.enter_context(behind_proxy()))
            path = folder / f"{name.replace(' ', '-')}.toml"
            profile = write_profile(path, proxies[-1].url + case.prefix, **(case.sections or {}))
            calls.append((("run", "--profile", profile), {"env": case.env}))
        runs = in_parallel(calls)
    yield {name: pair for name, pair in zip(CASES, zip(runs, proxies, strict=True), strict=True)}


def assert_stopped_by_the_probe(output: str, proxy: FaultyServer, code: int) -> None:
    """Exit 4 after at most a handful of requests, each a PUT the target can only refuse."""
    assert code == 4, output
    assert TRACEBACK not in output
    methods = [seen.method for seen in proxy.requests]
    assert set(methods) <= {"HEAD", "PUT"}, methods
    puts = proxy.puts()
    assert 1 <= len(puts) <= MAX_PROBE_REQUESTS, len(puts)
    assert all(seen.body == PROBE_BODY for seen in puts)  # not JSON: never a write


@pytest.mark.parametrize("name", CASES)
def test_wrong_setup_is_one_line_and_exit_4_before_any_test(
    probed: dict[str, tuple[Run, FaultyServer]], name: str
) -> None:
    """The run stops at the probe: one line naming the setting, a handful of requests."""
    run, proxy = probed[name]
    assert_stopped_by_the_probe(run.explain(), proxy, run.code)
    assert run.stderr.startswith("regconform: error: ") and run.stderr.count("\n") == 1
    assert CASES[name].says in run.stderr, run.stderr
    assert "regconform: requirements" not in run.stdout  # no test ran
    assert TOKEN not in run.output


def test_a_refused_token_needs_one_request(probed: dict[str, tuple[Run, FaultyServer]]) -> None:
    """A 401 settles it: nothing more is sent after the first probe."""
    _, proxy = probed["refused token"]
    assert len(proxy.puts()) == 1


def test_plain_pytest_probes_too(tmp_path: Path) -> None:
    """`pytest suites --profile` with a refused token: exit 4 at collection, one ERROR line."""
    with behind_proxy() as proxy:
        profile = write_profile(tmp_path / "p.toml", proxy.url)
        done = runner.pytest_run(
            "suites", "--regconform-profile", profile, token="not-the-token", timeout=120
        )
    output = done.stdout + done.stderr
    assert_stopped_by_the_probe(output, proxy, done.code)
    assert f"ERROR: the token in {TOKEN_ENV} was refused" in done.stderr, output


def test_under_concurrency_the_probe_sends_at_once_and_says_the_same(tmp_path: Path) -> None:
    """--concurrency 6: the probe's PUTs after the first go out together (against a server
    answering in 50 ms: six probes, two round trips), and a wrong id is told in the same line
    as at --concurrency 1; a refused token still costs one request."""
    wrong = CASES["wrong record id"]
    lines, held = {}, {}
    for n in (1, 6):
        counter = InFlight()
        settings = ServerSettings(token=TOKEN, delay=0.05, wrap=counter.wrap)
        with running_server(settings) as base_url:
            profile = write_profile(tmp_path / f"p{n}.toml", base_url, **(wrong.sections or {}))
            run = regconform("run", "--profile", profile, "--concurrency", str(n))
        assert run.code == 4 and run.one_line_error, run.explain()
        puts = sum(n for (method, *_), n in counter.seen.items() if method == "PUT")
        assert puts == len(probes(load_profile(profile)))  # every probe, and nothing else
        lines[n], held[n] = run.stderr.replace(base_url, "<base_url>"), counter.most
    assert lines[6] == lines[1] and wrong.says in lines[6]
    assert held[1] == 1 and held[6] > 1, held
    counter = InFlight()
    with running_server(ServerSettings(token=TOKEN, wrap=counter.wrap)) as base_url:
        profile = write_profile(tmp_path / "token.toml", base_url)
        run = regconform(
            "run", "--profile", profile, "--concurrency", "6", env={TOKEN_ENV: "not-the-token"}
        )
    assert run.code == 4 and CASES["refused token"].says in run.stderr, run.explain()
    assert sum(n for (method, *_), n in counter.seen.items() if method == "PUT") == 1


def test_with_a_worker_per_suite_the_probe_goes_while_they_start(tmp_path: Path) -> None:
    """--concurrency 4: the preflight and the probe wait for the workers to start (they import
    meanwhile) and go before any test. A refused token is still one request and one line,
    exit 4, with no test run and no report written; a right setup counts its probe apart."""
    counter = InFlight()
    with running_server(ServerSettings(token=TOKEN, wrap=counter.wrap)) as base_url:
        profile = write_profile(tmp_path / "p.toml", base_url)
        args = ("run", "--profile", profile, "--concurrency", "4", "--max-examples", "2")
        refused = regconform(
            *args, env={TOKEN_ENV: "not-the-token"}, report_dir=tmp_path / "refused"
        )
        puts = sum(n for (method, *_), n in counter.seen.items() if method == "PUT")
        right = regconform(*args, report_dir=tmp_path / "right")
    assert refused.code == 4 and refused.one_line_error, refused.explain()
    assert refused.stderr.startswith("regconform: error: ")
    assert CASES["refused token"].says in refused.stderr
    assert "created: 4/4 workers" in refused.stdout  # the workers had started
    assert "regconform: requirements" not in refused.stdout and puts == 1
    assert not (tmp_path / "refused" / "report.json").exists()
    assert right.code == 0, right.explain()
    assert right.report()["probe_requests"] == 6 and "(+6 probe)" in right.stdout
