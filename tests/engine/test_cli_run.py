"""`regconform run` end to end: the embedded default (bad input: tests/safety/test_bad_input.py)."""

from __future__ import annotations

from pathlib import Path

from runner import regconform


def test_run_without_target_is_green_against_the_embedded_server(tmp_path: Path) -> None:
    """With no target, the reference server is started and every requirement passes, the
    read-back ones included (none is left not exercised)."""
    done = regconform("run", report_dir=tmp_path, token=None)  # no token: the run picks its own
    assert done.code == 0, done.explain()
    assert "testing the embedded reference server" in done.stdout
    assert "regconform: requirements" in done.stdout
    record = done.report()
    verdicts = {r["verdict"] for r in record["requirements"].values() if r["kind"] == "server"}
    assert verdicts == {"pass"}
    bought = record["requests_per_requirement"]  # requests per requirement, for any plan
    assert record["plan"] == "full" and sum(bought.values()) >= record["requests_sent"] > 300
    assert all(record["requirements"][rid]["requests"] == n for rid, n in bought.items())
    # What is stored, read back through the fixture profile's read paths: judged, not skipped.
    for rid in ("CR-048", "CR-049", "ETR-020", "ETR-021"):
        assert record["requirements"][rid]["checked"] > 0, rid
    assert record["incomplete"] == []
