"""The bearer token reaches the target and nothing else: not the output, not a report file."""

from __future__ import annotations

from safety_runs import TOKEN, Run


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
