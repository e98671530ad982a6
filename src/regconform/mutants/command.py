"""`regconform mutants` lists the shipped mutants (and legal variants); `regconform selftest`
runs the kill matrix and the false-alarm matrix."""

from __future__ import annotations

import click

from regconform.errors import EXIT_USAGE
from regconform.mutants import MUTANTS, Mutant, get_mutant
from regconform.mutants.killmatrix import DEFAULT_JOBS, RunOutcome, kill_matrix, matrix_lines
from regconform.mutants.variants import VARIANTS, Variant, get_variant
from regconform.mutants.variants import matrix as false_alarms

# Enough generated examples for every mutant to be caught with seed 0 (the kill matrix is the
# proof), and few enough for the whole matrix to run in minutes on two cores. The false-alarm
# matrix runs with the same number: a variant must pass what the kill matrix runs.
SELFTEST_MAX_EXAMPLES = 5


def _table(rows: list[tuple[str, str, str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    return [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c}" for a, b, c in rows]


@click.command()
@click.option("--variants", "legal", is_flag=True, help="List the legal variants instead.")
def mutants(legal: bool) -> None:
    """List the shipped mutants: name, the requirement each breaks, what it does wrong
    (--variants: the legal variants, what makes each legal, what each does differently)."""
    if legal:
        rows = [(v.name, v.legal_because.cite, v.description) for v in VARIANTS]
    else:
        rows = [(m.name, m.requirement, m.description) for m in MUTANTS]
    for line in _table(rows):
        click.echo(line)


def _chosen(
    mutant_names: tuple[str, ...], variant_names: tuple[str, ...]
) -> tuple[tuple[Mutant, ...], tuple[Variant, ...]]:
    if not mutant_names and not variant_names:
        return MUTANTS, VARIANTS
    try:
        return (
            tuple(get_mutant(name) for name in dict.fromkeys(mutant_names)),
            tuple(get_variant(name) for name in dict.fromkeys(variant_names)),
        )
    except LookupError as exc:
        click.echo(f"regconform selftest: {exc.args[0]}", err=True)
        raise SystemExit(EXIT_USAGE) from None


@click.command()
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=DEFAULT_JOBS,
    show_default=True,
    help="Targets tested at once (each is a server and a suite run).",
)
@click.option(
    "--max-examples",
    type=click.IntRange(min=1),
    default=SELFTEST_MAX_EXAMPLES,
    show_default=True,
    help="Examples per generated test in every run.",
)
@click.option(
    "--mutant",
    "mutant_names",
    multiple=True,
    metavar="NAME",
    help="Only these mutants (repeatable). The reference server always runs.",
)
@click.option(
    "--variant",
    "variant_names",
    multiple=True,
    metavar="NAME",
    help="Only these legal variants (repeatable). Naming neither: every mutant and variant.",
)
@click.option(
    "--plan",
    type=click.Choice(["full", "quick"]),
    default="full",
    show_default=True,
    help="Every run's plan: `quick` shows what a per-commit gate (regconform run --plan "
    "quick) catches and passes.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Every run's requests in flight (regconform run --concurrency).",
)
def selftest(
    jobs: int,
    max_examples: int,
    mutant_names: tuple[str, ...],
    variant_names: tuple[str, ...],
    plan: str,
    concurrency: int,
) -> None:
    """Run every suite against the reference server, each mutant and each legal variant; print
    the kill matrix and the false-alarm matrix.

    Exits 0 when the reference server draws no fail or warn, every mutant is caught by the
    requirement it breaks, and every legal variant passes (nothing flagged but the INFERRED
    choices it declares, and at least one answer changed); 1 otherwise; 4 for an unknown name.
    """
    chosen, legal = _chosen(mutant_names, variant_names)
    options = ["--plan", plan, "--concurrency", str(concurrency)]
    total = len(chosen) + len(legal) + 1
    done = 0

    def progress(label: str, seconds: float) -> None:
        nonlocal done
        done += 1
        click.echo(f"[{done}/{total}] {label} ({seconds:.1f} s)", err=True)

    def outcome(row: RunOutcome) -> None:
        progress(row.label, row.seconds)

    kills = kill_matrix(
        chosen, jobs=jobs, max_examples=max_examples, progress=outcome, options=options
    )
    passed = kills.passed
    if chosen or not legal:
        for line in matrix_lines(kills):
            click.echo(line)
    if legal:
        alarms = false_alarms.false_alarm_matrix(
            legal,
            reference=kills.reference,
            jobs=jobs,
            max_examples=max_examples,
            progress=progress,
            options=options,
        )
        click.echo("")
        for line in false_alarms.matrix_lines(alarms):
            click.echo(line)
        passed = passed and alarms.passed
    raise SystemExit(0 if passed else 1)
