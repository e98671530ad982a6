"""Fixtures shared by the self-tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from regconform.reference import ServerSettings, running_server
from regconform.reference.fixtures import DEFAULT_TOKEN


@pytest.fixture
def reference_url() -> Iterator[str]:
    """The base URL of a fresh reference server (in-memory database, default token)."""
    with running_server(ServerSettings()) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def shared_reference_url() -> Iterator[str]:
    """One reference server per test module, for tests whose requests change nothing others need."""
    with running_server(ServerSettings()) as base_url:
        yield base_url


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """A keep-alive session that sends the reference server's default token."""
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {DEFAULT_TOKEN}"
        yield session


# -- how the self-tests share two cores (pytest-xdist) ------------------------------------------
# The README's `python -m pytest` runs the self-tests on DEFAULT_WORKERS workers unless told
# otherwise (`-n 0` runs them in one process). Set here, not in pyproject's addopts: that file
# is also the pytest configuration of `regconform run` and `pytest suites`, which must stay
# sequential unless a user asks (a staging server should not get workers by surprise).
DEFAULT_WORKERS = 2
# Self-tests that cost the most run first (longest first: the last worker to finish decides the
# wall time); the kill matrix alone keeps two cores busy for minutes.
FIRST = (
    "test_kill_matrix.py",
    "test_false_alarm_matrix.py",
    "test_schemathesis_agrees.py",
    "test_browser.py",
)
# Folders whose modules share a session fixture: one worker takes the whole folder, so the
# fixture is built once (tests/cassettes: one recorded default run). Elsewhere a module is the
# unit of work, so module fixtures (the kill matrix) are built once too.
ONE_WORKER_FOLDERS = ("tests/cassettes/",)


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Distribute the self-tests when nobody chose: `-n`, `-p no:xdist`, --pdb all win."""
    option = config.option
    if hasattr(config, "workerinput") or os.environ.get("PYTEST_XDIST_WORKER"):
        return  # an xdist worker runs this hook too: it must never start workers of its own
    if getattr(option, "numprocesses", "absent") is not None or config.getoption("usepdb"):
        return
    if config.getoption("collectonly") or getattr(option, "dist", "no") != "no":
        return
    option.numprocesses = DEFAULT_WORKERS
    option.dist = "loadscope"
    # Keep FIRST's order: xdist (>= 3.7) otherwise hands out the modules with the most tests
    # first, and the kill matrix (8 tests, minutes) started three minutes in, the run's tail.
    option.loadscopereorder = False


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Modules as units of work, a folder sharing a session fixture as one (xdist's loadgroup
    cannot be used: with pytest 9 the group never reaches the node ids it schedules by)."""
    if config.option.dist != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedFixtureScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return next((f for f in ONE_WORKER_FOLDERS if path.startswith(f)), path)

    return SharedFixtureScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The costliest modules are handed out first."""
    items.sort(key=lambda item: FIRST.index(item.path.name) if item.path.name in FIRST else 99)
