"""`pytest suites` and `regconform run` agree: the same three files, the same exit codes."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

import runner
from regconform.reference import ServerSettings, running_server

WRITTEN = ["junit.xml", "report.html", "report.json"]


def both(base_url: str, reports: Path, *extra: str) -> dict[str, runner.Run]:
    """The shared suite at `base_url` through each door, reports in reports/<door> (4 examples:
    a record is updated twice, so CR-037 is exercised and the run can be complete); the
    reference server's token."""
    return {
        "regconform run": runner.regconform(
            *("run", "--suite", "shared", "--base-url", base_url, "--max-examples", "4"),
            *("--report-dir", reports / "run", *extra),
        ),
        "pytest suites": runner.pytest_run(
            *("suites/test_shared_rules.py", "--regconform-base-url", base_url),
            *("--regconform-max-examples", "4"),
            *("--regconform-report-dir", reports / "pytest", *extra),
        ),
    }


@pytest.fixture
def closed_url() -> Iterator[str]:
    """A loopback URL nobody listens at."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    yield f"http://127.0.0.1:{port}"


def test_both_doors_write_the_same_three_files(tmp_path: Path) -> None:
    """junit.xml, report.json and report.html, whether run by regconform or by pytest."""
    with running_server(ServerSettings()) as base_url:
        done = both(base_url, tmp_path)
    for door, finished in done.items():
        assert finished.code == 0, f"{door}: {finished.stdout[-3000:]}{finished.stderr}"
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == WRITTEN
    assert sorted(p.name for p in (tmp_path / "pytest").iterdir()) == WRITTEN


def test_both_doors_exit_4_in_one_line_on_an_unreachable_target(
    tmp_path: Path, closed_url: str
) -> None:
    """Nobody listening: a usage error before any test, not a run of failing tests."""
    done = both(closed_url, tmp_path)
    for door, finished in done.items():
        assert finished.code == 4, f"{door}: {finished.stdout[-3000:]}{finished.stderr}"
        assert f"cannot reach {closed_url}" in finished.stderr, door
        assert "Traceback" not in finished.stdout + finished.stderr, door
        assert "passed" not in finished.stdout and "failed" not in finished.stdout, door
