"""The committed cassettes replay offline in CI; drift from the suites or contracts is loud."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from cassette_runs import (
    COMMITTED,
    METADATA,
    REPO,
    Recorded,
    recorded_verdicts,
    regconform,
    replay,
    report_verdicts,
)

RERECORD = "regconform run --record"
SHARED = "test_shared_rules/test_refused_at_the_door-course.yaml"
DRIFTED = (
    "the committed cassettes no longer match the suites or contracts; "
    f"re-record them with: {RERECORD}"
)


def test_committed_cassettes_replay_offline_with_the_recorded_verdicts(tmp_path: Path) -> None:
    """`regconform run --replay` of cassettes/ passes, with the verdicts it was recorded with."""
    done = replay(COMMITTED, tmp_path)
    assert done.code == 0, f"{DRIFTED}\n{done.explain()}"
    assert report_verdicts(tmp_path) == recorded_verdicts(COMMITTED), DRIFTED


def test_committed_cassettes_conform_to_the_current_contracts() -> None:
    """`regconform revalidate` of cassettes/ finds nothing."""
    done = regconform("revalidate")
    assert done.code == 0, f"{DRIFTED}\n{done.explain()}"


def _tamper_body(folder: Path) -> None:
    path = folder / SHARED
    cassette = yaml.safe_load(path.read_text())
    cassette["interactions"][0]["request"]["body"] = "a body the suite no longer sends"
    path.write_text(yaml.safe_dump(cassette))


def _add_interaction(folder: Path) -> None:
    path = folder / SHARED
    cassette = yaml.safe_load(path.read_text())
    cassette["interactions"].append(cassette["interactions"][-1])
    path.write_text(yaml.safe_dump(cassette))


def _add_orphan(folder: Path) -> None:
    name = "test_shared_rules/test_renamed_since.yaml"
    shutil.copy(
        folder / "test_shared_rules" / "test_refused_at_the_door-course.yaml", folder / name
    )
    meta = json.loads((folder / METADATA).read_text())
    meta["cassettes"][name] = 1
    (folder / METADATA).write_text(json.dumps(meta))


@pytest.mark.parametrize(
    ("spoil", "code", "message"),
    [
        (_tamper_body, 1, "does not match test_shared_rules/test_refused_at_the_door-course"),
        (_add_interaction, 1, "request(s) but test_shared_rules/test_refused_at_the_door"),
        (_add_orphan, 4, "test_renamed_since.yaml belongs to no test"),
    ],
    ids=["changed-request", "fewer-requests", "orphan-cassette"],
)
def test_drift_from_the_suites_fails_naming_the_rerecord_command(
    recorded: Recorded, tmp_path: Path, spoil: object, code: int, message: str
) -> None:
    """A request the suite no longer sends, one it stopped sending, a test gone: each says how
    to re-record, in one command."""
    folder = recorded.copy(tmp_path)
    spoil(folder)  # type: ignore[operator]
    done = replay(folder, tmp_path / "reports", "--suite", "shared")
    assert done.code == code, done.explain()
    printed = done.stdout + done.stderr
    assert message in printed, done.explain()
    assert f"{RERECORD} --cassettes {folder}" in printed, done.explain()


def test_changed_contracts_stop_a_replay_naming_revalidate(
    recorded: Recorded, tmp_path: Path
) -> None:
    """Contracts edited since the recording: one line, exit 4, pointing at revalidate."""
    contracts = Path(shutil.copytree(REPO / "contracts", tmp_path / "contracts"))
    with (contracts / "requirements.yaml").open("a") as catalogue:
        catalogue.write("\n# edited\n")
    done = replay(recorded.folder, tmp_path, env={"REGCONFORM_CONTRACTS": str(contracts)})
    assert done.code == 4, done.explain()
    assert done.one_line_error, done.explain()
    assert "regconform revalidate" in done.stderr and RERECORD in done.stderr
