"""junit.xml of a run that breaks one requirement: the cases that judge it fail, naming it."""

from __future__ import annotations

from junitparser import JUnitXml, Properties, TestCase
from report_runs import BROKEN, BROKEN_TESTS, Run

from regconform.judging.results import PROPERTY


def properties(case: TestCase) -> list[tuple[str, str]]:
    found = case.child(Properties)
    return [] if found is None else [(p.name, p.value) for p in found]


def test_junit_fails_the_cases_that_judge_the_broken_requirement_and_names_it(
    failing_run: Run,
) -> None:
    """Exactly the cases that send a valid course update fail; each carries ("requirement", id)
    and ("violated", id) properties for the broken requirement and no other."""
    assert failing_run.code == 1, failing_run.explain()
    cases = [
        case
        for suite in JUnitXml.fromfile(str(failing_run.reports / "junit.xml"))
        for case in suite
    ]
    assert len(cases) >= 13  # the suites' test cases, both endpoint parameters included
    failing = [case for case in cases if case.is_failure or case.is_error]
    assert sorted(case.name for case in failing) == sorted(BROKEN_TESTS)
    for case in failing:
        assert ("requirement", BROKEN) in properties(case)
        assert [value for name, value in properties(case) if name == "violated"] == [BROKEN]


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
