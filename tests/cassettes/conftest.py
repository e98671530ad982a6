"""Fixtures of the cassette self-tests: recordings made once per session, servers stopped after."""

from __future__ import annotations

import pytest
from cassette_runs import MUTANT, TOKEN, Recorded, record

from regconform.mutants import get_mutant
from regconform.reference import ServerSettings, running_server


@pytest.fixture(scope="session")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    """A full default run recorded against a reference server whose token is TOKEN."""
    root = tmp_path_factory.mktemp("recorded")
    with running_server(ServerSettings(token=TOKEN)) as base_url:
        done = record(base_url, root / "cassettes", root / "reports")
    assert done.code == 0, done.explain()
    return Recorded(root / "cassettes", root / "reports", done)


@pytest.fixture(scope="session")
def mutant_recorded(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    """The course suite recorded against the shipped mutant that breaks CR-020."""
    mutant = get_mutant(MUTANT)
    root = tmp_path_factory.mktemp("mutant")
    settings = ServerSettings(token=TOKEN, semantics=mutant.semantics, wrap=mutant.wrap)
    with running_server(settings) as base_url:
        done = record(
            base_url, root / "cassettes", root / "reports", "--suite", "course_registrations"
        )
    assert done.code == 1, done.explain()
    return Recorded(root / "cassettes", root / "reports", done)
