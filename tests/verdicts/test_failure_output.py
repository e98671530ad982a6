"""A failure reads in a few lines: one block per broken requirement, the rule, the curl line,
the answer in brief and the command that re-runs the test; no traceback, no hypothesis reprs."""

from __future__ import annotations

import re
from pathlib import Path

import runner
from regconform.mutants import get_mutant
from regconform.mutants.killmatrix import served

HEADER = re.compile(r"^_{3,} (\S+) _{3,}$")
MAX_LINES = 25


def failure_blocks(output: str) -> dict[str, list[str]]:
    """pytest's FAILURES section, split per failed test (its `___ name ___` header)."""
    section = output.split("= FAILURES =", 1)[1].split("short test summary info", 1)[0]
    blocks: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in section.splitlines():
        header = HEADER.match(line)
        if header:
            current = blocks.setdefault(header.group(1), [])
        elif line.startswith("="):  # the next section (regconform's summary) begins
            current = None
        elif current is not None and line.strip():
            current.append(line)
    return blocks


def test_one_broken_requirement_fails_in_at_most_25_lines(tmp_path: Path) -> None:
    """A server giving `sys_locked` as a string in its 200s breaks CR-033 alone: each failing
    test says so in at most 25 lines, with the curl line (token redacted) and a re-run
    command."""
    with served(get_mutant("sys_locked-as-string"), tmp_path) as (base_url, profile):
        done = runner.regconform(
            "run", "--base-url", base_url, "--profile", profile, "--suite", "course_registrations"
        )
    assert done.code == 1, done.explain()
    blocks = failure_blocks(done.output)
    assert blocks, done.explain()
    for test, lines in blocks.items():
        assert len(lines) <= MAX_LINES, (test, len(lines), "\n".join(lines))
        text = "\n".join(lines)
        assert "CR-033 [MUST]" in text and "rule:" in text
        assert "Authorization: Bearer ***" in text
        assert re.search(r"re-run: regconform run .*--seed 0 .*-- -k \w+", text), text
        assert runner.TRACEBACK not in text and "Falsifying example" not in text
        assert "regconform/judging" not in text  # no frame of our own code
