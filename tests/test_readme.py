"""The README stays true: its two setup commands, the commands and paths it names."""

from __future__ import annotations

import re
from pathlib import Path

from regconform.run.cli import COMMANDS

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()


def first_code_block() -> list[str]:
    block = README.split("```bash\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_readme_opens_with_exactly_two_commands() -> None:
    """A newcomer gets two commands: install-and-run, then the tests."""
    assert README.index("```bash") < README.index("##")
    install, tests = first_code_block()
    assert install.startswith("python3 -m venv .venv") and '-e ".[dev]"' in install
    assert install.endswith(".venv/bin/regconform run")
    assert tests == ".venv/bin/python -m pytest"


def test_ci_runs_the_readme_test_command() -> None:
    """.ci/run calls the README's test command verbatim."""
    ci_lines = (REPO / ".ci" / "run").read_text().splitlines()
    assert first_code_block()[1] in ci_lines


def test_every_regconform_command_in_the_readme_exists() -> None:
    """Every `regconform <command>` the README shows is a real command."""
    # as code: `regconform X ...`, `.venv/bin/regconform X`, or a code line starting with it
    named = set(re.findall(r"(?:`|bin/|^)regconform ([a-z][\w-]*)", README, re.MULTILINE))
    assert named, "the README names no command"
    assert named <= set(COMMANDS), named - set(COMMANDS)


def test_every_repository_path_in_the_readme_exists() -> None:
    """Paths the README points at (contracts/, tests/, bench/, ...) are there."""
    paths = set(
        re.findall(r"`((?:contracts|tests|bench|suites|cassettes|reports)/[\w./-]+)`", README)
    )
    missing = [p for p in sorted(paths) if not (REPO / p.rstrip("/")).exists()]
    assert paths and not missing, missing
