"""Fixtures of the safety self-tests: a counting proxy in front of the reference server, and
runs of `regconform run` shared by several tests (each run costs seconds)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from faulty_server import FaultyServer
from safety_runs import TOKEN, Run, behind_proxy, in_parallel

from regconform.target.embedded import embedded_server

SEEDS = (7, 7, 8)  # the same seed twice, then another


@pytest.fixture
def proxied_reference() -> Iterator[FaultyServer]:
    """A fresh reference server behind a proxy that records every request it forwards."""
    with behind_proxy() as proxy:
        yield proxy


@pytest.fixture(scope="session")
def seeded_runs(tmp_path_factory: pytest.TempPathFactory) -> list[Run]:
    """Three runs (seeds 7, 7, 8), each against its own fresh `regconform serve --token
    <distinctive>`: fresh, since what the suite sends depends on what the server answered.
    Each run is a new interpreter with its own hash seed: one shared by both (a fork's) would
    hide requests that follow a set's iteration order."""
    with ExitStack() as stack:
        profiles = [stack.enter_context(embedded_server(("--token", TOKEN)))[1] for _ in SEEDS]
        calls = []
        for seed, profile in zip(SEEDS, profiles, strict=True):
            report_dir: Path = tmp_path_factory.mktemp(f"seed-{seed}")
            args = ("run", "--profile", profile, "--seed", str(seed), "--max-examples", "5")
            calls.append((args, {"report_dir": report_dir, "fresh": True}))
        return in_parallel(calls)
