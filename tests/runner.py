"""The one way the self-tests start a child process: `regconform`, `pytest`, `python` or a tool.

Every child runs from the repository root (unless a test names another `cwd`, such as a scratch
project outside the repository), and sees this environment (built in `child_env`, nowhere else):

1. the environment of the process running the self-tests,
2. minus every `REGCONFORM_*` variable and `PYTEST_ADDOPTS`: a developer's shell (or an
   in-process replay, which sets REGCONFORM_REPLAY_TOKEN) must not steer a self-test, and the
   options of the pytest running the self-tests are not for the pytest under test,
3. plus REGCONFORM_TOKEN set to `token`: by default the reference server's DEFAULT_TOKEN,
   which every fresh reference server accepts; `token=None` leaves it unset,
4. plus `env`, applied last: a value of None unsets that variable.

`regconform("run", ...)` and `pytest_run(...)` write their reports to `report_dir`, by default a
fresh temporary folder (removed when the test process exits), never the repository's reports/;
a `--report-dir` among the arguments is used as given.

`regconform(...)` forks its child from a process that imported pytest, hypothesis,
schemathesis and regconform once (regconform.mutants.forked, as the matrices do): the same
command, arguments, environment, working folder, exit status and output, without half a second
of imports per child (about 150 children a session).
A fork shares one interpreter's start: the same hash seed in every child, and what Python reads
only at start-up (PYTHON* variables) is the forkserver's. A test about those passes
`fresh=True` and gets a new interpreter (a test comparing two runs' requests, say: each run's
own hash seed is what shows an order that depends on it).

`started(...)` is for a test that steers a child while it runs (a signal, say): the process
itself, its stdout and stderr piped, under the same environment policy.

Imported as `import runner` from any test module, in any folder under tests/: tests/ has a
conftest.py and no __init__.py, so pytest (in its default "prepend" import mode) puts tests/ on
sys.path when it loads that conftest.py, before it imports any test module below it.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NamedTuple

from regconform.mutants import forked
from regconform.reference.fixtures import DEFAULT_TOKEN, TOKEN_ENV

REPO = Path(__file__).resolve().parents[1]
TRACEBACK = "Traceback (most recent call last)"
DROPPED_PREFIX = "REGCONFORM_"
DROPPED = ("PYTEST_ADDOPTS",)

Env = Mapping[str, str | None]


@dataclass(frozen=True)
class Run:
    """A finished child process: its exit code, what it printed, and how long it took."""

    code: int
    stdout: str
    stderr: str
    wall: float = 0.0  # seconds, start to exit
    report_dir: Path | None = None  # where a `run` (or pytest of the suites) wrote its reports
    command: tuple[str, ...] = ()

    @property
    def output(self) -> str:
        """Everything the process printed: stdout, then stderr."""
        return self.stdout + self.stderr

    @property
    def one_line_error(self) -> bool:
        """stderr is one non-empty line (a usage error) and nothing printed a traceback.

        A property, not a method: `assert run.one_line_error` must be able to fail.
        """
        text = self.stderr.strip()
        return bool(text) and "\n" not in text and "Traceback" not in self.output

    def report(self) -> dict[str, Any]:
        """The run's report.json."""
        assert self.report_dir is not None, "this command wrote no reports"
        record: dict[str, Any] = json.loads((self.report_dir / "report.json").read_text())
        return record

    def explain(self) -> str:
        """For an assertion message: the command, its exit code, and the end of its output."""
        shown = " ".join(
            Path(part).name if part == sys.executable else part for part in self.command
        )
        return (
            f"`{shown}` exited {self.code} after {self.wall:.1f} s\n"
            f"{self.stdout[-4000:]}\n--- stderr ---\n{self.stderr[-2000:]}"
        )


def child_env(token: str | None = DEFAULT_TOKEN, env: Env | None = None) -> dict[str, str]:
    """The environment of a child process, by the policy in this module's docstring."""
    merged = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(DROPPED_PREFIX) and name not in DROPPED
    }
    if token is not None:
        merged[TOKEN_ENV] = token
    for name, value in (env or {}).items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


def command(
    *argv: str | Path,
    env: Env | None = None,
    timeout: float = 300,
    token: str | None = DEFAULT_TOKEN,
    report_dir: Path | None = None,
    cwd: Path | None = None,
) -> Run:
    """Run `argv` from the repository root (or `cwd`) to its end (at most `timeout` seconds);
    `report_dir` is only recorded in the result, for `Run.report()`."""
    args = tuple(map(str, argv))
    started = time.monotonic()
    done = subprocess.run(
        args,
        cwd=cwd or REPO,
        env=child_env(token, env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    wall = time.monotonic() - started
    return Run(done.returncode, done.stdout, done.stderr, wall, report_dir, args)


def python(
    *args: str | Path,
    env: Env | None = None,
    timeout: float = 300,
    token: str | None = DEFAULT_TOKEN,
    cwd: Path | None = None,
) -> Run:
    """`python ARGS` with this interpreter (the project's venv)."""
    return command(sys.executable, *args, env=env, timeout=timeout, token=token, cwd=cwd)


def regconform(
    *args: str | Path,
    env: Env | None = None,
    timeout: float = 300,
    report_dir: Path | None = None,
    token: str | None = DEFAULT_TOKEN,
    cwd: Path | None = None,
    fresh: bool = False,
) -> Run:
    """`python -m regconform ARGS` (forked unless `fresh`, see above); a `run` writes its
    reports to `report_dir` (see above)."""
    if args[:1] != ("run",):
        assert report_dir is None, "only `regconform run` writes reports"
        return _forked_or_fresh(tuple(map(str, args)), env, timeout, token, None, cwd, fresh)
    flag, report_dir = _report_dir(args, report_dir)
    argv = tuple(map(str, ("run", *flag, *args[1:])))
    return _forked_or_fresh(argv, env, timeout, token, report_dir, cwd, fresh)


def pytest_run(
    *args: str | Path,
    env: Env | None = None,
    timeout: float = 300,
    report_dir: Path | None = None,
    token: str | None = DEFAULT_TOKEN,
) -> Run:
    """`python -m pytest -p no:cacheprovider ARGS`, reports to `report_dir` (see above): the
    regconform plugin is an installed pytest11 entry point, so every pytest here takes the flag.
    A new interpreter: a forked pytest would warn that the plugins it loads (hypothesis,
    schemathesis) were imported before it could rewrite their asserts."""
    flag, report_dir = _report_dir(args, report_dir, "--regconform-report-dir")
    return command(
        *(sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args, *flag),
        env=env,
        timeout=timeout,
        token=token,
        report_dir=report_dir,
    )


def _forked_or_fresh(
    args: Sequence[str],
    env: Env | None,
    timeout: float,
    token: str | None,
    report_dir: Path | None,
    cwd: Path | None,
    fresh: bool,
) -> Run:
    """`python -m regconform ARGS` to its end: a new interpreter when `fresh`, else a fork."""
    argv = (sys.executable, "-m", "regconform", *args)
    if fresh:
        return command(*argv, env=env, timeout=timeout, token=token, report_dir=report_dir, cwd=cwd)
    folder = Path(tempfile.mkdtemp(prefix="child-", dir=_scratch()))
    stdout, stderr = folder / "stdout", folder / "stderr"
    started = time.monotonic()
    code = forked.run(args, child_env(token, env), stdout, timeout, stderr, cwd or REPO)
    wall = time.monotonic() - started
    printed = (path.read_text(encoding="utf-8") for path in (stdout, stderr))
    return Run(code, *printed, wall, report_dir, argv)


def _report_dir(
    args: Sequence[str | Path], report_dir: Path | None, option: str = "--report-dir"
) -> tuple[list[str], Path]:
    """The flag to add (none if `args` name a folder already) and the report folder."""
    for index, arg in enumerate(map(str, args)):
        given = None
        if arg == option and index + 1 < len(args):
            given = str(args[index + 1])
        elif arg.startswith(f"{option}="):
            given = arg.removeprefix(f"{option}=")
        if given is not None:
            assert report_dir is None, "the report folder is given twice"
            return [], Path(given)
    folder = report_dir or Path(tempfile.mkdtemp(prefix="run-", dir=_scratch()))
    return [option, str(folder)], folder


@functools.cache
def _scratch() -> Path:
    """One temporary folder for this process's default report folders, removed at its exit."""
    folder = Path(tempfile.mkdtemp(prefix="regconform-selftest-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


@contextmanager
def started(
    *argv: str | Path,
    env: Env | None = None,
    token: str | None = DEFAULT_TOKEN,
    cwd: Path | None = None,
) -> Iterator[subprocess.Popen[str]]:
    """`argv` started from the repository root (or `cwd`), stdout and stderr piped, yielded as it
    runs, for the test to steer and collect (`communicate()`); killed on leaving if it still
    runs."""
    with subprocess.Popen(
        list(map(str, argv)),
        cwd=cwd or REPO,
        env=child_env(token, env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


class Served(NamedTuple):
    """A running `regconform serve`: the process, and the URL and profile it announced."""

    process: subprocess.Popen[str]
    base_url: str
    profile: Path


@contextmanager
def served(
    *args: str | Path,
    env: Env | None = None,
    token: str | None = DEFAULT_TOKEN,
    startup: float = 20,
) -> Iterator[Served]:
    """`python -m regconform serve ARGS` in a child process, yielded once it has announced its
    URL and profile; killed on leaving if it still runs (a test may stop it itself first)."""
    argv = [sys.executable, "-m", "regconform", "serve", *map(str, args)]
    with (
        tempfile.TemporaryFile("w+") as errors,
        subprocess.Popen(
            argv,
            cwd=REPO,
            env=child_env(token, env),
            stdout=subprocess.PIPE,
            stderr=errors,  # a file, not a pipe: a chatty server can never block on it
            text=True,
        ) as process,
    ):
        try:
            first, second = _first_lines(process, 2, startup)
            said = f"serve printed {first!r}, {second!r} (in {startup} s, or before it ended)"
            assert first.startswith("base_url: "), f"{said}; stderr: {_read(errors)}"
            assert second.startswith("profile: "), f"{said}; stderr: {_read(errors)}"
            base_url, profile = first.removeprefix("base_url: "), second.removeprefix("profile: ")
            yield Served(process, base_url, Path(profile))
        finally:
            if process.poll() is None:
                process.kill()


def _first_lines(process: subprocess.Popen[str], count: int, timeout: float) -> list[str]:
    """The first `count` lines a process prints within `timeout` seconds ("" for each line not
    printed by then, or after it ended): read on a thread, since a pipe read cannot time out."""
    printed: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for _ in range(count):
            printed.append(process.stdout.readline().strip())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    return (printed + [""] * count)[:count]


def _read(file: IO[str]) -> str:
    file.seek(0)
    return file.read()
