"""junit.xml stays readable: each test case names its requirement ids, not a JSON blob.

pytest's junitxml writes every user property of a test as <property name value>. A suite test
carries ("requirement", id) for each id it verifies, and the plugin adds its tallies as one JSON
property ("regconform.tallies") so they travel from xdist workers. That JSON holds the last
violation of each requirement with its request and response: kilobytes of escaped JSON per
test case, duplicating report.json. It is swapped for one ("violated", id) property per broken
requirement once the run recorder has read it.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from typing import Any

import pytest

from regconform.judging.results import PROPERTY

VIOLATED = "violated"


def readable(properties: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The properties with the tallies blob replaced by the ids it saw violated."""
    kept = [(name, value) for name, value in properties if name != PROPERTY]
    for name, value in properties:
        if name == PROPERTY:
            tallies: dict[str, dict[str, Any]] = json.loads(value)
            kept += [(VIOLATED, rid) for rid, tally in tallies.items() if tally["violated"]]
    return kept


class JUnitProperties:
    """Rewrites the properties of each report before junitxml (or anything after us) sees them.

    The call report keeps its tallies until every other plugin has read it (the run recorder
    merges them, xdist workers send them on); setup and teardown reports, whose properties
    junitxml writes, lose them first.
    """

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> Generator[None, None, None]:
        if report.when != "call":
            report.user_properties = readable(list(report.user_properties))
        yield
        if report.when == "call":
            report.user_properties = readable(list(report.user_properties))
