"""The CI recipes in docs/ci/ work as written: their regconform commands run here, against a
local stand-in for staging (the reference server) and a copy of the committed cassettes."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import runner
from regconform._version import __version__
from regconform.reference import ServerSettings, running_server
from regconform.reference.fixtures import DEFAULT_TOKEN, TOKEN_ENV, write_profile

REPO = runner.REPO
RECIPES = REPO / "docs" / "ci"
GITHUB, GITLAB = "github-actions.yml", "gitlab-ci.yml"
ARTEFACTS = ["reports/junit.xml", "reports/report.html"]
SECRET = "${{ secrets.REGCONFORM_TOKEN }}"
INSTALL = f'python -m pip install "regconform=={__version__}"'


def recipe(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((RECIPES / name).read_text(encoding="utf-8"))
    return loaded


def github_jobs() -> dict[str, dict[str, Any]]:
    """Per job: when it runs, its shell lines, the env of its regconform steps, its artefacts."""
    jobs = {}
    for name, job in recipe(GITHUB)["jobs"].items():
        steps = job["steps"]
        runs = [step for step in steps if "run" in step]
        uploads = [step for step in steps if step.get("uses", "").startswith("actions/upload")]
        jobs[name] = {
            "if": job["if"],
            "lines": [line for step in runs for line in step["run"].splitlines()],
            "env": {k: v for step in runs for k, v in step.get("env", {}).items()},
            "artefacts": [p for step in uploads for p in step["with"]["path"].split()],
            "always": all(step.get("if") == "always()" for step in uploads),
        }
    return jobs


def gitlab_jobs() -> dict[str, dict[str, Any]]:
    """Per job (hidden `.` templates merged in): its rules, shell lines and artefacts."""
    doc = recipe(GITLAB)
    jobs = {}
    for name, job in doc.items():
        if name.startswith(".") or not isinstance(job, dict) or "script" not in job:
            continue
        merged = {**doc.get(job.get("extends", ""), {}), **job}
        artifacts = merged["artifacts"]
        jobs[name] = {
            "rules": [rule["if"] for rule in merged["rules"]],
            "lines": [*doc["default"]["before_script"], *merged["script"]],
            "artefacts": artifacts["paths"],
            "junit": artifacts["reports"]["junit"],
            "always": artifacts["when"] == "always",
        }
    return jobs


def regconform_lines(job: dict[str, Any]) -> list[str]:
    return [line for line in job["lines"] if line.startswith("regconform ")]


def test_github_recipe_runs_staging_with_the_secret_and_replays_on_pull_requests() -> None:
    """Staging off pull requests with the token from secrets; pull requests replay offline;
    both install the pinned regconform and upload junit.xml and report.html always."""
    jobs = github_jobs()
    assert jobs["staging"]["if"] == "github.event_name != 'pull_request'"
    assert jobs["replay"]["if"] == "github.event_name == 'pull_request'"
    assert jobs["staging"]["env"] == {TOKEN_ENV: SECRET}
    assert jobs["replay"]["env"] == {}  # a replay needs no token
    assert regconform_lines(jobs["staging"])[0].startswith("regconform run --profile ")
    assert regconform_lines(jobs["replay"])[0].startswith("regconform run --replay --cassettes ")
    for job in jobs.values():
        assert INSTALL in job["lines"]
        assert job["artefacts"] == ARTEFACTS and job["always"]


def test_gitlab_recipe_runs_staging_on_the_default_branch_and_replays_on_merge_requests() -> None:
    """The same two jobs in GitLab: artefacts always kept, junit.xml shown in merge requests."""
    jobs = gitlab_jobs()
    assert jobs["conformance-replay"]["rules"] == ['$CI_PIPELINE_SOURCE == "merge_request_event"']
    assert not any("merge_request" in rule for rule in jobs["conformance-staging"]["rules"])
    for job in jobs.values():
        assert INSTALL in job["lines"]
        assert job["artefacts"] == ARTEFACTS and job["always"]
        assert job["junit"] == ARTEFACTS[0]


def test_both_recipes_run_the_same_regconform_commands() -> None:
    """One recipe, two CI systems: what runs is the same."""
    github = {name: regconform_lines(job) for name, job in github_jobs().items()}
    gitlab = {name: regconform_lines(job) for name, job in gitlab_jobs().items()}
    assert github["staging"] == gitlab["conformance-staging"]
    assert github["replay"] == gitlab["conformance-replay"]


def run_in(workspace: Path, line: str, token: str | None) -> runner.Run:
    """A recipe's shell line, in `workspace`, with this environment's `regconform` on PATH."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return runner.command(
        "bash", "-c", line, cwd=workspace, env={"PATH": path}, token=token, timeout=300
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A repository using the recipe: the committed cassettes as cassettes/staging."""
    shutil.copytree(REPO / "cassettes", tmp_path / "cassettes" / "staging")
    return tmp_path


@pytest.mark.parametrize("job", ["staging", "replay"])
def test_recipe_commands_pass_here(workspace: Path, job: str) -> None:
    """The job's regconform commands, as written: exit 0, and the artefacts it uploads exist.
    Staging is the reference server, named by a ci/staging.toml written here, its token passed
    as the CI's secret store would; the replay gets no token and no server."""
    (line,) = regconform_lines(github_jobs()[job])
    if job == "replay":
        done = run_in(workspace, line, token=None)
    else:
        with running_server(ServerSettings()) as base_url:
            write_profile(workspace / "ci" / "staging.toml", base_url)
            done = run_in(workspace, line, token=DEFAULT_TOKEN)
    assert done.code == 0, f"{line}\n{done.stdout[-3000:]}{done.stderr[-2000:]}"
    assert all((workspace / path).is_file() for path in github_jobs()[job]["artefacts"])
