"""Fixtures shared by the self-tests."""

from __future__ import annotations

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
