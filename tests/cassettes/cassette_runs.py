"""Helpers of the cassette self-tests: `regconform` subprocesses and what they wrote.

Imported by name: pytest puts this folder on sys.path before importing its conftest.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from regconform.reference.fixtures import TOKEN_ENV, write_profile

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "cassettes"
METADATA = "regconform-cassettes.json"
# Distinctive, and made of characters that percent- and JSON-encoding leave alone, so a leak in
# any spelling is found by a plain search.
TOKEN = "tok-Vq7cassette-scrubZ-k41w"
MUTANT = "nulls-course_id"  # a shipped mutant breaking CR-020 (200 answers carry course_id null)


@dataclass(frozen=True)
class Done:
    """A finished `regconform` command."""

    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """The end of what the command printed, for assertion messages."""
        return self.stdout[-4000:] + "\n--- stderr ---\n" + self.stderr[-3000:]

    @property
    def one_line_error(self) -> bool:
        text = self.stderr.strip()
        return bool(text) and "\n" not in text and "Traceback" not in self.stdout + self.stderr


@dataclass(frozen=True)
class Recorded:
    """A finished `regconform run --record`: its cassettes, reports and output."""

    folder: Path
    reports: Path
    done: Done

    def copy(self, to: Path) -> Path:
        """A copy of the cassette folder, for a test to spoil."""
        return Path(shutil.copytree(self.folder, to / "cassettes"))


def regconform(*args: str | Path, env: dict[str, str] | None = None, timeout: float = 600) -> Done:
    """`python -m regconform ARGS`, with no REGCONFORM_* settings inherited."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REGCONFORM_")}
    done = subprocess.run(
        [sys.executable, "-m", "regconform", *map(str, args)],
        cwd=REPO,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Done(done.returncode, done.stdout, done.stderr)


def record(base_url: str, folder: Path, reports: Path, *extra: str) -> Done:
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
        env={TOKEN_ENV: TOKEN},
    )


def replay(folder: Path, reports: Path, *extra: str, env: dict[str, str] | None = None) -> Done:
    """`regconform run --replay`: no token, no server."""
    return regconform(
        "run", "--replay", "--cassettes", folder, "--report-dir", reports, *extra, env=env
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
