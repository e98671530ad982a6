"""One exit-code contract for every command: a usage or configuration error is one line and
exit 4 (never click's 2), before anything is sent; Ctrl-C is exit 2 wherever it lands (never
click's 1), the preflight, the probe and the embedded server's start included."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from faulty_server import FaultyServer
from safety_runs import REPO, TOKEN, TRACEBACK, behind_proxy, write_profile

import runner
from in_flight import InFlight
from regconform.reference import ServerSettings, running_server
from regconform.run.cli import COMMANDS
from regconform.target.embedded import interrupts_deferred

# Each case: the arguments, given a temporary folder and the URL of a counting server.
Args = Callable[[Path, str], list[str]]


def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "a-file"
    path.write_text("not a folder")
    return path


BAD_USE: dict[str, Args] = {
    "no command": lambda t, u: [],
    "unknown command": lambda t, u: ["bogus"],
    "unknown top-level option": lambda t, u: ["--bogus"],
    **{f"{name}: unknown option": (lambda t, u, n=name: [n, "--bogus"]) for name in COMMANDS},
    "run: unknown option for pytest": lambda t, u: ["run", "--base-url", u, "--bogus"],
    "run: bad option value": lambda t, u: ["run", "--base-url", u, "--timeout", "0"],
    "run: bad option value for pytest": lambda t, u: ["run", "--base-url", u, "-n", "x"],
    "run: unknown requirement": lambda t, u: ["run", "--base-url", u, "--requirement", "CR-999"],
    "run: missing profile": lambda t, u: ["run", "--profile", str(t / "none.toml")],
    "run: missing baseline": lambda t, u: ["run", "--base-url", u, "--baseline", str(t / "b")],
    "run: report folder is a file": lambda t, u: [
        *("run", "--base-url", u, "--report-dir", str(a_file(t)))
    ],
    "run: report folder under a file": lambda t, u: [
        *("run", "--base-url", u, "--report-dir", str(a_file(t) / "reports"))
    ],
    "run: cassette folder is a file": lambda t, u: [
        *("run", "--base-url", u, "--record", "--cassettes", str(a_file(t)))
    ],
    "run --replay: missing cassettes": lambda t, u: [
        *("run", "--replay", "--cassettes", str(t / "none"))
    ],
    "serve: bad option value": lambda t, u: ["serve", "--port", "x"],
    "serve: unusable database": lambda t, u: ["serve", "--db", str(a_file(t) / "x.db")],
    "derive: bad option value": lambda t, u: ["derive", "--contracts", str(a_file(t))],
    "derive: missing contracts": lambda t, u: ["derive", "--contracts", str(t / "none")],
    "mutants: extra argument": lambda t, u: ["mutants", "extra"],
    "selftest: bad option value": lambda t, u: ["selftest", "--jobs", "0"],
    "selftest: unknown mutant": lambda t, u: ["selftest", "--mutant", "bogus"],
    "revalidate: extra argument": lambda t, u: ["revalidate", "extra"],
    "revalidate: missing cassettes": lambda t, u: ["revalidate", "--cassettes", str(t / "none")],
    "report: no subcommand": lambda t, u: ["report"],
    "report: unknown subcommand": lambda t, u: ["report", "bogus"],
    "report html: missing argument": lambda t, u: ["report", "html"],
    "report html: missing file": lambda t, u: ["report", "html", str(t / "report.json")],
    "report html: option without value": lambda t, u: ["report", "html", "x.json", "-o"],
    "report compare: missing argument": lambda t, u: ["report", "compare"],
    "report compare: missing file": lambda t, u: ["report", "compare", str(t / "r.json")],
}


@pytest.fixture(scope="module")
def counting_server() -> Iterator[FaultyServer]:
    """A server that answers anything: a request reaching it is a request sent too early."""
    with FaultyServer("forward") as server:
        yield server


@pytest.mark.parametrize("args", BAD_USE.values(), ids=BAD_USE.keys())
def test_bad_use_is_one_line_and_exit_4(
    tmp_path: Path, counting_server: FaultyServer, args: Args
) -> None:
    """Every command, every kind of bad use: exit 4, one line on stderr, nothing sent."""
    before = counting_server.connections
    # `runner.python`, not `runner.regconform`: the arguments exactly as written, no report
    # folder added to a `run`.
    done = runner.python(
        *("-m", "regconform", *args(tmp_path, counting_server.url)),
        cwd=tmp_path,  # nothing lands in the repository, whatever a command writes
        env={"REGCONFORM_CONTRACTS": str(REPO / "contracts")},
        token=TOKEN,
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert done.code == 4, output
    assert done.stderr.startswith("regconform") and done.stderr.count("\n") == 1, done.stderr
    assert TRACEBACK not in output
    assert counting_server.connections == before  # checked before the first request


# ---- Ctrl-C -----------------------------------------------------------------------------------


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def sigint_when(
    args: list[str], ready: Callable[[subprocess.Popen[str]], bool]
) -> tuple[int, str, str]:
    """Start `regconform <args>`, send SIGINT once `ready`: its exit code, stdout and stderr."""
    with runner.started(sys.executable, "-m", "regconform", *args, token=TOKEN) as process:
        deadline = time.monotonic() + 60
        while not ready(process):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "never got there"
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    return process.returncode, stdout, stderr


def interrupted_when(args: list[str], ready: Callable[[subprocess.Popen[str]], bool]) -> str:
    """SIGINT before the tests (sigint_when): exit 2 and one line asserted; the output."""
    code, stdout, stderr = sigint_when(args, ready)
    assert code == 2, stdout + stderr
    assert TRACEBACK not in stdout + stderr
    assert "regconform: interrupted" in stderr
    return stdout + stderr


@pytest.mark.parametrize("concurrency", ["1", "4"], ids=["one process", "a worker per suite"])
@pytest.mark.parametrize(
    ("fault", "waiting_for"), [("hang", "HEAD"), ("hang-put", "PUT")], ids=["preflight", "probe"]
)
def test_ctrl_c_before_the_tests_is_exit_2(
    tmp_path: Path, fault: str, waiting_for: str, concurrency: str
) -> None:
    """Ctrl-C while the preflight's HEAD or the probe's PUT waits for an answer: exit 2; with a
    worker per suite (the probe goes once they have started), no worker is left running."""
    workers: list[int] = []
    with FaultyServer(fault) as server:
        profile = write_profile(tmp_path / "p.toml", server.url)
        args = ["run", "--profile", str(profile), "--timeout", "60", "--report-dir", str(tmp_path)]

        def waiting(process: subprocess.Popen[str]) -> bool:
            workers[:] = children_of(process.pid)
            return any(s.method == waiting_for for s in server.requests)

        interrupted_when([*args, "--concurrency", concurrency], waiting)
    assert not still_running(workers), "worker left running"


@pytest.mark.parametrize("concurrency", ["1", "4"], ids=["one process", "a worker per suite"])
def test_ctrl_c_during_the_tests_is_exit_2_with_the_reports_written(
    tmp_path: Path, concurrency: str
) -> None:
    """Ctrl-C while a suite test waits for an answer: exit 2, no traceback, and the summary's
    last line and report.json say the run was interrupted; with --concurrency, no worker is
    left running, and a worker stopped before it said what it sent makes the count a floor,
    never a false 0 (report.json: requests_sent null)."""
    workers: list[int] = []
    with behind_proxy("hang-unauthenticated") as proxy:
        profile = write_profile(tmp_path / "p.toml", proxy.url)
        args = ["run", "--profile", str(profile), "--suite", "shared", "--timeout", "60"]
        args += ["--concurrency", concurrency, "--report-dir", str(tmp_path / "reports")]

        def waiting(process: subprocess.Popen[str]) -> bool:  # a PUT without a token hangs
            seen = proxy.requests
            workers[:] = children_of(process.pid)
            return any(r.method == "PUT" and "authorization" not in r.headers for r in seen)

        code, stdout, stderr = sigint_when(args, waiting)
    assert code == 2, stdout + stderr
    assert TRACEBACK not in stdout + stderr
    assert "exit 2: interrupted" in stdout
    record = json.loads((tmp_path / "reports" / "report.json").read_text())
    assert record["exit_status"] == 2
    assert not still_running(workers), "worker left running"
    if concurrency == "1":
        assert record["requests_sent"] == record["requests_sent_at_least"] > 0
        assert record["workers_unreported"] == 0
    else:  # the hanging worker cannot hand its totals over
        assert record["requests_sent"] is None and record["request_log_sha256"] is None
        assert record["workers_unreported"] >= 1
        assert "worker(s) stopped before saying what they sent" in stdout


def test_ctrl_c_under_workers_counts_what_they_sent(tmp_path: Path) -> None:
    """Ctrl-C while two workers send to a server answering in 30 ms: each worker ends its
    test and says what it sent though the controller had stopped listening (it writes it
    beside the run's ledger), so report.json counts the requests, digest and all."""
    counter = InFlight()
    with running_server(ServerSettings(token=TOKEN, delay=0.03, wrap=counter.wrap)) as url:
        args = ["run", "--base-url", url, "--suite", "stateful", "--concurrency", "4"]
        args += ["--max-examples", "3", "--report-dir", str(tmp_path)]
        code, stdout, stderr = sigint_when(args, lambda _: sum(counter.seen.values()) > 40)
        seen = sum(counter.seen.values())
    assert code == 2 and "2 workers" in stdout, stdout + stderr
    record = json.loads((tmp_path / "report.json").read_text())
    assert record["workers_unreported"] == 0, stdout
    probed = 1 + 6  # the preflight's HEAD and the probe's PUTs, not the tests' requests
    assert 40 - probed < record["requests_sent"] <= seen - probed, (record, seen)
    assert record["request_log_sha256"] and "worker(s) stopped" not in stdout


def test_ctrl_c_while_the_embedded_server_starts_is_exit_2(tmp_path: Path) -> None:
    """Ctrl-C as soon as the embedded server's process exists: exit 2, and it is stopped."""
    started: list[int] = []

    def server_started(process: subprocess.Popen[str]) -> bool:
        started[:] = children_of(process.pid)
        return bool(started)

    interrupted_when(["run", "--report-dir", str(tmp_path)], server_started)
    assert not still_running(started), "server left running"


def still_running(pids: list[int], within: float = 5.0) -> list[int]:
    """Those of `pids` still alive (zombies count as gone) after waiting up to `within` s."""
    deadline = time.monotonic() + within
    while True:
        alive = [pid for pid in pids if _state(pid) not in (None, "Z")]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


def _state(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return None


def test_the_embedded_server_stops_when_its_run_is_killed(tmp_path: Path) -> None:
    """A run killed outright (SIGKILL, a CI job's timeout) cannot stop its server: the server
    notices it is orphaned and stops by itself."""
    with runner.started(
        sys.executable, "-m", "regconform", "run", "--report-dir", str(tmp_path), token=TOKEN
    ) as process:
        assert process.stdout is not None
        assert "embedded reference server" in process.stdout.readline()  # it listens
        servers = children_of(process.pid)
        assert servers
        process.kill()
        process.wait()
    assert not still_running(servers), "server outlived its run"


def test_ctrl_c_while_a_child_is_made_is_held_until_it_is_held() -> None:
    """The Popen window: a SIGINT inside `interrupts_deferred` raises nothing there, is handed
    over, and the previous handler is back afterwards."""
    before = signal.getsignal(signal.SIGINT)
    with interrupts_deferred() as arrived:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # the handler runs between bytecodes; give it some
    assert arrived == [signal.SIGINT]
    assert signal.getsignal(signal.SIGINT) is before
