"""`python -m regconform ARGS` without its start-up: children of one parent that imported once.

The matrices start a `regconform serve` and a `regconform run` per target, about 250 processes,
and each spent most of a second of CPU importing pytest, hypothesis, schemathesis and starlette
before doing anything. Here multiprocessing's forkserver (stdlib) imports them once; every child
is a fork of it that runs `python -m regconform ARGS` itself (runpy), with its own environment,
working folder and output file. A child still sees only what a user's process would: its
arguments, its environment, files and HTTP; the matrices still judge it by its report.json.

What a fork cannot give is a new interpreter: every child shares the forkserver's hash seed
(PYTHONHASHSEED), and what Python reads only at start-up (PYTHONWARNINGS, say) is the
forkserver's. The self-tests' runner forks its `regconform` children too (tests/runner.py); a
test about those starts a process of its own.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import runpy
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

# What `regconform run` and `regconform serve` import before they do anything: the libraries,
# regconform's command and plugin with the modules the suites import, and (pytest_plugins) the
# plugins pytest loads at its start. Each module left out here costs every child its import:
# with only the libraries, a kill-matrix child spent a third of its time importing.
PRELOAD = (
    "pytest",
    "hypothesis",
    "hypothesis.stateful",
    "schemathesis",
    "schemathesis.specs.openapi.schemas",
    "starlette.applications",
    "uvicorn",
    "requests",
    "werkzeug.test",
    "regconform.reference.app",
    "regconform.run.cli",
    "regconform.run.command",
    "regconform.run.plugin.activation",
    "regconform.cassettes.command",
    "regconform.harness.controls",
    "regconform.harness.models",
    "regconform.harness.sequences",
    "regconform.strategies.course",
    "regconform.strategies.event_track",
)


def pytest_plugins() -> list[str]:
    """The modules of the plugins every pytest session loads here: pytest's own and the
    environment's `pytest11` entry points (xdist, schemathesis, hypothesis, regconform's)."""
    from importlib.metadata import entry_points

    from _pytest.config import default_plugins  # a tuple of names, the same since pytest 3

    return [f"_pytest.{name}" for name in default_plugins] + [
        entry.module for entry in entry_points(group="pytest11")
    ]


@functools.cache
def _forkserver() -> multiprocessing.context.ForkServerContext:
    """multiprocessing's forkserver context, told what to preload when the first child is
    asked for (reading the entry points costs every importer of this module otherwise). A
    module that fails to import is passed over by the forkserver, and imported by the child."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([*PRELOAD, *pytest_plugins()])
    return context


def _ends_with(parent: int) -> None:
    """A child's parent is the forkserver, which outlives a killed caller: the child watches
    the process that asked for it instead, and ends when that is gone (no server left behind)."""

    def watch() -> None:
        while True:
            time.sleep(0.5)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _regconform_main(
    argv: Sequence[str], env: Mapping[str, str], stdout: str, stderr: str, cwd: str, parent: int
) -> None:
    """In the child: become `python -m regconform ARGV` writing to the files `stdout` and
    `stderr` (one file when they are the same), then exit with its exit status (SystemExit,
    which multiprocessing turns into the exit code); end early if `parent` dies."""
    _ends_with(parent)
    for fileno, path in ((1, stdout), (2, stderr)):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(fd, fileno)
        os.close(fd)
    sys.stdout = open(1, "w", encoding="utf-8", buffering=1, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", buffering=1, closefd=False)  # noqa: SIM115
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    tempfile.tempdir = None  # the forkserver's cached TMPDIR is not the child's
    # A PYTHONPATH of the child's own (a scratch plugin, say) goes first on its sys.path: the
    # forkserver's was fixed when it started. It adds modules; it cannot replace the preloaded
    # ones (another checkout's regconform would mix two versions).
    extra = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p not in sys.path]
    sys.path[:0] = extra
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    sys.argv = ["regconform", *argv]
    runpy.run_module("regconform", run_name="__main__", alter_sys=True)


class Child:
    """A running `regconform ARGS` child, with the parts of subprocess.Popen the matrices use."""

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        stdout: Path,
        stderr: Path | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.stdout = stdout
        for path in {stdout, stderr or stdout}:
            path.write_text("")  # a reused folder must not show an earlier child's output
        paths = (str(stdout), str(stderr or stdout))
        self._process = _forkserver().Process(
            target=_regconform_main,
            args=(list(argv), dict(env), *paths, str(cwd or Path.cwd()), os.getpid()),
            daemon=False,
        )
        self._process.start()
        self.pid = self._process.pid

    def poll(self) -> int | None:
        return self._process.exitcode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        code = self._process.exitcode
        if code is None:
            raise subprocess.TimeoutExpired("regconform", timeout or 0.0)
        return code

    def terminate(self) -> None:
        self._process.terminate()

    def kill(self) -> None:
        self._process.kill()

    def first_line(self, timeout: float) -> str:
        """The first whole line the child wrote, or '' when none came within `timeout` s or
        the child ended first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ended = self.poll() is not None  # before the read: a last line written is seen
            text = self.stdout.read_text(encoding="utf-8", errors="replace")
            if "\n" in text:
                return text.split("\n", 1)[0] + "\n"
            if ended:
                return ""
            time.sleep(0.01)
        return ""


def run(
    argv: Sequence[str],
    env: Mapping[str, str],
    output: Path,
    timeout: float,
    stderr: Path | None = None,
    cwd: Path | None = None,
) -> int:
    """`regconform ARGV` to its end, writing to `output` (stderr apart when given), from `cwd`:
    the exit status (subprocess.TimeoutExpired after `timeout` s, the child killed)."""
    child = Child(argv, env, output, stderr, cwd)
    try:
        return child.wait(timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        raise
