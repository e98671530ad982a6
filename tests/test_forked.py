"""Forked children behave as `python -m regconform ARGS` would: exit status, output, environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
    server = forked.Child(["serve", "--port", "0", "--with-parent"], env, out)
    try:
        assert server.first_line(30).startswith("base_url: ")
        assert any(p.name.startswith("regconform-") for p in private.iterdir())
    finally:
        server.terminate()
        server.wait(10)
