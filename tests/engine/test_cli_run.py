"""`regconform run` end to end: the embedded default, an unreachable target, bad options."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

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
    """With no target, the reference server is started and every requirement passes."""
    done = regconform("run", "--report-dir", str(tmp_path))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "testing the embedded reference server" in done.stdout
    assert "regconform: requirements" in done.stdout
    record = json.loads((tmp_path / "report.json").read_text())
    verdicts = {r["verdict"] for r in record["requirements"].values() if r["kind"] == "server"}
    assert verdicts == {"pass"}


def test_unreachable_target_exits_4_in_one_line_within_10_s(tmp_path: Path) -> None:
    """A profile naming a port nobody listens on: exit 4, one line, well within 10 s."""
    profile = tmp_path / "p.toml"
    profile.write_text(
        'base_url = "http://127.0.0.1:9"\n[course_registrations]\n'
        'tenant_id = "a"\nregistration_ids = ["b"]\n'
    )
    started = time.monotonic()
    done = regconform("run", "--profile", str(profile), env={"REGCONFORM_TOKEN": "x"}, timeout=30)
    assert time.monotonic() - started < 10
    assert done.returncode == 4
    assert done.stderr.strip().count("\n") == 0
    assert "cannot reach http://127.0.0.1:9" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--profile", "/nonexistent/p.toml"], "does not exist"),
        (["--base-url", "not-a-url"], "not an http"),
    ],
)
def test_bad_options_exit_4_in_one_line(args: list[str], message: str) -> None:
    """A bad profile path or URL is a one-line usage error."""
    done = regconform("run", *args, env={"REGCONFORM_TOKEN": "x"}, timeout=60)
    assert done.returncode == 4
    assert message in done.stderr and done.stderr.strip().count("\n") == 0
