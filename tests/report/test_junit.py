"""junit.xml of a run that breaks one requirement: one failing case, naming that requirement."""

from __future__ import annotations

from junitparser import JUnitXml, Properties, TestCase
from report_runs import BROKEN, BROKEN_TEST, Run

from regconform.results import PROPERTY


def properties(case: TestCase) -> list[tuple[str, str]]:
    found = case.child(Properties)
    return [] if found is None else [(p.name, p.value) for p in found]


def test_junit_has_one_failing_case_whose_properties_name_the_broken_requirement(
    failing_run: Run,
) -> None:
    """Exactly one case fails; it carries ("requirement", id) and ("violated", id) properties."""
    assert failing_run.code == 1, failing_run.output
    cases = [
        case
        for suite in JUnitXml.fromfile(str(failing_run.reports / "junit.xml"))
        for case in suite
    ]
    assert len(cases) > 30
    failing = [case for case in cases if case.is_failure or case.is_error]
    assert [case.name for case in failing] == [BROKEN_TEST]
    assert ("requirement", BROKEN) in properties(failing[0])
    assert [value for name, value in properties(failing[0]) if name == "violated"] == [BROKEN]


def test_junit_keeps_every_requirement_id_and_drops_the_tallies_blob(failing_run: Run) -> None:
    """Every case names its requirement ids; none carries the JSON tallies property."""
    cases = [
        case
        for suite in JUnitXml.fromfile(str(failing_run.reports / "junit.xml"))
        for case in suite
    ]
    names = [name for case in cases for name, _ in properties(case)]
    assert PROPERTY not in names
    assert all(any(n == "requirement" for n, _ in properties(case)) for case in cases)
