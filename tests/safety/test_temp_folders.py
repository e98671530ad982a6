"""Nothing is left in the temporary folder: not by a run against the embedded reference server,
nor by `regconform serve` once it is stopped."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

import runner


def ours(temp: Path) -> list[str]:
    """regconform's entries in a temporary folder (`regconform-run-…`, `regconform-serve-…`)."""
    return sorted(entry.name for entry in temp.iterdir() if entry.name.startswith("regconform"))


def private_temp(tmp_path: Path) -> tuple[Path, dict[str, str | None]]:
    """A temporary folder of the test's own (the child's TMPDIR, added to its environment by
    the runner), so no other process's entries count."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    return temp, {"TMPDIR": str(temp)}


@pytest.mark.parametrize("xdg", ["absolute", "relative"])
def test_run_against_the_embedded_server_leaves_no_temporary_folder(
    tmp_path: Path, xdg: str
) -> None:
    """`regconform run` with no target removes the embedded server's folder when it stops, and
    keeps hypothesis's cache in the user's cache folder: XDG_CACHE_HOME, or ~/.cache when that
    is not an absolute path (the XDG spec: ignore it), never the working folder."""
    temp, env = private_temp(tmp_path)
    cache = tmp_path / "cache" if xdg == "absolute" else tmp_path / "home" / ".cache"
    given = str(cache) if xdg == "absolute" else "cache"  # relative: the working folder's
    env |= {"XDG_CACHE_HOME": given, "HOME": str(tmp_path / "home")}
    env |= {"HYPOTHESIS_STORAGE_DIRECTORY": None}
    before = ours(temp)
    done = runner.regconform(
        *("run", "--suite", "shared", "--max-examples", "1"),
        *("--report-dir", tmp_path / "reports"),
        cwd=tmp_path,
        env=env,
        timeout=180,
    )
    assert done.code == 0, done.stdout[-3000:] + done.stderr
    assert "testing the embedded reference server" in done.stdout
    assert ours(temp) == before == []
    # nothing in the working folder but the reports: hypothesis's cache went to the user's
    left = {p.name for p in tmp_path.iterdir()} - {temp.name, cache.relative_to(tmp_path).parts[0]}
    assert left == {"reports"}, left
    assert (cache / "regconform" / "hypothesis").is_dir()


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_serve_leaves_no_temporary_folder_when_stopped(tmp_path: Path, stop: int) -> None:
    """`regconform serve` writes its profile to a temporary folder and removes it on stopping."""
    temp, env = private_temp(tmp_path)
    before = ours(temp)
    with runner.served(env=env) as server:
        profile = server.profile
        assert profile.is_file() and profile.parent.parent == temp, server
        server.process.send_signal(stop)
        assert server.process.wait(20) == 0
    assert ours(temp) == before == []
