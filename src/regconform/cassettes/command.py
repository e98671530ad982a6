"""`regconform revalidate`, and the cassette parts of `regconform run` (--record, --replay).

vcrpy and the cassette modules are imported inside the functions that need them: `regconform run`
imports this module for every run, most of which neither record nor replay."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click

from regconform.catalogue.contracts import contracts_dir, load_contracts
from regconform.catalogue.data import workspace
from regconform.errors import EXIT_NONCONFORMANT, EXIT_USAGE, ConfigError
from regconform.harness.session import run_suites
from regconform.settings.config import Overrides

# `regconform run` options a replay cannot take: it has the recorded target, profile, baseline
TARGET_OPTIONS = ("profile", "base_url", "token_env", "dry_run", "record", "baseline", "scrub")


def default_cassettes() -> Path:
    """cassettes/ of the checkout, or of the current folder when installed from a wheel."""
    return workspace() / "cassettes"


def _error(command: str, message: str) -> int:
    click.echo(f"regconform{command}: error: {message}", err=True)
    return EXIT_USAGE


def cassette_args(params: Mapping[str, Any]) -> tuple[str, ...]:
    """The pytest options of `run --record`: recording happens inside the plugin."""
    if not params["record"]:
        if params["cassettes"] or params["scrub"]:
            raise ConfigError("--cassettes and --scrub need --record or --replay")
        return ()
    from regconform.cassettes._folder import check_record_folder

    folder = check_record_folder(params["cassettes"] or default_cassettes())
    scrubs = [f"--regconform-scrub={pattern}" for pattern in params["scrub"]]
    return ("--regconform-record", f"--regconform-cassettes={folder}", *scrubs)


def replay_run(
    params: Mapping[str, Any],
    build_args: Callable[[Overrides, tuple[str, ...], tuple[str, ...]], list[str]],
    suite_files: Mapping[str, str],
) -> int:
    """`run --replay`: no embedded server, no preflight, no network; the recorded settings."""
    given = [f"--{name.replace('_', '-')}" for name in TARGET_OPTIONS if params.get(name)]
    if given:
        return _error("", f"{given[0]} cannot be used with --replay: it replays the recording")
    from regconform.cassettes._metadata import (
        REPLAYED_SETTINGS,
        changed_contracts,
        check_generation,
        check_settings,
        contracts_changed_error,
        generation_versions,
        load_recording,
    )

    folder = params["cassettes"] or default_cassettes()
    try:
        recording = load_recording(folder)
        check_settings(recording, {name: params[name] for name in REPLAYED_SETTINGS})
        changed = changed_contracts(recording, load_contracts().hashes)
        if changed:
            raise contracts_changed_error(recording, changed)
        check_generation(recording, generation_versions())
        suites = params["suites"] or _recorded_suites(list(recording.suites), suite_files)
    except ConfigError as exc:
        return _error("", str(exc))
    # Seed, examples, level and budget as given (the plugin fills in the recorded ones).
    flags = Overrides(
        seed=params["seed"],
        max_examples=params["max_examples"],
        level=params["level"],
        max_requests=params["max_requests"],
        report_dir=params["report_dir"],
    )
    extra = ("--regconform-replay", f"--regconform-cassettes={folder}", *params["pytest_extra"])
    return run_suites(build_args(flags, suites, extra))


def _recorded_suites(recorded: list[str], suite_files: Mapping[str, str]) -> tuple[str, ...]:
    by_module = {Path(file).stem: name for name, file in suite_files.items()}
    unknown = [m for m in recorded if m not in by_module]
    if unknown:
        raise ConfigError(f"the cassettes hold suite {unknown[0]}, which no longer exists")
    return tuple(by_module[module] for module in recorded)


@click.command()
@click.option(
    "--cassettes",
    type=click.Path(path_type=Path),
    default=None,
    help="Cassette folder (default: cassettes/).",
)
@click.option(
    "--contracts",
    "contracts_folder",
    type=click.Path(path_type=Path),
    default=None,
    help="Contracts to judge against (default: REGCONFORM_CONTRACTS, else contracts/).",
)
def revalidate(cassettes: Path | None, contracts_folder: Path | None) -> None:
    """Re-judge every recorded response against the current contracts, without a network.

    Prints each recorded response that no longer conforms (cassette, interaction, request,
    requirement, why). Exit codes: 0 all conform, 1 some do not, 4 missing, foreign or corrupt
    cassette folder, or bad contracts.
    """
    from regconform.cassettes._metadata import load_recording
    from regconform.cassettes._revalidate import revalidate as judge

    folder = cassettes or default_cassettes()
    try:
        recording = load_recording(folder)
        contracts = load_contracts((contracts_folder or contracts_dir()).resolve())
        findings, judged = judge(recording, contracts)
    except ConfigError as exc:
        sys.exit(_error(" revalidate", str(exc)))
    for finding in findings:
        click.echo(finding.line())
    broken = len({(f.cassette, f.index) for f in findings})
    where = f"the contracts in {contracts.root}"
    if broken:
        ids = sorted({f.requirement for f in findings})
        click.echo(
            f"revalidate: {broken} of {judged} recorded responses no longer conform to {where} "
            f"({', '.join(ids)})"
        )
        sys.exit(EXIT_NONCONFORMANT)
    click.echo(f"revalidate: all {judged} recorded responses conform to {where}")
