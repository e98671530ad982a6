"""A missing, foreign or corrupt cassette folder: one line, exit 4, for replay and revalidate."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cassette_runs import METADATA, Done, Recorded, pytest_replay, regconform

SHARED = "test_shared_rules/test_refused_at_the_door-course.yaml"


def missing(folder: Path) -> Path:
    return folder.parent / "nowhere"


def foreign(folder: Path) -> Path:
    (folder / METADATA).unlink()
    return folder


def not_yaml(folder: Path) -> Path:
    (folder / SHARED).write_text("interactions: [unclosed\n")
    return folder


def not_a_cassette(folder: Path) -> Path:
    (folder / SHARED).write_text("just: some yaml\n")
    return folder


def cassette_gone(folder: Path) -> Path:
    (folder / SHARED).unlink()
    return folder


def corrupt_metadata(folder: Path) -> Path:
    (folder / METADATA).write_text("{ not json")
    return folder


SPOILERS = [missing, foreign, not_yaml, not_a_cassette, cassette_gone, corrupt_metadata]


def run_replay(folder: Path, tmp: Path) -> Done:
    return regconform("run", "--replay", "--cassettes", folder, "--report-dir", tmp / "r")


def revalidate(folder: Path, tmp: Path) -> Done:
    return regconform("revalidate", "--cassettes", folder)


CASES = [
    *((command, spoil) for command in (run_replay, revalidate) for spoil in SPOILERS),
    *((pytest_replay, spoil) for spoil in (foreign, not_a_cassette)),  # the plugin's own check
]


@pytest.mark.parametrize(
    ("command", "spoil"), CASES, ids=[f"{c.__name__}-{s.__name__}" for c, s in CASES]
)
def test_bad_cassette_folder_exits_4_in_one_line(
    recorded: Recorded,
    tmp_path: Path,
    command: Callable[[Path, Path], Done],
    spoil: Callable[[Path], Path],
) -> None:
    """Before any test runs, the folder is refused with one line and exit code 4."""
    folder = spoil(recorded.copy(tmp_path))
    done = command(folder, tmp_path)
    assert done.code == 4, done.explain()
    assert done.one_line_error, done.explain()
    assert str(folder) in done.stderr
