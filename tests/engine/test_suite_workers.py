"""`regconform run --concurrency N` > 1: each suite on an xdist worker of its own, scheduled by
the suite each worker says its tests belong to (regconform.run.plugin.workers)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from regconform.run.command import suite_workers
from regconform.run.plugin.workers import UNKNOWN, SuiteMap

WORKERS = ("-n", "3", "--regconform-suite-workers")


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
    assert suite_workers(concurrency, dry_run, record, extra) == expected


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
