"""Fixtures of the report self-tests: runs against a server that breaks one requirement."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from report_runs import Run, drops_one_field, regconform_run

from regconform.reference import ServerSettings, running_server


@pytest.fixture
def broken_server_url() -> Iterator[str]:
    """A fresh reference server whose course answers lack one required field."""
    with running_server(ServerSettings(wrap=drops_one_field)) as base_url:
        yield base_url


@pytest.fixture
def reference_server_url() -> Iterator[str]:
    """A fresh, conforming reference server."""
    with running_server(ServerSettings()) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def failing_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One run of every suite against a server that breaks one requirement alone."""
    with running_server(ServerSettings(wrap=drops_one_field)) as base_url:
        return regconform_run(base_url, tmp_path_factory.mktemp("failing-run"))
