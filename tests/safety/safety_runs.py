"""Helpers of the safety self-tests: `regconform run` as a subprocess, and target profiles.

Imported by name: pytest puts this folder on sys.path before importing its conftest.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w
from faulty_server import FaultyServer

from regconform.reference import ServerSettings, running_server
from regconform.reference.fixtures import TOKEN_ENV, fixture_profile

REPO = Path(__file__).resolve().parents[2]
# Distinctive, so a leak anywhere is found by a plain substring search.
TOKEN = "tok-7Qx9-distinctive-SAFETY-credential"
TRACEBACK = "Traceback (most recent call last)"


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    wall: float  # seconds, start to exit
    report_dir: Path | None = None

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def report(self) -> dict[str, Any]:
        assert self.report_dir is not None
        record: dict[str, Any] = json.loads((self.report_dir / "report.json").read_text())
        return record

    def explain(self) -> str:
        tail = f"{self.stdout[-4000:]}\n{self.stderr[-2000:]}"
        return f"exit {self.code} after {self.wall:.1f} s\n{tail}"


def regconform(
    *args: str | Path,
    env: dict[str, str | None] | None = None,
    timeout: float = 180,
    report_dir: Path | None = None,
) -> Run:
    """Run `regconform` with `args` (a `run` writes its reports to `report_dir`, by default a
    fresh temporary folder: never the repository's reports/); env values of None unset."""
    merged = {**os.environ, TOKEN_ENV: TOKEN}
    for name, value in (env or {}).items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    if args[:1] == ("run",):
        report_dir = report_dir or Path(tempfile.mkdtemp(prefix="regconform-safety-"))
    # right after the command: after a `--`, it would go to pytest
    extra = ["--report-dir", str(report_dir)] if report_dir else []
    command, *rest = map(str, args)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "regconform", command, *extra, *rest],
        cwd=REPO,
        env=merged,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr, time.monotonic() - started, report_dir)


def in_parallel(calls: Sequence[tuple[Any, ...]], workers: int = 3) -> list[Run]:
    """Several `regconform(*args, **kwargs)` runs at once; calls are (args, kwargs) pairs."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(regconform, *args, **kwargs) for args, kwargs in calls]
        return [future.result() for future in futures]


def write_profile(path: Path, base_url: str, **sections: dict[str, Any]) -> Path:
    """The reference fixtures' profile at `base_url`, with `sections` replacing its tables."""
    raw = fixture_profile(base_url)
    for name, table in sections.items():
        raw[name] = table
    path.write_text(tomli_w.dumps(raw), encoding="utf-8")
    return path


@contextmanager
def behind_proxy(fault: str = "forward", **options: Any) -> Iterator[FaultyServer]:
    """A fresh reference server (accepting TOKEN) behind a FaultyServer that forwards to it."""
    with (
        running_server(ServerSettings(token=TOKEN)) as base_url,
        FaultyServer(fault, base_url, **options) as proxy,
    ):
        yield proxy
