"""`regconform run`: check the options, find or start the target, then hand over to pytest."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import click
import pytest

from regconform.cassettes.command import cassette_args, replay_run
from regconform.catalogue.contracts import DEFAULT_CONTRACTS_DIR, load_contracts
from regconform.catalogue.requirements import load_catalogue
from regconform.errors import EXIT_USAGE, ConfigError
from regconform.reference.fixtures import DEFAULT_TOKEN, TOKEN_ENV
from regconform.report.files import JUNIT_XML
from regconform.settings.config import Overrides, build_config
from regconform.target.embedded import embedded_server
from regconform.target.preflight import check_reachable

REPO = DEFAULT_CONTRACTS_DIR.parent
SUITES = {
    "course_registrations": "test_course_registrations.py",
    "event_track_registrations": "test_event_track_registrations.py",
    "shared": "test_shared_rules.py",
    "stateful": "test_stateful.py",
}
# pytest's exit codes already mean what ours do (0 conformant, 1 nonconformant, 2 interrupted,
# 3 internal error, 4 usage); only "no tests collected" (5) becomes a usage error.
NO_TESTS_COLLECTED = 5


def fail(message: str) -> None:
    click.echo(f"regconform: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


class OneLineUsageErrors(click.Command):
    """A bad option value is a usage error like any other: one line, exit 4 (click: 2)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            fail(exc.format_message())
            raise  # not reached: fail() exits


@contextmanager
def target(base_url: str | None, profile: Path | None) -> Iterator[tuple[str | None, Path | None]]:
    """The user's target, or the embedded reference server when none is given."""
    if base_url or profile:
        yield base_url, profile
        return
    os.environ.setdefault(TOKEN_ENV, DEFAULT_TOKEN)
    with embedded_server() as (url, written_profile):
        click.echo(f"regconform: no target given; testing the embedded reference server at {url}")
        yield None, written_profile


def pytest_args(flags: Overrides, suites: tuple[str, ...], extra: tuple[str, ...]) -> list[str]:
    """The pytest command line for these flags: one option per flag that was given."""
    files = [str(REPO / "suites" / SUITES[name]) for name in (suites or SUITES)]
    args = [
        *files,
        "--rootdir",
        str(REPO),
        "-c",
        str(REPO / "pyproject.toml"),
        "-p",
        "no:cacheprovider",
        # The suites judge through Verdicts and hold no bare assert, while rewriting every
        # module of schemathesis and hypothesis (never cached here) cost ~2 s a run.
        "--assert=plain",
    ]
    pairs = {
        "--profile": flags.profile_path,
        "--base-url": flags.base_url,
        "--token-env": flags.token_env,
        "--regconform-seed": flags.seed,
        "--regconform-max-examples": flags.max_examples,
        "--regconform-level": flags.level,
        "--regconform-timeout": flags.timeout,
        "--regconform-max-requests": flags.max_requests,
        "--regconform-rate-limit": flags.rate_limit,
        "--report-dir": flags.report_dir,
        "--regconform-baseline": flags.baseline_path,
        # junit.xml beside report.json and report.html (a --junitxml in `extra` comes later, wins)
        "--junitxml": (flags.report_dir or REPO / "reports") / JUNIT_XML,
    }
    args += [f"{name}={value}" for name, value in pairs.items() if value is not None]
    if flags.dry_run:
        args.append("--regconform-dry-run")
    return [*args, *extra]


@click.command(
    cls=OneLineUsageErrors,
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)
@click.option("--base-url", default=None, help="Server to test (overrides the profile's base_url).")
@click.option(
    "--profile", type=click.Path(path_type=Path), default=None, help="Target profile (TOML)."
)
@click.option("--token-env", default=None, help="Environment variable holding the bearer token.")
@click.option(
    "--suite",
    "suites",
    multiple=True,
    type=click.Choice(sorted(SUITES)),
    help="Run only these suites.",
)
@click.option("--seed", type=int, default=None, help="Seed of the generated requests (default 0).")
@click.option(
    "--max-examples", type=click.IntRange(min=1), default=None, help="Examples per generated test."
)
@click.option(
    "--level",
    type=click.Choice(["must", "should", "all"]),
    default=None,
    help="Weakest requirement level that fails the run (default: must).",
)
@click.option(
    "--timeout", type=click.FloatRange(min=0.1), default=None, help="Seconds to wait for an answer."
)
@click.option(
    "--dry-run", is_flag=True, help="Send nothing; list what would be sent per requirement."
)
@click.option(
    "--max-requests", type=click.IntRange(min=1), default=None, help="Budget of requests to send."
)
@click.option(
    "--rate-limit",
    type=click.FloatRange(min=0.01),
    default=None,
    help="At most R requests per second.",
)
@click.option(
    "--report-dir", type=click.Path(path_type=Path), default=None, help="Where reports go."
)
@click.option(
    "--baseline",
    type=click.Path(path_type=Path),
    default=None,
    help="Accepted deviations: TOML or YAML keyed by requirement id (reason, expires).",
)
# -- recorded cassettes (regconform.cassettes) --
@click.option("--record", is_flag=True, help="Record every suite test as a vcrpy cassette.")
@click.option(
    "--replay", is_flag=True, help="Replay recorded cassettes: no server, no network, no flags."
)
@click.option(
    "--cassettes",
    type=click.Path(path_type=Path),
    default=None,
    help="Cassette folder of --record/--replay (default: cassettes/).",
)
@click.option(
    "--scrub",
    multiple=True,
    metavar="REGEX",
    help="With --record: also replace text matching REGEX with *** (repeatable).",
)
@click.argument("pytest_extra", nargs=-1, type=click.UNPROCESSED)
def run(
    base_url: str | None,
    profile: Path | None,
    token_env: str | None,
    suites: tuple[str, ...],
    seed: int | None,
    max_examples: int | None,
    level: str | None,
    timeout: float | None,
    dry_run: bool,
    max_requests: int | None,
    rate_limit: float | None,
    report_dir: Path | None,
    baseline: Path | None,
    record: bool,
    replay: bool,
    cassettes: Path | None,
    scrub: tuple[str, ...],
    pytest_extra: tuple[str, ...],
) -> None:
    """Run the conformance suites against a server (default: the embedded reference server).

    Exit codes: 0 conformant, 1 nonconformance found, 2 interrupted, 3 internal error,
    4 usage or configuration error (bad profile, unset token variable, unreachable target).
    """
    # -- recorded cassettes: a replay needs no target, token or preflight --
    params = click.get_current_context().params
    if replay:
        sys.exit(replay_run(params, pytest_args, SUITES))
    try:
        pytest_extra = (*cassette_args(params), *pytest_extra)
    except ConfigError as exc:
        fail(str(exc))
    # --
    with ExitStack() as stack:
        try:
            # Contracts and catalogue first: broken data is a one-line error, not a crash in pytest.
            load_contracts()
            load_catalogue()
            base_url, profile = stack.enter_context(target(base_url, profile))
            flags = Overrides(
                profile_path=profile,
                base_url=base_url,
                token_env=token_env,
                seed=seed,
                max_examples=max_examples,
                level=level,
                timeout=timeout,
                dry_run=dry_run,
                max_requests=max_requests,
                rate_limit=rate_limit,
                report_dir=report_dir,
                baseline_path=baseline,
            )
            config = build_config(flags)
            if not dry_run:
                check_reachable(config.base_url, config.timeout)
        except ConfigError as exc:
            fail(str(exc))
        code = pytest.main(pytest_args(flags, suites, pytest_extra))
    sys.exit(EXIT_USAGE if code == NO_TESTS_COLLECTED else int(code))
