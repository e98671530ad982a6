"""The kill matrix: the suites pass the reference server and catch every mutant by its own id.

Every target is a real `regconform serve` process on loopback tested by a real `regconform run`
process; verdicts come only from the report.json each run writes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from regconform.mutants import MUTANTS, get_mutant
from regconform.mutants.command import SELFTEST_MAX_EXAMPLES
from regconform.mutants.killmatrix import (
    DEFAULT_JOBS,
    KillMatrix,
    RunOutcome,
    child_env,
    kill_matrix,
    matrix_lines,
    read_verdicts,
)
from regconform.reference.fixtures import DEFAULT_TOKEN, TOKEN_ENV


@pytest.fixture(scope="module")
def matrix() -> KillMatrix:
    """The whole kill matrix, run once for the module (a few minutes on two cores)."""
    return kill_matrix(MUTANTS, jobs=DEFAULT_JOBS, max_examples=SELFTEST_MAX_EXAMPLES)


def _shown(matrix: KillMatrix) -> str:
    return "\n".join(matrix_lines(matrix))


@pytest.mark.slow
def test_reference_server_draws_no_fail_or_warn(matrix: KillMatrix) -> None:
    """Against the reference server every requirement passes (no false alarm)."""
    assert matrix.reference.error is None, _shown(matrix)
    assert matrix.false_alarms == (), _shown(matrix)
    assert "pass" in matrix.reference.verdicts.values()


@pytest.mark.slow
def test_every_mutant_is_caught_by_its_own_requirement(matrix: KillMatrix) -> None:
    """Each mutant's run reports fail or warn for the requirement the mutant breaks."""
    missed = [row.label for row in matrix.missed]
    assert missed == [], _shown(matrix)
    assert matrix.passed


def _outcome(name: str | None, verdicts: dict[str, str], error: str | None = None) -> RunOutcome:
    return RunOutcome(get_mutant(name) if name else None, verdicts, 1.0, error)


def test_outcome_counts_mutant_caught_when_own_id_fails_or_warns() -> None:
    """Caught means the mutant's own id is flagged; another id flagged is not enough."""
    mutant = MUTANTS[0]
    other = next(m.requirement for m in MUTANTS if m.requirement != mutant.requirement)
    assert _outcome(mutant.name, {mutant.requirement: "warn", other: "pass"}).caught
    assert not _outcome(mutant.name, {mutant.requirement: "pass", other: "fail"}).caught
    assert _outcome(mutant.name, {other: "fail"}).flagged == (other,)


def test_matrix_fails_when_reference_raises_false_alarm_or_errors() -> None:
    """A fail/warn or a missing report on the reference server fails the self-test."""
    mutant = MUTANTS[0]
    caught = (_outcome(mutant.name, {mutant.requirement: "fail"}),)
    assert KillMatrix(_outcome(None, {"GEN-001": "pass"}), caught, 1.0).passed
    assert not KillMatrix(_outcome(None, {"GEN-001": "warn"}), caught, 1.0).passed
    assert not KillMatrix(_outcome(None, {}, error="no report"), caught, 1.0).passed


def test_matrix_lines_show_row_per_mutant_and_score() -> None:
    """The printed matrix has one row per mutant, then the score, false alarms and time."""
    rows = tuple(_outcome(m.name, {m.requirement: "fail"}) for m in MUTANTS[:2])
    missed = _outcome(MUTANTS[2].name, {}, error="the server did not start")
    lines = list(matrix_lines(KillMatrix(_outcome(None, {}), (*rows, missed), 12.0)))
    assert [line.split()[0] for line in lines[1:4]] == [m.name for m in MUTANTS[:3]]
    assert lines[1].split()[1:3] == [MUTANTS[0].requirement, "CAUGHT"]
    assert "MISSED" in lines[3]
    assert "mutation score: 2/3 caught (67%)" in lines
    assert "reference server false alarms: 0 (none)" in lines
    assert "wall time: 12.0 s" in lines


def test_read_verdicts_maps_requirement_to_verdict(tmp_path: Path) -> None:
    """report.json's per-requirement verdicts are what the matrix reads."""
    report = tmp_path / "report.json"
    report.write_text('{"requirements": {"CR-001": {"verdict": "fail", "checked": 3}}}')
    assert read_verdicts(report) == {"CR-001": "fail"}


def test_child_env_sets_token_and_drops_stray_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Children get the reference token and no REGCONFORM_* setting that would override flags."""
    monkeypatch.setenv("REGCONFORM_BASE_URL", "http://elsewhere.invalid")
    monkeypatch.setenv("REGCONFORM_CONTRACTS", "/contracts")
    env = child_env()
    assert env[TOKEN_ENV] == DEFAULT_TOKEN
    assert "REGCONFORM_BASE_URL" not in env
    assert env["REGCONFORM_CONTRACTS"] == "/contracts"
