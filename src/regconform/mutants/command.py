"""`regconform mutants` lists the shipped mutants; `regconform selftest` runs the kill matrix."""

from __future__ import annotations

import click

from regconform.errors import EXIT_USAGE
from regconform.mutants import MUTANTS, Mutant, get_mutant
from regconform.mutants.killmatrix import DEFAULT_JOBS, RunOutcome, kill_matrix, matrix_lines

# Enough generated examples for every mutant to be caught with seed 0 (the kill matrix is the
# proof), and few enough for the whole matrix to run in minutes on two cores.
SELFTEST_MAX_EXAMPLES = 5


@click.command()
def mutants() -> None:
    """List the shipped mutants: name, the requirement each breaks, what it does wrong."""
    name_width = max(len(mutant.name) for mutant in MUTANTS)
    id_width = max(len(mutant.requirement) for mutant in MUTANTS)
    for mutant in MUTANTS:
        click.echo(
            f"{mutant.name:<{name_width}}  {mutant.requirement:<{id_width}}  {mutant.description}"
        )


def _chosen(names: tuple[str, ...]) -> tuple[Mutant, ...]:
    if not names:
        return MUTANTS
    try:
        return tuple(get_mutant(name) for name in dict.fromkeys(names))
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
    "names",
    multiple=True,
    metavar="NAME",
    help="Only these mutants (repeatable; default: all). The reference server always runs.",
)
def selftest(jobs: int, max_examples: int, names: tuple[str, ...]) -> None:
    """Run every suite against the reference server and each mutant; print the kill matrix.

    Exits 0 when the reference server draws no fail or warn and every mutant is caught by the
    requirement it breaks; 1 otherwise; 4 for an unknown mutant name.
    """
    chosen = _chosen(names)
    total = len(chosen) + 1
    done = 0

    def progress(outcome: RunOutcome) -> None:
        nonlocal done
        done += 1
        click.echo(f"[{done}/{total}] {outcome.label} ({outcome.seconds:.1f} s)", err=True)

    matrix = kill_matrix(chosen, jobs=jobs, max_examples=max_examples, progress=progress)
    for line in matrix_lines(matrix):
        click.echo(line)
    raise SystemExit(0 if matrix.passed else 1)
