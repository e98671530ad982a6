"""The kill matrix: run the suites against the reference server and every mutant, over HTTP.

Each target gets its own `regconform serve [--mutant NAME]` process and its own `regconform
run` process (forked from one parent that imported their libraries once: `forked`), and is
judged only by the report.json that run writes: the self-test sees what a user would see, never
the server's insides.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regconform.errors import EXIT_INTERNAL
from regconform.mutants import forked
from regconform.mutants._mutant import Mutant
from regconform.reference.fixtures import DEFAULT_TOKEN, TOKEN_ENV
from regconform.report.run_record import REPORT_JSON
from regconform.target.embedded import stop

FLAGGED = frozenset({"fail", "warn"})
DEFAULT_JOBS = 2  # a target is two processes; two targets at once keep two cores busy
SERVER_START_TIMEOUT = 30.0
RUN_TIMEOUT = 300.0
_KEPT_ENV = ("REGCONFORM_CONTRACTS",)  # other REGCONFORM_* settings would override our flags


@dataclass(frozen=True)
class RunOutcome:
    """What one run of the suites said about one target (mutant None: the reference server)."""

    mutant: Mutant | None
    verdicts: dict[str, str]  # requirement id -> verdict in report.json
    seconds: float
    error: str | None = None  # why there is no report, or why the run's word does not count

    @property
    def label(self) -> str:
        return self.mutant.name if self.mutant else "reference"

    @property
    def flagged(self) -> tuple[str, ...]:
        """Ids whose verdict was fail or warn, in catalogue order."""
        return tuple(rid for rid, verdict in self.verdicts.items() if verdict in FLAGGED)

    @property
    def caught(self) -> bool:
        """Whether the run reported the mutant's own requirement, and nothing went wrong in
        regconform itself (a check that raised is a bug of ours, never a catch)."""
        if self.mutant is None or self.error is not None:
            return False
        return self.mutant.requirement in self.flagged


@dataclass(frozen=True)
class KillMatrix:
    reference: RunOutcome
    rows: tuple[RunOutcome, ...]  # one per mutant, in the order asked for
    seconds: float

    @property
    def caught(self) -> int:
        return sum(row.caught for row in self.rows)

    @property
    def missed(self) -> tuple[RunOutcome, ...]:
        return tuple(row for row in self.rows if not row.caught)

    @property
    def false_alarms(self) -> tuple[str, ...]:
        return self.reference.flagged

    @property
    def passed(self) -> bool:
        """The reference is clean and every mutant is caught by its own id."""
        clean = self.reference.error is None and not self.false_alarms
        return clean and not self.missed


def child_env() -> dict[str, str]:
    """The environment of our children: the server's token, no stray REGCONFORM_* settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("REGCONFORM_") or key in _KEPT_ENV
    }
    env[TOKEN_ENV] = DEFAULT_TOKEN
    return env


def _tail(path: Path, lines: int = 15) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def serve_args(mutant: Mutant | None) -> tuple[str, ...]:
    """What `regconform serve` is told to serve `mutant` (None: the reference server)."""
    return () if mutant is None else ("--mutant", mutant.name)


SERVE_LOG = "serve.log"


@contextmanager
def served(
    mutant: Mutant | None, folder: Path, args: Sequence[str] | None = None
) -> Iterator[tuple[str, Path]]:
    """Run `regconform serve [--mutant NAME | args]` on a free port; yield (base URL, profile).
    Its stderr goes to `folder`/serve.log. A forked child (see `forked`): the server is
    the one a user starts, without its start-up; it stops by itself should we be killed."""
    profile = folder / "profile.toml"
    log = folder / SERVE_LOG  # a crashing mutant's tracebacks land here, not on our terminal
    argv = ["serve", "--port", "0", "--profile-out", str(profile)]
    argv += list(serve_args(mutant) if args is None else args)
    server = forked.Child(argv, child_env(), stdout=folder / "serve.out", stderr=log)
    try:
        line = server.first_line(SERVER_START_TIMEOUT)
        if not line.startswith("base_url: "):
            raise RuntimeError(f"the server did not start: {line!r}\n{_tail(log)}")
        yield line.removeprefix("base_url: ").strip(), profile
    finally:
        stop(server)


def run_command(
    base_url: str,
    profile: Path,
    report_dir: Path,
    max_examples: int | None,
    seed: int,
    level: str = "all",
    requirements: Sequence[str] = (),
    options: Sequence[str] = (),
) -> list[str]:
    """The `regconform run` arguments of one target: every suite (only the tests judging
    `requirements`, when given), failing from `level` on (every level, by default), with
    further `options` of `regconform run` (`--plan quick`, `--concurrency N`)."""
    examples = [] if max_examples is None else ["--max-examples", str(max_examples)]
    examples += [f"--requirement={rid}" for rid in requirements]
    return [
        "run",
        *("--base-url", base_url, "--profile", str(profile), "--level", level),
        *("--seed", str(seed), *examples, "--report-dir", str(report_dir)),
        # Verdicts come from report.json, not from assert messages: skipping pytest's
        # assertion rewriting of the plugins' packages halves the CPU of a run when no
        # bytecode can be cached (PYTHONDONTWRITEBYTECODE).
        "--assert=plain",
        # A verdict is all the matrix reads: a failing example need not be shrunk (each
        # smaller copy is sent again, most of a failing mutant's run).
        "--no-shrink",
        *options,
    ]


def read_verdicts(report: Path) -> dict[str, str]:
    """Requirement id -> verdict, from a run's report.json (see verdicts_of)."""
    return verdicts_of(json.loads(report.read_text(encoding="utf-8")))


def verdicts_of(record: dict[str, Any]) -> dict[str, str]:
    """Requirement id -> verdict, from a run's record; RuntimeError when the run had an
    internal error (its verdicts are no evidence either way)."""
    if record.get("exit_status") == EXIT_INTERNAL or record.get("internal_errors"):
        errors = "; ".join(record.get("internal_errors") or ["exit status 3"])
        raise RuntimeError(f"internal error of regconform: {errors}")
    return {rid: entry["verdict"] for rid, entry in record["requirements"].items()}


@dataclass(frozen=True)
class SuiteRun:
    """One run of every suite against one served target, as its report.json and log say."""

    verdicts: dict[str, str]
    report: dict[str, Any]  # the whole report.json ({} without one)
    serve_log: str  # the server's stderr
    seconds: float
    error: str | None = None  # why there is no report


def run_target(
    mutant: Mutant | None,
    max_examples: int | None = None,
    seed: int = 0,
    options: Sequence[str] = (),
) -> RunOutcome:
    """Serve the reference server or `mutant`, run the suites against it, read the verdicts.
    The reference server meets every test; a mutant only the tests that judge its own
    requirement (`--requirement`), which is all its catch is about, at a fraction of the cost."""
    only = () if mutant is None else (mutant.requirement,)
    run = run_suites(serve_args(mutant), max_examples, seed, requirements=only, options=options)
    return RunOutcome(mutant, run.verdicts, run.seconds, run.error)


def run_suites(
    args: Sequence[str],
    max_examples: int | None = None,
    seed: int = 0,
    level: str = "all",
    requirements: Sequence[str] = (),
    options: Sequence[str] = (),
) -> SuiteRun:
    """Serve `regconform serve ARGS`, run the suites against it (failing from `level` on: every
    level by default; only the tests of `requirements` when given), read it back."""
    started = time.monotonic()
    serve_log = ""
    with tempfile.TemporaryDirectory(prefix="regconform-kill-") as tmp:
        folder = Path(tmp)
        try:
            with served(None, folder, args) as (base_url, profile):
                log = folder / "run.log"
                command = run_command(
                    base_url, profile, folder, max_examples, seed, level, requirements, options
                )
                forked.run(command, child_env(), log, RUN_TIMEOUT)
            serve_log = (folder / SERVE_LOG).read_text(encoding="utf-8", errors="replace")
            report = folder / REPORT_JSON
            if not report.exists():
                raise RuntimeError(f"the run wrote no {REPORT_JSON}:\n{_tail(log)}")
            record: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
            verdicts = verdicts_of(record)
        except (RuntimeError, OSError, ValueError, subprocess.TimeoutExpired) as exc:
            serve_log = serve_log or _tail(folder / SERVE_LOG, lines=10**6)
            return SuiteRun({}, {}, serve_log, time.monotonic() - started, error=str(exc))
    return SuiteRun(verdicts, record, serve_log, time.monotonic() - started)


def kill_matrix(
    mutants: Sequence[Mutant],
    *,
    jobs: int = DEFAULT_JOBS,
    max_examples: int | None = None,
    seed: int = 0,
    progress: Callable[[RunOutcome], None] | None = None,
    options: Sequence[str] = (),
) -> KillMatrix:
    """Run the reference server and every mutant, `jobs` targets at a time, each run with
    further `options` of `regconform run` when given."""
    started = time.monotonic()
    targets: list[Mutant | None] = [None, *mutants]
    outcomes: dict[int, RunOutcome] = {}
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        futures = {
            pool.submit(run_target, target, max_examples, seed, options): index
            for index, target in enumerate(targets)
        }
        for future in as_completed(futures):
            outcomes[futures[future]] = future.result()
            if progress is not None:
                progress(outcomes[futures[future]])
    ordered = [outcomes[index] for index in range(len(targets))]
    return KillMatrix(ordered[0], tuple(ordered[1:]), time.monotonic() - started)


def matrix_lines(matrix: KillMatrix) -> Iterable[str]:
    """The kill matrix as text: one row per mutant, then the score and false alarms."""
    rows = [
        (
            row.label,
            row.mutant.requirement if row.mutant else "",
            " ".join(row.flagged) or ("(error)" if row.error else "-"),
            "CAUGHT" if row.caught else "MISSED",
        )
        for row in matrix.rows
    ]
    widths = [
        max([len(header), *(len(row[i]) for row in rows)])
        for i, header in enumerate(("mutant", "breaks"))
    ]
    yield f"{'mutant':<{widths[0]}}  {'breaks':<{widths[1]}}  verdict  flagged (fail/warn)"
    for name, breaks, flagged, verdict in rows:
        yield f"{name:<{widths[0]}}  {breaks:<{widths[1]}}  {verdict:<7}  {flagged}"
    for row in (matrix.reference, *matrix.rows):
        if row.error:
            yield f"error in {row.label}: {row.error}"
    total = len(matrix.rows)
    score = f"{matrix.caught / total:.0%}" if total else "n/a"
    yield ""
    yield f"mutation score: {matrix.caught}/{total} caught ({score})"
    alarms = " ".join(matrix.false_alarms) or "none"
    yield f"reference server false alarms: {len(matrix.false_alarms)} ({alarms})"
    yield f"wall time: {matrix.seconds:.1f} s"
