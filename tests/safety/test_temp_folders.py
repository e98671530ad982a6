"""Nothing is left in the temporary folder: not by a run against the embedded reference server,
nor by `regconform serve` once it is stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest


def ours(temp: Path) -> list[str]:
    """regconform's entries in a temporary folder (`regconform-run-…`, `regconform-serve-…`)."""
    return sorted(entry.name for entry in temp.iterdir() if entry.name.startswith("regconform"))


def private_temp(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A temporary folder of the test's own (TMPDIR), so no other process's entries count."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    return temp, {**os.environ, "TMPDIR": str(temp)}


def test_run_against_the_embedded_server_leaves_no_temporary_folder(tmp_path: Path) -> None:
    """`regconform run` with no target removes the embedded server's folder when it stops."""
    temp, env = private_temp(tmp_path)
    before = ours(temp)
    done = subprocess.run(
        [
            *(sys.executable, "-m", "regconform", "run", "--suite", "shared"),
            *("--max-examples", "1", "--report-dir", str(tmp_path / "reports")),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    assert "testing the embedded reference server" in done.stdout
    assert ours(temp) == before == []


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_serve_leaves_no_temporary_folder_when_stopped(tmp_path: Path, stop: int) -> None:
    """`regconform serve` writes its profile to a temporary folder and removes it on stopping."""
    temp, env = private_temp(tmp_path)
    before = ours(temp)
    server = subprocess.Popen(
        [sys.executable, "-m", "regconform", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        announced = [server.stdout.readline().strip() for _ in range(2)]
        profile = Path(announced[1].removeprefix("profile: "))
        assert profile.is_file() and profile.parent.parent == temp, announced
        server.send_signal(stop)
        assert server.wait(20) == 0
    finally:
        server.kill()
        server.wait()
    assert ours(temp) == before == []
