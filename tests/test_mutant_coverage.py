"""Self-tests of the shipped mutants as data: every server requirement has one, all are listed."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from regconform.catalogue.requirements import Level, load_catalogue
from regconform.mutants import MUTANTS, Mutant, get_mutant
from regconform.mutants.catalogue import described
from regconform.reference.semantics import Semantics
from regconform.run.cli import main

CATALOGUE = load_catalogue()
BREAKABLE = [
    rid
    for rid, requirement in CATALOGUE.items()
    if requirement.kind == "server" and requirement.level >= Level.SHOULD
]


@pytest.mark.parametrize("requirement", BREAKABLE)
def test_requirement_has_mutant_when_must_or_should(requirement: str) -> None:
    """Every MUST and SHOULD server requirement is broken by at least one mutant."""
    assert any(mutant.requirement == requirement for mutant in MUTANTS)


def test_mutants_name_known_server_requirements() -> None:
    """Each mutant breaks a catalogue requirement that a server can break."""
    unknown = [m.name for m in MUTANTS if m.requirement not in CATALOGUE]
    client = [m.name for m in MUTANTS if CATALOGUE[m.requirement].kind != "server"]
    assert (unknown, client) == ([], [])


def test_mutant_names_are_unique() -> None:
    """No two mutants share a name, so `--mutant NAME` is unambiguous."""
    names = [mutant.name for mutant in MUTANTS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda mutant: mutant.name)
def test_mutant_deviates_through_semantics_or_wrap(mutant: Mutant) -> None:
    """A mutant gives `serve` a Semantics instance and a wrap, and changes at least one."""
    semantics = mutant.semantics
    assert isinstance(semantics, Semantics)
    assert mutant.wrap is None or callable(mutant.wrap)
    assert type(semantics) is not Semantics or mutant.wrap is not None
    assert mutant.description and "\n" not in mutant.description


def test_get_mutant_raises_lookup_error_when_name_unknown() -> None:
    """An unknown name is a LookupError, which `serve` turns into a usage error."""
    assert get_mutant(MUTANTS[0].name) is MUTANTS[0]
    with pytest.raises(LookupError, match="nope"):
        get_mutant("nope")


def test_mutants_command_lists_every_mutant_with_its_requirement() -> None:
    """`regconform mutants` prints one line per mutant: name, requirement id, description."""
    result = CliRunner().invoke(main, ["mutants"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == len(MUTANTS)
    for line, mutant in zip(lines, MUTANTS, strict=True):
        assert line.split()[:2] == [mutant.name, mutant.requirement]
        assert line.endswith(mutant.description)


@pytest.mark.parametrize(
    "command", [["serve", "--mutant", "nope"], ["selftest", "--mutant", "nope"]]
)
def test_unknown_mutant_exits_4_with_one_line(command: list[str]) -> None:
    """Naming a mutant that does not exist is a one-line usage error (exit 4), nothing started."""
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 4
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert "unknown mutant 'nope'" in result.stderr


def test_described_mutant_takes_requirement_from_docstring_end() -> None:
    """A semantic mutant's id and description come from its class docstring, or it fails loudly."""
    mutant = get_mutant("ignores-lock")
    assert (mutant.requirement, mutant.description) == (
        "CR-040",
        "a locked record is updated like any other",
    )
    with pytest.raises(ValueError, match="docstring"):
        described("plain", Semantics)
