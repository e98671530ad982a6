"""The bearer token reaches the target and nothing else: not the output, not a report file."""

from __future__ import annotations

from pathlib import Path

import pytest
from safety_runs import TOKEN, TRACEBACK, Run, regconform

from regconform.catalogue.requirements import load_catalogue
from regconform.reference.fixtures import TOKEN_ENV
from regconform.target.embedded import embedded_server


def test_token_appears_in_no_output_or_report(seeded_runs: list[Run]) -> None:
    """Runs against `regconform serve --token <distinctive>` pass (so the token was sent and
    accepted), yet neither their output nor any file in their report folder holds it."""
    for run in seeded_runs:
        assert run.code == 0, run.explain()
        assert TOKEN not in run.output
        assert run.report_dir is not None
        written = sorted(run.report_dir.iterdir())
        assert written, "the run wrote no reports"
        for path in written:
            assert TOKEN not in path.read_text(errors="replace"), path


@pytest.mark.parametrize("token", ["t", "test"])
def test_a_short_token_leaves_the_reports_whole(tmp_path: Path, token: str) -> None:
    """A token that occurs inside JSON words (`true`, `"tests"`) is redacted value by value:
    the run passes and report.json parses with every key (it was `"dry_run": ***rue` and a
    JSONDecodeError traceback with `t`; keys were lost with `test`)."""
    with embedded_server(("--token", token)) as (_, profile):
        run = regconform(
            *("run", "--profile", profile, "--suite", "shared", "--max-examples", "1"),
            env={TOKEN_ENV: token},
            report_dir=tmp_path,
        )
    assert run.code == 0, run.explain()
    assert TRACEBACK not in run.output
    record = run.report()
    assert record["dry_run"] is False and record["exit_status"] == 0
    assert len(record["requirements"]) == len(load_catalogue())
    assert all("tests" in entry and "verdict" in entry for entry in record["requirements"].values())
    assert (tmp_path / "report.html").stat().st_size > 0
