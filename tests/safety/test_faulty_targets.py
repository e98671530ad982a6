"""A broken target ends the run quickly, with a failure that names what happened: never a hang,
never a Python traceback, never the token. Each fault is one FaultyServer mode.

How long the client waits is measured at the server (from a request's arrival to the client
hanging up), so the bounds hold on a loaded machine; the wall-time bounds of whole runs only
rule out hangs of minutes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from faulty_server import FaultyServer
from safety_runs import TOKEN, TRACEBACK, Run, behind_proxy, in_parallel, regconform, write_profile

from regconform.target.pacing import BACKOFF_BASE, backoff
from regconform.target.probe import PROBE_BODY

TIMEOUT = "2"
# Content faults are found by the checks, and hypothesis then shrinks the failing example:
# one example per test and a stop at the first failure keep those runs short.
FIRST_FAILURE = ("--max-examples", "1", "-x")


@dataclass(frozen=True)
class Case:
    fault: str
    code: int
    says: str  # what the output must name
    waits: str | None = None  # the method the client waits --timeout on, then gives up
    extra: tuple[str, ...] = ()


CASES = [
    # The preflight's HEAD already gets no answer: a usage error, before any test.
    Case("hang", 4, f"accepted a connection but sent no answer within {TIMEOUT} s", "HEAD"),
    Case("trickle-head-all", 4, f"sent no complete answer within {TIMEOUT} s", "HEAD"),
    # HEAD is answered; then PUTs fail (the probe's first, which decides nothing then), and the
    # breaker stops the run after two of the tests'.
    Case("hang-put", 1, f"no answer within {TIMEOUT} s", "PUT"),
    Case("slow", 1, f"no answer within {TIMEOUT} s", "PUT"),
    # Headers a byte at a time: each read is quick, the whole answer is not.
    Case("trickle-head", 1, f"no complete answer within {TIMEOUT} s", "PUT"),
    Case("reset", 1, "connection failed (connection reset)"),
    Case("huge", 1, "response body exceeds 5 MB"),
    Case("not-json", 1, "200 body is not a JSON object", extra=FIRST_FAILURE),
    Case("wrong-type", 1, "200 Content-Type is 'text/html'", extra=FIRST_FAILURE),
    Case("500", 1, "HTTP 500 application/json", extra=FIRST_FAILURE),
]
BREAKER_STOP = "the target stopped answering (2 failures in a row"
NO_HANG = 90.0  # seconds: a whole run, however loaded the machine; a hang takes minutes


@pytest.fixture(scope="module")
def faulty_runs(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, tuple[Run, FaultyServer]]]:
    """Every case's run and its server, a few runs at a time (most of each is waiting)."""
    folder = tmp_path_factory.mktemp("faulty")
    with ExitStack() as stack:
        servers, calls = [], []
        for case in CASES:
            servers.append(stack.enter_context(FaultyServer(case.fault)))
            profile = write_profile(folder / f"{case.fault}.toml", servers[-1].url)
            args = ("run", "--profile", profile, "--timeout", TIMEOUT, *case.extra)
            calls.append((args, {}))
        runs = in_parallel(calls)
    triples = zip(CASES, runs, servers, strict=True)
    yield {case.fault: (run, server) for case, run, server in triples}


@pytest.mark.parametrize("case", CASES, ids=[case.fault for case in CASES])
def test_faulty_target_fails_fast_and_says_why(
    faulty_runs: dict[str, tuple[Run, FaultyServer]], case: Case
) -> None:
    """The run ends with the documented exit code and a message naming the fault, having
    waited --timeout at most per request; no traceback, and the token nowhere in the output."""
    run, server = faulty_runs[case.fault]
    assert run.code == case.code, run.explain()
    assert case.says in run.output, run.explain()
    assert run.wall < NO_HANG, run.explain()
    assert TRACEBACK not in run.output
    assert TOKEN not in run.output
    if case.waits:
        waited = [end - seen.at for seen, end in server.ended if seen and seen.method == case.waits]
        assert waited and all(1.5 < wait < float(TIMEOUT) + 1.5 for wait in waited), waited
    if case.code == 4:
        assert run.stderr.startswith("regconform: error: ") and run.stderr.count("\n") == 1
        assert [seen.method for seen in server.requests] == ["HEAD"]
    elif not case.extra:  # transport failures: the breaker stops the run after two
        assert BREAKER_STOP in run.stdout, run.explain()
        # the probe's one PUT met the same, could not decide and let the tests say it
        probe, *tests = server.puts()
        assert probe.body == PROBE_BODY and len(tests) == 2
    else:  # a nonconformance report shows the request, its credential redacted
        assert "-H 'Authorization: Bearer ***'" in run.stdout, run.explain()


def test_a_server_closing_kept_alive_connections_under_requests_conforms(tmp_path: Path) -> None:
    """A correct server behind a front that closes each connection when a second request
    comes on it, unanswered (RFC 9112 9.5 lets a server close a connection at any time; the
    client may send an idempotent request again: 9.3.1). Before, the run stopped at the
    first such close: TARGET BROKE DOWN, the rest not run. Now each is sent again on a new
    connection: the run conforms, the server behind sees each request once, and the summary
    and report.json count the repeats."""
    with behind_proxy("closes-kept-alive") as proxy:
        run = regconform("run", "--base-url", proxy.url, "--max-examples", "2", report_dir=tmp_path)
        unanswered = list(proxy.unanswered)
        reached = [seen for seen in proxy.requests if seen not in unanswered]
    assert run.code == 0, run.explain()
    report = run.report()
    again = report["sent_again_after_a_closed_connection"]
    assert again > 10 and again <= len(unanswered)  # the rest: the probe's
    assert "met a kept-alive connection's close and sent again" in run.stdout
    # once each: the preflight's HEAD, the probe's PUTs, the tests' requests
    assert len(reached) == 1 + report["probe_requests"] + report["requests_sent"]
    assert TRACEBACK not in run.output


@pytest.mark.requirement("GEN-007")
def test_429_is_retried_after_the_retry_after_wait(tmp_path: Path) -> None:
    """A 429 with Retry-After: 2 is retried, the same request, about 2 s later; the run
    then carries on and passes, and the summary counts the throttled answer."""
    with behind_proxy("429-once", retry_after=2) as proxy:
        profile = write_profile(tmp_path / "profile.toml", proxy.url)
        # 4 examples: enough for a record to be updated twice (CR-037 needs that), else exit 5
        run = regconform("run", "--profile", profile, "--suite", "shared", "--max-examples", "4")
        puts = [put for put in proxy.puts() if put.body != PROBE_BODY]
    assert run.code == 0, run.explain()
    first, retry = puts[0], puts[1]
    assert (retry.path, retry.body) == (first.path, first.body)
    assert 1.9 <= retry.at - first.at <= 4.0
    assert "1 answered 429 and retried" in run.stdout
    assert TRACEBACK not in run.output


@pytest.mark.requirement("GEN-007")
def test_429_without_retry_after_is_retried_after_a_jittered_back_off(tmp_path: Path) -> None:
    """A 429 naming no Retry-After (the track API sends none) is retried, the same request,
    after the back-off drawn from the request itself: between half and all of BACKOFF_BASE."""
    with behind_proxy("429-once", retry_after=None) as proxy:
        profile = write_profile(tmp_path / "profile.toml", proxy.url)
        run = regconform("run", "--profile", profile, "--suite", "shared", "--max-examples", "4")
        puts = [put for put in proxy.puts() if put.body != PROBE_BODY]
    assert run.code == 0, run.explain()
    first, retry = puts[0], puts[1]
    assert (retry.path, retry.body) == (first.path, first.body)
    expected = backoff(0, first.path.encode() + b" " + first.body)
    assert 0.5 * BACKOFF_BASE <= expected < BACKOFF_BASE
    assert expected - 0.05 <= retry.at - first.at <= expected + 1.0
    assert "1 answered 429 and retried" in run.stdout


@pytest.mark.requirement("GEN-007")
def test_a_429_holds_every_sender_of_the_run(tmp_path: Path) -> None:
    """--concurrency 4 on four workers, each with seconds of requests to send: after a 429
    naming no Retry-After, nothing of the run's reaches the server until its back-off is over,
    from the other workers neither; then the retry, and the run carries on and passes."""
    with behind_proxy("429-once", retry_after=None) as proxy:
        profile = write_profile(tmp_path / "profile.toml", proxy.url)
        run = regconform(
            *("run", "--profile", profile, "--max-examples", "2", "--concurrency", "4")
        )
        puts = [put for put in proxy.puts() if put.body != PROBE_BODY]
    assert run.code == 0, run.explain()
    assert "4 workers" in run.stdout  # four senders, and only one was told
    first = puts[0]
    wait = backoff(0, first.path.encode() + b" " + first.body)
    # What was on its way when the 429 went out may still arrive; nothing sent after it may.
    held = [put.at - first.at for put in puts[1:] if 0.2 < put.at - first.at < wait - 0.05]
    assert held == [], held
    # The retry (another worker may have sent the same request at the same moment: a simplest
    # body): the first of its copies to come later than that.
    again = [p.at - first.at for p in puts[1:] if (p.path, p.body) == (first.path, first.body)]
    assert wait - 0.05 <= min(t for t in again if t > 0.2) <= wait + 1.0
    assert "1 answered 429 and retried" in run.stdout


def test_answers_before_a_hang_are_judged_and_what_it_cost_is_not_run(tmp_path: Path) -> None:
    """A target that never answers one kind of request (a PUT without a token): every answer
    received before is judged, and the requirements the lost requests were for are `not run`,
    with the transport error, in report.json and report.html."""
    with behind_proxy("hang-unauthenticated") as proxy:
        profile = write_profile(tmp_path / "profile.toml", proxy.url)
        run = regconform(
            "run", "--profile", profile, "--suite", "shared", "--timeout", TIMEOUT,
            "--max-examples", "1",
        )  # fmt: skip
    assert run.code == 1, run.explain()
    assert TRACEBACK not in run.output
    outcome = [line for line in run.stdout.splitlines() if line.startswith("exit 1: ")]
    assert outcome, run.explain()  # the summary's last line says why, not just "failed"
    assert outcome[-1].startswith("exit 1: TARGET BROKE DOWN: target error: no answer within")
    assert "MUST not exercised or run: GEN-001" in outcome[-1]
    requirements = run.report()["requirements"]
    for lost in ("GEN-001", "GEN-002", "GEN-004", "GEN-006"):  # sent after the hang, or lost
        assert requirements[lost]["verdict"] == "not run", (lost, requirements[lost])
        reasons = " ".join(requirements[lost]["not_run_reasons"])
        assert f"transport failure: target error: no answer within {TIMEOUT} s" in reasons
    for judged in ("CR-036", "ETR-008", "CR-046"):  # the controls, answered before the hang
        assert requirements[judged]["verdict"] == "pass" and requirements[judged]["checked"]
    page = (run.report_dir / "report.html").read_text()  # type: ignore[operator]
    assert f"no answer within {TIMEOUT} s" in page
    assert "the target broke down: target error: no answer within" in page
    assert run.report()["transport_failures"]
