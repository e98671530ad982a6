"""`regconform run --concurrency N` > 1: each suite on an xdist worker of its own, scheduled by
the suite each worker says its tests belong to (regconform.run.plugin.workers)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tomli_w

import runner
from regconform.reference.fixtures import TRACK_REGISTRATION_IDS, fixture_profile
from regconform.run.command import SUITES, suite_workers
from regconform.run.plugin.workers import SUITE_SECTIONS, UNKNOWN, SuiteMap, scope_count
from regconform.settings.profile import Profile, load_profile

WORKERS = ("-n", "3", "--regconform-suite-workers")
TRACK_ID_ONE = TRACK_REGISTRATION_IDS[0]


@pytest.mark.parametrize(
    ("concurrency", "dry_run", "record", "extra", "expected"),
    [
        (8, False, False, (), WORKERS),
        (2, False, False, ("-x", "--regconform-requirement=CR-048"), WORKERS),
        (None, False, False, (), ()),  # the default, 1: one process
        (1, False, False, (), ()),
        (8, True, False, (), ()),  # a dry run sends nothing
        (8, False, True, (), ()),  # cassettes record one request at a time
        (8, False, False, ("-n", "4"), ()),  # the user's workers hold
        (8, False, False, ("-n4",), ()),
        (8, False, False, ("--numprocesses=3",), ()),
        (8, False, False, ("--dist", "loadfile"), ()),
        (8, False, False, ("-p", "no:xdist"), ()),
    ],
)
def test_suite_workers_unless_the_user_chose_or_nothing_is_sent(
    concurrency: int | None,
    dry_run: bool,
    record: bool,
    extra: tuple[str, ...],
    expected: tuple[str, ...],
) -> None:
    assert suite_workers(concurrency, dry_run, record, extra, 3) == expected


@pytest.mark.parametrize(
    ("scopes", "expected"), [(3, WORKERS), (2, ("-n", "2", WORKERS[2])), (1, ())]
)
def test_a_worker_a_scope_and_none_for_one(scopes: int, expected: tuple[str, ...]) -> None:
    """One scope: one process sends as much (its tests run one after the other anyway)."""
    assert suite_workers(8, False, False, (), scopes) == expected


def _profile(tmp_path: Path, **sections: object) -> Profile:
    """The reference fixtures' profile, `sections` replaced (None: left out)."""
    raw = fixture_profile("http://127.0.0.1:9")
    for name, table in sections.items():
        if table is None:
            raw.pop(name)
        else:
            raw[name] = table
    path = tmp_path / "profile.toml"
    path.write_text(tomli_w.dumps(raw), encoding="utf-8")
    return load_profile(path)


def test_a_worker_per_scope_the_selected_suites_make(tmp_path: Path) -> None:
    """Every suite: the course tests, the course sequences (records of their own), the track
    tests, the track sequences (registrations of their own); a suite alone makes one or two; a
    section the profile lacks makes none, and with one record (or registration) a section's
    sequences share its tests' scope."""
    assert set(SUITE_SECTIONS) == set(SUITES)
    full = _profile(tmp_path)
    assert scope_count((), full) == 4
    assert scope_count(("course_registrations",), full) == 1
    assert scope_count(("event_track_registrations",), full) == 1
    assert scope_count(("shared",), full) == 2
    assert scope_count(("stateful",), full) == 2
    assert scope_count(("course_registrations", "shared"), full) == 2
    assert scope_count(("event_track_registrations", "stateful"), full) == 3
    raw = fixture_profile("http://127.0.0.1:9")
    one_record = {**raw["course_registrations"], "registration_ids": ["cr-1"]}
    assert scope_count((), _profile(tmp_path, course_registrations=one_record)) == 3
    one_registration = {**raw["event_track_registrations"], "registration_ids": [TRACK_ID_ONE]}
    assert scope_count((), _profile(tmp_path, event_track_registrations=one_registration)) == 3
    both = {"course_registrations": one_record, "event_track_registrations": one_registration}
    assert scope_count((), _profile(tmp_path, **both)) == 2
    assert scope_count(("stateful",), _profile(tmp_path, **both)) == 2
    assert scope_count(("shared",), _profile(tmp_path, event_track_registrations=None)) == 1


def test_one_scope_runs_in_one_process_and_two_on_two_workers() -> None:
    """`--suite course_registrations --concurrency 4`: no worker started (one scope);
    `--suite stateful`: two, the course sequences' and the track sequences', read-back kept."""
    alone = runner.regconform(
        "run", "--suite", "course_registrations", "--concurrency", "4", "--max-examples", "2"
    )
    assert alone.code == 0, alone.explain()
    assert "workers" not in alone.stdout, alone.stdout
    two = runner.regconform(
        "run", "--suite", "stateful", "--concurrency", "4", "--max-examples", "2"
    )
    assert two.code == 0, two.explain()
    assert "2 workers" in two.stdout, two.stdout
    verdicts = {rid: r["verdict"] for rid, r in two.report()["requirements"].items()}
    assert verdicts["CR-048"] == verdicts["ETR-020"] == "pass"  # read back: one worker a scope


def test_the_scheduler_groups_by_the_suite_the_workers_named(tmp_path: Path) -> None:
    """A test's scope is its suite; one the map does not name (none should be) shares one
    scope with every other such test, and so does every test when no map was written."""
    suite_map = tmp_path / "suites.json"
    course = "suites/test_stateful.py::test_course_records_keep_what_they_answer"
    tracks = "suites/test_shared_rules.py::test_refused_at_the_door[tracks]"
    suite_map.write_text(json.dumps({course: "course_registrations", tracks: "event_tracks"}))
    scopes = SuiteMap(suite_map)
    assert scopes.scope(course) == "course_registrations"
    assert scopes.scope(tracks) == "event_tracks"
    assert scopes.scope("suites/x.py::test_other") == UNKNOWN
    unwritten = SuiteMap(tmp_path / "never-written.json")
    assert {unwritten.scope(nodeid) for nodeid in (course, tracks)} == {UNKNOWN}
