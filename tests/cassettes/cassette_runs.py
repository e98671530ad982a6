"""Helpers of the cassette self-tests: `regconform` and `pytest` runs, and what they wrote.

Imported by name: pytest puts this folder on sys.path before importing its conftest.py.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

import runner
from regconform.reference.fixtures import write_profile
from runner import REPO, Env, Run

COMMITTED = REPO / "cassettes"
METADATA = "regconform-cassettes.json"
# Distinctive, and made of characters that percent- and JSON-encoding leave alone, so a leak in
# any spelling is found by a plain search.
TOKEN = "tok-Vq7cassette-scrubZ-k41w"
MUTANT = "nulls-course_id"  # a shipped mutant breaking CR-020 (200 answers carry course_id null)

Done = Run  # the old name here of a finished command


@dataclass(frozen=True)
class Recorded:
    """A finished `regconform run --record`: its cassettes, reports and output."""

    folder: Path
    reports: Path
    done: Run

    def copy(self, to: Path) -> Path:
        """A copy of the cassette folder, for a test to spoil."""
        return Path(shutil.copytree(self.folder, to / "cassettes"))


def regconform(
    *args: str | Path, env: Env | None = None, timeout: float = 600, token: str | None = None
) -> Run:
    """`runner.regconform`, with no token unless given: a recording names its own, and a replay
    needs none (it must work without one)."""
    return runner.regconform(*args, env=env, timeout=timeout, token=token)


def pytest_suites(*args: str | Path, env: Env | None = None, timeout: float = 600) -> Run:
    """`pytest suites ARGS` (`runner.pytest_run`), with no token unless `env` names one."""
    return runner.pytest_run("suites", *args, env=env, timeout=timeout, token=None)


def record(base_url: str, folder: Path, reports: Path, *extra: str) -> Run:
    """`regconform run --record` against the server at `base_url` (token TOKEN)."""
    profile = write_profile(folder.parent / "profile.toml", base_url)
    return regconform(
        "run",
        "--record",
        "--profile",
        profile,
        "--cassettes",
        folder,
        "--report-dir",
        reports,
        *extra,
        token=TOKEN,
    )


def replay(folder: Path, reports: Path, *extra: str, env: Env | None = None) -> Run:
    """`regconform run --replay`: no token, no server."""
    return regconform(
        "run", "--replay", "--cassettes", folder, "--report-dir", reports, *extra, env=env
    )


def pytest_replay(folder: Path, reports: Path) -> Run:
    """`pytest suites --regconform-replay`: the plugin's own checks."""
    return pytest_suites(
        *("--regconform-replay", f"--regconform-cassettes={folder}"),
        f"--regconform-report-dir={reports}",
        timeout=300,
    )


def metadata(folder: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((folder / METADATA).read_text())
    return loaded


def recorded_verdicts(folder: Path) -> dict[str, tuple[str, int]]:
    """(verdict, times checked) per requirement, as the recording concluded."""
    return {rid: (v["verdict"], v["checked"]) for rid, v in metadata(folder)["verdicts"].items()}


def report_verdicts(reports: Path) -> dict[str, tuple[str, int]]:
    """(verdict, times checked) per requirement, from a run's report.json."""
    record_ = json.loads((reports / "report.json").read_text())
    return {rid: (r["verdict"], r["checked"]) for rid, r in record_["requirements"].items()}


def cassette_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.yaml"))


def interactions(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """Every cassette's interactions, read as plain YAML (not through regconform)."""
    return {
        path.relative_to(folder).as_posix(): yaml.safe_load(path.read_text())["interactions"]
        for path in cassette_files(folder)
    }


def course_200_bodies(folder: Path) -> dict[tuple[str, int], dict[str, Any]]:
    """The JSON object of every recorded 200 answer of the course endpoint's PUT (a read-back
    GET is no answer the contracts describe), by (cassette, index)."""
    bodies = {}
    for name, recorded in interactions(folder).items():
        for index, interaction in enumerate(recorded):
            response, request = interaction["response"], interaction["request"]
            if "/courseRegistrations/" not in request["uri"] or request["method"] != "PUT":
                continue
            if response["status"]["code"] != 200:
                continue
            body = json.loads(response["body"]["string"])
            if isinstance(body, dict):
                bodies[(name, index)] = body
    return bodies
