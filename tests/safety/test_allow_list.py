"""The suite touches only what the profile gives it, and leaves it as it found it: a whole run
against the reference server, given a subset of its records, through a proxy that records
every request."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from faulty_server import Seen
from safety_runs import Run, behind_proxy, regconform, write_profile

from regconform.reference.fixtures import (
    COURSE_IDS,
    EVENT_ID,
    LOCKED_ID,
    OTHER_TENANT_COURSE_ID,
    OTHER_TENANT_ID,
    TENANT_ID,
    TRACK_ID,
    TRACK_REGISTRATION_IDS,
    course_record,
)

GIVEN_COURSES = ("cr-1", "cr-2")
GIVEN_TRACK_IDS = TRACK_REGISTRATION_IDS[:2]
GIVEN = {TENANT_ID, *GIVEN_COURSES, EVENT_ID, TRACK_ID, *GIVEN_TRACK_IDS}
NOT_GIVEN = {
    *COURSE_IDS,
    LOCKED_ID,
    OTHER_TENANT_ID,
    OTHER_TENANT_COURSE_ID,
    *TRACK_REGISTRATION_IDS,
} - GIVEN
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
COURSE_PATH = re.compile(r"^/courseRegistrations/([^/?]+)/([^/?]+)$")
TRACK_PATH = re.compile(r"^/v3/events/([^/?]+)/tracks/([^/?]+)/registrations(\?.*)?$")


def baseline(record_id: str, number: int) -> dict[str, Any]:
    """The record as seeded, without the fields the server manages on its own."""
    record = course_record(TENANT_ID, record_id, number)
    return {k: v for k, v in record.items() if k not in ("sys_version", "sys_locked")}


BASELINES = {"cr-1": baseline("cr-1", 1), "cr-2": baseline("cr-2", 2)}


def subset_profile(path: Path, base_url: str) -> Path:
    return write_profile(
        path,
        base_url,
        course_registrations={
            "tenant_id": TENANT_ID,
            "registration_ids": list(GIVEN_COURSES),
            "baseline_bodies": BASELINES,
        },
        event_track_registrations={
            "event_id": EVENT_ID,
            "track_id": TRACK_ID,
            "registration_ids": list(GIVEN_TRACK_IDS),
            "restore_status": "REGISTERED",
        },
    )


@pytest.fixture(scope="module")
def subset_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Run, list[Seen]]]:
    """One whole run given cr-1, cr-2 and two track registrations; what the proxy saw."""
    folder = tmp_path_factory.mktemp("subset")
    with behind_proxy() as proxy:
        profile = subset_profile(folder / "profile.toml", proxy.url)
        run = regconform(
            "run", "--profile", profile, "--max-examples", "10", report_dir=folder / "reports"
        )
        yield run, list(proxy.requests)


def made_up_here(value: str) -> bool:
    """An id the run made up itself: a `regconform-...` name or a fresh uuid."""
    return value.startswith("regconform-") or (bool(UUID.match(value)) and value not in NOT_GIVEN)


def named_ids(seen: Seen) -> list[str]:
    """The record ids a request names: in its path, and in a track body's registration_ids."""
    if match := COURSE_PATH.match(seen.path):
        return list(match.groups())
    match = TRACK_PATH.match(seen.path)
    assert match is not None, f"a request to an unexpected path: {seen.path}"
    ids = [match.group(1), match.group(2)]
    try:
        body = json.loads(seen.body)
    except ValueError:
        return ids  # a deliberately malformed body names nothing
    listed = body.get("registration_ids") if isinstance(body, dict) else None
    if isinstance(listed, list):
        ids += [x for x in listed if isinstance(x, str)]
    return ids


def test_run_is_green_on_the_given_subset(subset_run: tuple[Run, list[Seen]]) -> None:
    """Given only part of the server's records, the run still passes; tests needing more skip."""
    run, seen = subset_run
    assert run.code == 0, run.explain()
    assert len([s for s in seen if s.method == "PUT"]) > 100


def test_run_names_no_record_outside_the_profile(subset_run: tuple[Run, list[Seen]]) -> None:
    """Every id a request names was given by the profile or made up by the run itself."""
    _, seen = subset_run
    puts = [s for s in seen if s.method == "PUT"]
    for request in puts:
        for value in named_ids(request):
            assert value in GIVEN or made_up_here(value), f"{value!r} in {request.path}"
        text = request.path + request.body.decode("utf-8", "replace")
        assert not [x for x in NOT_GIVEN if x in text], request
    assert {s.method for s in seen} == {"HEAD", "PUT"}  # the preflight, then the suite


def test_records_are_put_back_at_the_end(subset_run: tuple[Run, list[Seen]]) -> None:
    """The last requests put each baseline back; the summary and report.json say so."""
    run, seen = subset_run
    restores = [s for s in seen if s.method == "PUT"][-3:]
    bodies = {s.path: json.loads(s.body) for s in restores}
    for record_id, body in BASELINES.items():
        assert bodies[f"/courseRegistrations/{TENANT_ID}/{record_id}"] == body
    track_path = f"/v3/events/{EVENT_ID}/tracks/{TRACK_ID}/registrations"
    assert bodies[track_path] == {
        "registration_ids": list(GIVEN_TRACK_IDS),
        "registration_status": "REGISTERED",
    }
    assert "restored: 4 of 4 record(s) put back as the profile gives them" in run.stdout
    restored = run.report()["restored"]
    assert [r["done"] for r in restored] == [True] * 4, restored
    assert {r["record"] for r in restored} == {
        *(f"course registration {TENANT_ID}/{rid}" for rid in GIVEN_COURSES),
        *(f"track registration {rid}" for rid in GIVEN_TRACK_IDS),
    }
