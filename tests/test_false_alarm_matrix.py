"""The false-alarm matrix: the suites pass every legal variant of the reference server.

The kill matrix proves the suites fail broken servers; this proves they do not fail correct
ones that differ from ours in ways the documents and HTTP allow. Every variant is a real
`regconform serve --variant NAME` process tested by a real `regconform run` at the default
failing level, as a user's run is (an undeclared SHOULD or INFERRED flag still shows, as a warn);
it passes when its verdicts are the reference server's (bar the INFERRED choices it declares it
makes otherwise) and it changed at least one answer the suites got.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from regconform.catalogue.contracts import DEFAULT_CONTRACTS_DIR
from regconform.catalogue.requirements import Level, load_catalogue
from regconform.mutants import MUTANTS
from regconform.mutants.command import SELFTEST_MAX_EXAMPLES
from regconform.mutants.killmatrix import DEFAULT_JOBS, RunOutcome, SuiteRun
from regconform.mutants.variants import VARIANTS, Variant, get_variant
from regconform.mutants.variants._variant import CHANGED_MARK
from regconform.mutants.variants.matrix import (
    FalseAlarmMatrix,
    VariantRun,
    false_alarm_matrix,
    matrix_lines,
)
from regconform.reference.semantics import Semantics
from regconform.run.cli import main

DOCS = DEFAULT_CONTRACTS_DIR / "docs"
CATALOGUE = load_catalogue()


@pytest.fixture(scope="module")
def matrix() -> FalseAlarmMatrix:
    """Every legal variant and the reference server, run once for the module (minutes)."""
    return false_alarm_matrix(VARIANTS, jobs=DEFAULT_JOBS, max_examples=SELFTEST_MAX_EXAMPLES)


@pytest.mark.slow
def test_every_legal_variant_passes_and_was_seen(matrix: FalseAlarmMatrix) -> None:
    """No variant draws a fail or warn beyond its declared INFERRED choices, and each changed
    answers the suites received (the table shows how many)."""
    shown = "\n".join(matrix_lines(matrix))
    assert matrix.reference.error is None and matrix.reference.flagged == (), shown
    assert [row.variant.name for row in matrix.failed] == [], shown
    assert all(row.changed > 0 for row in matrix.rows), shown
    assert matrix.passed, shown


def test_there_are_at_least_twenty_variants_named_apart_from_the_mutants() -> None:
    """Enough legal variants, each its own name (serve --variant NAME is unambiguous)."""
    names = [variant.name for variant in VARIANTS]
    assert len(names) >= 20 and len(names) == len(set(names))
    assert not set(names) & {mutant.name for mutant in MUTANTS}


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda variant: variant.name)
def test_variant_cites_what_makes_it_legal(variant: Variant) -> None:
    """`legal_because` quotes its source verbatim, or says the sources are silent."""
    because = variant.legal_because
    path = DOCS / because.source
    assert path.is_file(), because.source
    assert because.quote.startswith("sources silent") or because.quote in path.read_text(
        encoding="utf-8"
    ), because.quote


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda variant: variant.name)
def test_variant_departs_only_from_inferred_choices(variant: Variant) -> None:
    """What a variant may be warned about is INFERRED (our choice), never MUST or SHOULD."""
    for rid in variant.departs_from:
        assert CATALOGUE[rid].level == Level.INFERRED, rid


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda variant: variant.name)
def test_variant_differs_through_semantics_or_wrap(variant: Variant) -> None:
    """A variant gives `serve` its decisions and a wrap, and changes at least one."""
    assert isinstance(variant.semantics, Semantics)
    assert type(variant.semantics) is not Semantics or variant.wrap is not None
    assert variant.description and "\n" not in variant.description


def _run(verdicts: dict[str, str], changed: int = 3, error: str | None = None) -> SuiteRun:
    log = "\n".join([f"{CHANGED_MARK} PUT /x -> 200: body"] * changed + ["INFO: other"])
    report = {"internal_errors": [], "stopped": None}
    return SuiteRun(verdicts, report if error is None else {}, log, 1.0, error)


REFERENCE = {"CR-036": "pass", "CR-047": "pass", "GEN-007": "self-tested"}


@pytest.mark.parametrize(
    ("name", "verdicts", "changed", "expected"),
    [
        ("chunked", REFERENCE, 3, "passes"),
        ("chunked", {**REFERENCE, "CR-036": "fail"}, 3, "FALSE ALARM"),
        ("chunked", {**REFERENCE, "CR-047": "warn"}, 3, "FALSE ALARM"),
        ("basic-format-times", {**REFERENCE, "CR-047": "fail"}, 3, "passes"),
        ("basic-format-times", {**REFERENCE, "CR-036": "not run"}, 3, "FALSE ALARM"),
        ("chunked", REFERENCE, 0, "PROVES NOTHING"),
    ],
)
def test_variant_run_passes_only_as_the_reference_did(
    name: str, verdicts: dict[str, str], changed: int, expected: str
) -> None:
    """A variant passes with the reference's verdicts, bar its declared INFERRED departures
    (which may warn or fail at --level all), and only when it changed an answer."""
    row = VariantRun(get_variant(name), _run(verdicts, changed))
    assert row.changed == changed
    assert row.verdict(REFERENCE) == expected, row.problems(REFERENCE)


def test_matrix_fails_on_any_row_and_prints_one_line_per_variant() -> None:
    """One false alarm fails the matrix; the table names variant, citation, count, verdict."""
    reference = RunOutcome(None, REFERENCE, 1.0)
    rows = (
        VariantRun(get_variant("chunked"), _run(REFERENCE, 220)),
        VariantRun(get_variant("gzip"), _run({**REFERENCE, "CR-036": "fail"}, 5)),
    )
    matrix = FalseAlarmMatrix(reference, rows, 3.0)
    assert not matrix.passed and [r.variant.name for r in matrix.failed] == ["gzip"]
    lines = list(matrix_lines(matrix))
    assert lines[1].split()[:6] == ["chunked", "RFC", "9112", "7.1", "220", "passes"]
    assert "FALSE ALARM" in lines[2] and "CR-036 fail (reference: pass)" in lines[2]
    assert "false-alarm matrix: 1/2 legal variants pass" in lines
    assert FalseAlarmMatrix(reference, rows[:1], 1.0).passed


def test_mutants_command_lists_variants_with_their_citation() -> None:
    """`regconform mutants --variants` prints one line per variant: name, citation, change."""
    result = CliRunner().invoke(main, ["mutants", "--variants"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [variant.name for variant in VARIANTS]
    assert all(line.endswith(v.description) for line, v in zip(lines, VARIANTS, strict=True))


@pytest.mark.parametrize(
    "command", [["serve", "--variant", "nope"], ["selftest", "--variant", "nope"]]
)
def test_unknown_variant_exits_4_with_one_line(command: list[str], tmp_path: Path) -> None:
    """Naming a variant that does not exist is a one-line usage error (exit 4)."""
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 4
    assert len(result.stderr.splitlines()) == 1
    assert "unknown variant 'nope'" in result.stderr


def test_servers_closing_kept_alive_connections_pass_at_concurrency_8() -> None:
    """The variants closing a kept-alive connection under a request (bare, or after a 408)
    pass with requests in flight together too: there a request may meet one pooled connection
    after another that the server closes, each of which may answer it so once. At
    --concurrency 8 the 408 variant failed in 4 runs of 4 (at 4: in 3 of 4) before such a 408
    was sent again as a close is (target.transport.MAX_CLOSES, not MAX_408_REPEATS)."""
    variants = [get_variant("closes-kept-alive"), get_variant("408-on-kept-alive")]
    matrix = false_alarm_matrix(
        variants, jobs=2, max_examples=SELFTEST_MAX_EXAMPLES, options=("--concurrency", "8")
    )
    shown = "\n".join(matrix_lines(matrix))
    assert matrix.reference.error is None and matrix.reference.flagged == (), shown
    assert [row.variant.name for row in matrix.failed] == [], shown
    assert all(row.changed > 0 for row in matrix.rows), shown
