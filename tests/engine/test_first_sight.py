"""CR-037 on a record's first update: a profile baseline body is the reference.

Through PUT alone, the first 200 for a record is the suite's first sight of it, so a server that
restamps `sys_created_by_id` on every update looks consistent from then on. A profile baseline body
that states the seeded value closes that gap.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from regconform.reference import Semantics, ServerSettings, running_server
from regconform.reference.fixtures import TENANT_ID, course_record, fixture_profile
from runner import Run, regconform


class RestampsCreator(Semantics):
    """Test-only defect: every update claims the updater created the record."""

    def updated_course(
        self, record: dict[str, Any], body: dict[str, Any], now: datetime, actor: str
    ) -> dict[str, Any]:
        return {**super().updated_course(record, body, now, actor), "sys_created_by_id": actor}


def run_against(base_url: str, tmp_path: Path, baseline: bool) -> Run:
    profile = fixture_profile(base_url)
    if baseline:
        seeded = course_record(TENANT_ID, "cr-1", 1)
        body = {k: v for k, v in seeded.items() if k not in ("sys_version", "sys_locked")}
        profile["course_registrations"]["baseline_bodies"] = {"cr-1": body}
    path = tmp_path / "profile.toml"
    path.write_bytes(tomli_w.dumps(profile).encode())
    return regconform(
        *("run", "--profile", path, "--suite", "course_registrations", "--max-examples", "5"),
        report_dir=tmp_path,
    )


@pytest.mark.parametrize("baseline", [True, False], ids=["with-baseline", "without"])
def test_restamped_creator_is_caught_only_with_a_baseline(tmp_path: Path, baseline: bool) -> None:
    """With the seeded creator stated in the profile, CR-037 fails; without it, PUT cannot tell."""
    with running_server(ServerSettings(semantics=RestampsCreator())) as base_url:
        done = run_against(base_url, tmp_path, baseline)
    summary = done.stdout.split("regconform: requirements")[1]
    caught = any(line.split()[:2] == ["FAIL", "CR-037"] for line in summary.splitlines())
    assert (done.code, caught) == ((1, True) if baseline else (0, False)), done.explain()
