"""`regconform run` end to end: the embedded default (bad input: tests/safety/test_bad_input.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def regconform(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    merged = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "regconform", *args],
        cwd=REPO,
        env=merged,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_run_without_target_is_green_against_the_embedded_server(tmp_path: Path) -> None:
    """With no target, the reference server is started and every requirement passes, the
    read-back ones included (none is left not exercised)."""
    done = regconform("run", "--report-dir", str(tmp_path))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "testing the embedded reference server" in done.stdout
    assert "regconform: requirements" in done.stdout
    record = json.loads((tmp_path / "report.json").read_text())
    verdicts = {r["verdict"] for r in record["requirements"].values() if r["kind"] == "server"}
    assert verdicts == {"pass"}
    # What is stored, read back through the fixture profile's read paths: judged, not skipped.
    for rid in ("CR-048", "CR-049", "ETR-020", "ETR-021"):
        assert record["requirements"][rid]["checked"] > 0, rid
    assert record["incomplete"] == []
