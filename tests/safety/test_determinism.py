"""The seed decides what is sent: the same seed sends the same requests, byte for byte (the
request log's hash says so), another seed sends others."""

from __future__ import annotations

from safety_runs import Run


def test_same_seed_sends_the_same_requests(seeded_runs: list[Run]) -> None:
    """Two runs with seed 7, each against a fresh server, have identical request logs."""
    first, second, _ = seeded_runs
    assert first.code == second.code == 0, first.explain() + second.explain()
    digest = first.report()["request_log_sha256"]
    assert second.report()["request_log_sha256"] == digest
    assert first.report()["requests_sent"] == second.report()["requests_sent"] > 0
    assert f"request log sha256 {digest[:16]}" in first.stdout  # the summary names it


def test_another_seed_sends_other_requests(seeded_runs: list[Run]) -> None:
    """A run with seed 8 sends other requests than the runs with seed 7."""
    first, _, other = seeded_runs
    assert other.code == 0, other.explain()
    assert other.report()["request_log_sha256"] != first.report()["request_log_sha256"]
