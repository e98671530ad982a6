"""Helpers of the safety self-tests: `regconform` runs with the safety token, and targets.

Imported by name: pytest puts this folder on sys.path before importing its conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import tomli_w
from faulty_server import FaultyServer

import runner
from regconform.reference import ServerSettings, running_server
from regconform.reference.fixtures import fixture_profile
from runner import Env, Run

REPO, TRACEBACK = runner.REPO, runner.TRACEBACK  # importable from here, as they were

# Distinctive, so a leak anywhere is found by a plain substring search.
TOKEN = "tok-7Qx9-distinctive-SAFETY-credential"


def regconform(
    *args: str | Path,
    env: Env | None = None,
    timeout: float = 180,
    report_dir: Path | None = None,
    fresh: bool = False,
) -> Run:
    """`runner.regconform` with TOKEN as the token (the servers here accept it)."""
    return runner.regconform(
        *args, env=env, timeout=timeout, report_dir=report_dir, token=TOKEN, fresh=fresh
    )


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
