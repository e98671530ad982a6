"""The shared runner of the self-tests: what a child process sees, and where its reports go."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import runner
from regconform.reference.fixtures import DEFAULT_TOKEN, TOKEN_ENV


def test_child_env_drops_regconform_settings_and_sets_the_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """REGCONFORM_* and PYTEST_ADDOPTS of the parent never reach a child; the token is the
    reference server's unless given; `env` comes last, None unsetting."""
    monkeypatch.setenv("REGCONFORM_BASE_URL", "http://stray.invalid")
    monkeypatch.setenv("PYTEST_ADDOPTS", "-k nothing")
    monkeypatch.setenv("KEPT_BY_RUNNER", "yes")
    env = runner.child_env()
    assert "REGCONFORM_BASE_URL" not in env and "PYTEST_ADDOPTS" not in env
    assert env[TOKEN_ENV] == DEFAULT_TOKEN and env["KEPT_BY_RUNNER"] == "yes"
    assert TOKEN_ENV not in runner.child_env(token=None)
    env = runner.child_env("t", {"KEPT_BY_RUNNER": None, "REGCONFORM_SEED": "3"})
    assert "KEPT_BY_RUNNER" not in env and env["REGCONFORM_SEED"] == "3" and env[TOKEN_ENV] == "t"


@pytest.mark.parametrize(
    "args", [["--report-dir", "/x/r"], ["--report-dir=/x/r"]], ids=["two-args", "equals"]
)
def test_a_report_dir_among_the_arguments_is_used_as_given(args: list[str]) -> None:
    """A `--report-dir` the caller wrote is kept, and no other is added."""
    assert runner._report_dir(["--suite", "shared", *args], None) == ([], Path("/x/r"))


def test_a_run_without_a_report_dir_gets_a_fresh_one(tmp_path: Path) -> None:
    """Each default report folder is new and outside the repository; a given one is used."""
    (flag, first), (_, second) = runner._report_dir([], None), runner._report_dir([], None)
    assert flag == ["--report-dir", str(first)] and first != second
    assert first.is_dir() and runner.REPO not in first.parents
    assert runner._report_dir([], tmp_path) == (["--report-dir", str(tmp_path)], tmp_path)


def test_a_child_runs_from_the_repository_root_unless_told(tmp_path: Path) -> None:
    """`cwd` moves a child out of the repository; `started` pipes what a running child prints."""
    where = "import os; print(os.getcwd())"
    assert runner.python("-c", where).stdout.strip() == str(runner.REPO)
    assert runner.python("-c", where, cwd=tmp_path).stdout.strip() == str(tmp_path)
    with runner.started(sys.executable, "-c", where, cwd=tmp_path) as process:
        stdout, stderr = process.communicate(timeout=60)
    assert (process.returncode, stdout.strip(), stderr) == (0, str(tmp_path), "")


DRY_RUN = ("run", "--dry-run", "--base-url", "http://127.0.0.1:9", "--suite", "shared")


@pytest.mark.parametrize(
    ("args", "token"),
    [
        (("--version",), None),
        (("run", "--no-such-option"), None),
        (("run", "--base-url", "http://127.0.0.1:9"), None),
        ((*DRY_RUN, "--report-dir", "out"), DEFAULT_TOKEN),
    ],
    ids=["version", "unknown option", "token unset", "reports to a relative folder"],
)
def test_a_forked_child_says_what_a_new_interpreter_says(
    args: tuple[str, ...], token: str | None, tmp_path: Path
) -> None:
    """`regconform(...)` forks its child (see runner's docstring): the exit status, stdout and
    stderr, each apart, and the files it writes are those of a new interpreter's `python -m
    regconform`, run from the folder given, under the same environment."""
    said = {}
    for fresh in (False, True):
        folder = tmp_path / f"fresh={fresh}"
        folder.mkdir()
        run = runner.regconform(*args, token=token, cwd=folder, fresh=fresh)
        written = sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))
        printed = (_as_if_in(text, folder) for text in (run.stdout, run.stderr))
        said[fresh] = (run.code, *printed, written)
    assert said[False] == said[True]
    assert said[False][1] or said[False][2]  # it said something


def _as_if_in(text: str, folder: Path) -> str:
    """What a run printed, as if run from "." and as fast as any other ("2 passed in 0.31s")."""
    return re.sub(r" in [0-9.]+s ", " in Ns ", text.replace(str(folder), "."))
