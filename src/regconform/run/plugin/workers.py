"""xdist, one worker per suite (`--regconform-suite-workers`, which `regconform run --concurrency`
asks for): the two endpoints' tests run at once, each suite's in its own order.

xdist's own schedulers hand tests to whichever worker is free, so two tests writing the same
records could run at once, and a read-back could see the other's write (the stateful suite then
leaves read-back out: harness.models.reads_back). The two suites share no record, so a worker
per suite runs what a sequential run runs, in the same order within each suite, with read-back.

Each stateful test writes only the records (or registrations) the profile keeps for it (when
its section has two or more: `sequence_ids`), so it gets a worker of its own too: four at most.

The controller schedules by node id alone: each worker writes which suite each of its tests
belongs to (its `suite` marker) to a file the controller named, before it reports its
collection; the scheduler reads it. A test it does not find there (none should be) shares one
scope with every other such test: never a suite's worker.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling

from regconform.harness.session import CONFIG_KEY
from regconform.settings.profile import Profile

SUITE_MAP = "regconform_suite_map"  # the key of the map's path in an xdist worker's `workerinput`
OPTION = "regconform_suite_workers"
UNKNOWN = "(no suite)"
COURSE = "course_registrations"
TRACKS = "event_track_registrations"
OWN = ", own records"  # a suite's scope for its tests on records kept for them (scope_of)


def by_suite(config: pytest.Config) -> bool:
    """xdist controller: whether this run's suites each have a worker of their own."""
    asked = bool(config.getoption(OPTION, False))
    return asked and bool(getattr(config.option, "numprocesses", 0))


class SuiteMap:
    """The suite of each test, as the workers wrote it; read once, when first asked."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.suites: dict[str, str] | None = None

    def scope(self, nodeid: str) -> str:
        if self.suites is None:
            try:
                self.suites = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self.suites = {}
        return self.suites.get(nodeid, UNKNOWN)


class SuiteScheduling(LoadScopeScheduling):  # type: ignore[misc]
    """xdist's scope scheduling with a suite for a scope."""

    def __init__(self, config: pytest.Config, log: Any, suite_map: Path) -> None:
        super().__init__(config, log)
        self.suite_map = SuiteMap(suite_map)

    def _split_scope(self, nodeid: str) -> str:
        return self.suite_map.scope(nodeid)


class SuiteMapKeeper:
    """xdist controller: name the map's file, hand it to the workers, schedule by it."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="regconform-suites-"))
        self.suite_map = self.folder / "suites.json"

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[SUITE_MAP] = str(self.suite_map)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> SuiteScheduling:
        return SuiteScheduling(config, log, self.suite_map)


# The suites of `regconform run --suite` whose tests write to each section's records, by the
# scopes they make: one scope each, but a course sequence's own one (scope_of).
SUITE_SECTIONS = {
    "course_registrations": (COURSE,),
    "event_track_registrations": (TRACKS,),
    "shared": (COURSE, TRACKS),  # the door tests, one of each endpoint
    "stateful": (f"{COURSE}{OWN}", f"{TRACKS}{OWN}"),
}


def scope_count(suites: Sequence[str], profile: Profile) -> int:
    """How many scopes (so workers) the tests of `suites` (none: every suite) make for this
    profile, as scope_of names them: a section the profile lacks makes none (its tests skip),
    and a section's sequences share its scope when the profile keeps no records for them."""
    sections = {COURSE: profile.course, TRACKS: profile.tracks}
    scopes = set()
    for suite in suites or SUITE_SECTIONS:
        for scope in SUITE_SECTIONS[suite]:
            section = sections[scope.removesuffix(OWN)]
            if section is not None:
                scopes.add(scope if section.sequence_ids else scope.removesuffix(OWN))
    return len(scopes)


def scope_of(suite: str, item: pytest.Item, profile: Profile) -> str:
    """The suite, or for a test writing only records its section keeps for it (`own_records`,
    when the profile's section keeps some: its `sequence_ids`), a scope of its own."""
    section = profile.course if suite == COURSE else profile.tracks
    kept = section.sequence_ids if section is not None else ()
    return f"{suite}{OWN}" if item.get_closest_marker("own_records") and kept else suite


def write_suite_map(config: pytest.Config, items: list[pytest.Item]) -> None:
    """xdist worker: which suite each collected test belongs to, for the controller (written
    whole, then renamed: the controller never reads half a file)."""
    path = getattr(config, "workerinput", {}).get(SUITE_MAP)
    if path is None:
        return
    profile = config.stash[CONFIG_KEY].profile
    suites = {}
    for item in items:
        marker = item.get_closest_marker("suite")
        if marker is not None:
            suites[item.nodeid] = scope_of(str(marker.args[0]), item, profile)
    worker = config.workerinput["workerid"]  # type: ignore[attr-defined]
    partial = Path(f"{path}.{worker}")
    partial.write_text(json.dumps(suites), encoding="utf-8")
    os.replace(partial, path)
