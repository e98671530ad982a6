"""Forked children behave as `python -m regconform ARGS` would: exit status, output, environment."""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path

import pytest
import requests

import runner
from regconform import __version__
from regconform.mutants import forked


def test_a_forked_child_exits_and_writes_as_the_command_does(tmp_path: Path) -> None:
    """`--version` prints the version and exits 0; an unknown command is one line and exit 4."""
    out = tmp_path / "version.log"
    assert forked.run(["--version"], dict(os.environ), out, timeout=60) == 0
    assert __version__ in out.read_text()
    bad = tmp_path / "bad.log"
    assert forked.run(["no-such-command"], dict(os.environ), bad, timeout=60) == 4
    assert bad.read_text().count("\n") == 1


def test_a_forked_child_has_the_environment_it_was_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child's environment is the one passed, not the parent's: a run without the token
    variable stops at once saying so (exit 4), though the parent has it set."""
    env = {k: v for k, v in os.environ.items() if k != "REGCONFORM_TOKEN"}
    monkeypatch.setenv("REGCONFORM_TOKEN", "the-parent's")
    out = tmp_path / "run.log"
    args = ["run", "--base-url", "http://127.0.0.1:9", "--report-dir", str(tmp_path)]
    code = forked.run(args, env, out, timeout=60)
    assert code == 4
    assert "REGCONFORM_TOKEN is not set" in out.read_text()


def test_a_forked_child_uses_its_own_temporary_folder(tmp_path: Path) -> None:
    """TMPDIR is read in the child (the parent's choice is cached by tempfile): `serve` with a
    private TMPDIR writes its profile folder there."""
    private = tmp_path / "tmp"
    private.mkdir()
    env = {**os.environ, "TMPDIR": str(private)}
    out = tmp_path / "serve.out"
    server = forked.Child(["serve", "--port", "0"], env, out)
    try:
        assert server.first_line(30).startswith("base_url: ")
        assert any(p.name.startswith("regconform-") for p in private.iterdir())
    finally:
        server.terminate()
        server.wait(10)


def test_a_forked_server_stops_when_the_process_that_asked_for_it_is_killed(
    tmp_path: Path,
) -> None:
    """The forkserver outlives a killed caller; the server it forked must not: a helper
    process starts one through `served` and is SIGKILLed, and the server is gone soon after."""
    script = tmp_path / "asker.py"
    script.write_text(
        "import sys, time\n"
        "from pathlib import Path\n"
        "from regconform.mutants.killmatrix import served\n"
        "if __name__ == '__main__':\n"
        "    with served(None, Path(sys.argv[1])) as (url, _):\n"
        "        print(url, flush=True)\n"
        "        time.sleep(600)\n"
    )
    with runner.started(sys.executable, script, tmp_path) as asker:
        assert asker.stdout is not None
        url = asker.stdout.readline().strip()
        assert requests.get(url, timeout=5).status_code
        asker.kill()
        asker.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            return  # refused, or cut off mid-answer as it went
        time.sleep(0.2)
    raise AssertionError(f"{url} still answers 10 s after its asker was killed")


def test_every_module_the_forkserver_preloads_is_found() -> None:
    """The forkserver passes over a module it cannot import (the child imports it itself), so a
    misspelt name here would only make every child slower, silently."""
    names = [*forked.PRELOAD, *forked.pytest_plugins()]
    missing = [name for name in names if importlib.util.find_spec(name) is None]
    assert missing == []
    assert "regconform.run.plugin" in names and "_pytest.junitxml" in names
