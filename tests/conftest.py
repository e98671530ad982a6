"""Fixtures shared by the self-tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

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
FIRST = ("test_kill_matrix.py", "test_schemathesis_agrees.py", "test_browser.py")


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
    option.dist = "loadgroup"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests sharing a session or module fixture stay on one worker (else each worker would
    build it: the kill matrix twice); the costliest modules are handed out first."""
    for item in items:
        group = shared_fixture_group(item)
        if group and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=lambda item: FIRST.index(item.path.name) if item.path.name in FIRST else 99)


def shared_fixture_group(item: pytest.Item) -> str | None:
    """The group of the widest fixture of the self-tests this test shares: a session fixture's
    name, or the module of a module fixture; None if it shares none."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    scopes = {}
    for name in info.names_closure:
        for definition in info.name2fixturedefs.get(name, ()):
            if definition.baseid.startswith("tests") and definition.scope in ("session", "module"):
                scopes[definition.scope] = scopes.get(definition.scope) or name
    if "session" in scopes:
        return f"session-{scopes['session']}"
    if "module" in scopes:
        return f"module-{item.path.name}"
    return None
