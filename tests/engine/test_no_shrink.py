"""--no-shrink: a test's first failing example is reported as found, with fewer requests."""

from __future__ import annotations

from pathlib import Path

import runner
from regconform.mutants import get_mutant
from regconform.mutants.killmatrix import served


def test_no_shrink_reports_the_same_requirements_with_fewer_requests(tmp_path: Path) -> None:
    """Against a broken server the same requirements fail with and without shrinking; without,
    the smaller copies hypothesis would send again are never sent."""
    runs = {}
    with served(get_mutant("ignores-lock"), tmp_path) as (base_url, profile):
        for shrink in ("", "--no-shrink"):
            args = ["run", "--base-url", base_url, "--profile", profile, "--level", "all"]
            args += ["--requirement", "CR-040", *([shrink] if shrink else [])]
            runs[shrink] = runner.regconform(*args, timeout=120)
    for run in runs.values():
        assert run.code == 1, run.explain()
    failing = {
        k: [r for r, v in run.report()["requirements"].items() if v["verdict"] == "fail"]
        for k, run in runs.items()
    }
    assert failing[""] == failing["--no-shrink"] and "CR-040" in failing[""]
    reruns = [line for line in runs["--no-shrink"].stdout.splitlines() if "re-run:" in line]
    assert reruns and all("--no-shrink" in line for line in reruns)  # the same first example
    sent = {k: run.report()["requests_sent"] for k, run in runs.items()}
    assert sent["--no-shrink"] < sent[""], sent


def test_no_shrink_cuts_a_failing_sequence_without_shrinking_it(tmp_path: Path) -> None:
    """A stateful sequence failing under --no-shrink is not shrunk by hypothesis (hundreds of
    requests against this server), yet still cut to its shortest by leaving steps out: the same
    requirement fails, shown with a sequence as short as a shrunk one, for fewer requests."""
    requirement = "CR-038"
    runs = {}
    with served(get_mutant("keeps-version"), tmp_path) as (base_url, profile):
        for shrink in ("", "--no-shrink"):
            args = ["run", "--base-url", base_url, "--profile", profile, "--level", "all"]
            args += ["--suite", "stateful", "--requirement", requirement]
            runs[shrink] = runner.regconform(*args, *([shrink] if shrink else []), timeout=120)
    records = {k: run.report() for k, run in runs.items()}
    for shrink, run in runs.items():
        assert run.code == 1, run.explain()
        assert records[shrink]["requirements"][requirement]["verdict"] == "fail", run.explain()
    shown = {
        k: len(record["requirements"][requirement]["failure"]["sequence"])
        for k, record in records.items()
    }
    assert 0 < shown["--no-shrink"] <= shown[""], shown
    sent = {k: record["requests_sent"] for k, record in records.items()}
    assert sent["--no-shrink"] * 2 < sent[""], sent
