"""Recording is held to the transport's limits too. vcrpy reads an answer whole, before the
transport sees a byte of it, to put it in the cassette; the 5 MB cap has to stop it there."""

from __future__ import annotations

from pathlib import Path

from faulty_server import HUGE_BODY_BYTES, FaultyServer
from safety_runs import TRACEBACK, regconform, write_profile

from regconform.target.probe import PROBE_BODY
from regconform.target.transport import MAX_BODY_BYTES


def test_an_oversized_answer_fails_the_recording_and_stays_out_of_the_cassettes(
    tmp_path: Path,
) -> None:
    """A 10 MB answer: the run stops on the cap, as it does without recording, and no cassette
    holds the answer (before the fix each one that met it held all 10 MB)."""
    folder = tmp_path / "cassettes"
    with FaultyServer("huge") as server:
        profile = write_profile(tmp_path / "profile.toml", server.url)
        run = regconform(
            *("run", "--profile", profile, "--record", "--cassettes", folder),
            *("--timeout", "5", "--max-examples", "2"),
        )
        puts = len([put for put in server.puts() if put.body != PROBE_BODY])  # the tests' PUTs
    assert run.code == 1, run.explain()
    assert "response body exceeds 5 MB" in run.output and TRACEBACK not in run.output
    assert puts == 2  # the breaker stops the run after two failures, as it does when not recording
    sizes = {p.name: p.stat().st_size for p in folder.rglob("*.yaml")}
    assert sizes and max(sizes.values()) < MAX_BODY_BYTES < HUGE_BODY_BYTES, sizes
