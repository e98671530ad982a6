"""`regconform run`: check the options, find or start the target, then hand over to pytest."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

import click
import pytest

from regconform.cassettes.command import cassette_args, replay_run
from regconform.catalogue.contracts import load_contracts
from regconform.catalogue.data import suites_dir, workspace
from regconform.catalogue.requirements import load_catalogue, require_known
from regconform.errors import EXIT_USAGE, ConfigError
from regconform.harness.session import run_suites
from regconform.reference.fixtures import DEFAULT_TOKEN
from regconform.run.plugin.options import NO_PREFLIGHT, REPORTS
from regconform.run.plugin.prepared import Prepared, ProbeBesideWorkers
from regconform.run.plugin.workers import scope_count
from regconform.settings.config import PLANS, Overrides, RunConfig, build_config
from regconform.target.embedded import embedded_server
from regconform.target.probe import check_target
from regconform.target.token import with_token

# The pytest configuration of the suites run: our own (empty), never the current folder's.
PYTEST_CONFIG = Path(__file__).with_name("suites.ini")
SUITES = {
    "course_registrations": "test_course_registrations.py",
    "event_track_registrations": "test_event_track_registrations.py",
    "shared": "test_shared_rules.py",
    "stateful": "test_stateful.py",
}
# pytest's exit codes already mean what ours do (0 conformant, 1 nonconformant, 2 interrupted,
# 3 internal error, 4 usage); only "no tests collected" (5) becomes a usage error.


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


def check_pytest_options(extra: tuple[str, ...]) -> None:
    """The options passed on to pytest, parsed by pytest's own parser now (no session starts):
    an unknown one is a one-line usage error before a server starts or a request is sent."""
    if not extra:
        return
    from _pytest.config import _prepareconfig

    try:
        config = _prepareconfig(pytest_args(Overrides(), (), extra))
    except pytest.UsageError as exc:
        lines = str(exc).splitlines() or [""]
        said = next((line.split(": error: ", 1)[1] for line in lines if ": error: " in line), None)
        raise ConfigError(f"pytest: {said or lines[0]}") from None
    config._ensure_unconfigure()


@contextmanager
def target(
    base_url: str | None, profile: Path | None
) -> Iterator[tuple[str | None, Path | None, str | None]]:
    """The user's target, or the embedded reference server when none is given; with the token
    the target takes when it is ours (the embedded server's own, whatever the user exported)."""
    if base_url or profile:
        yield base_url, profile, None
        return
    with embedded_server() as (url, written_profile):
        click.echo(f"regconform: no target given; testing the embedded reference server at {url}")
        yield None, written_profile, DEFAULT_TOKEN


def prepared(config: RunConfig, workers: bool) -> tuple[Prepared, ProbeBesideWorkers | None]:
    """Before pytest: the token (minted if [auth] says so), then, unless nothing is to be sent,
    the preflight and the configuration probe; with `workers` (a worker per suite) those two
    are sent by pytest once the workers have started (ProbeBesideWorkers). Any of them wrong
    here: a ConfigError."""
    if config.dry_run:
        return Prepared(config.token), None
    config = with_token(config)
    if workers:
        return Prepared(config.token, config.extra_secrets), ProbeBesideWorkers(config)
    return Prepared(config.token, config.extra_secrets, check_target(config)), None


def pytest_args(flags: Overrides, suites: tuple[str, ...], extra: tuple[str, ...]) -> list[str]:
    """The pytest command line for these flags: the short names become the plugin's
    `--regconform-*` options, one per flag that was given."""
    folder = suites_dir()  # the checkout's suites/, or the wheel's copy
    files = [str(folder / SUITES[name]) for name in (suites or SUITES)]
    args = [
        *files,
        "--rootdir",
        str(folder.parent),
        "-c",
        str(PYTEST_CONFIG),
        "--confcutdir",  # the suites' own conftest.py, none above it
        str(folder),
        "-p",  # the plugin even with PYTEST_DISABLE_PLUGIN_AUTOLOAD set (else already loaded)
        "regconform.run.plugin",
        "-p",
        "no:cacheprovider",
        # The suites judge through Verdicts and hold no bare assert, while rewriting every
        # module of schemathesis and hypothesis (never cached here) cost ~2 s a run.
        "--assert=plain",
        NO_PREFLIGHT,  # checked already (a replay and a dry run send nothing to check)
    ]
    pairs = {
        "--regconform-profile": flags.profile_path,
        "--regconform-base-url": flags.base_url,
        "--regconform-token-env": flags.token_env,
        "--regconform-seed": flags.seed,
        "--regconform-max-examples": flags.max_examples,
        "--regconform-level": flags.level,
        "--regconform-timeout": flags.timeout,
        "--regconform-max-requests": flags.max_requests,
        "--regconform-rate-limit": flags.rate_limit,
        # junit.xml goes beside report.json and report.html (the plugin asks pytest for it)
        "--regconform-report-dir": flags.report_dir or workspace() / REPORTS,
        "--regconform-baseline": flags.baseline_path,
        "--regconform-plan": flags.plan,
        "--regconform-concurrency": flags.concurrency,
    }
    args += [f"{name}={value}" for name, value in pairs.items() if value is not None]
    if flags.dry_run:
        args.append("--regconform-dry-run")
    if flags.no_shrink:
        args.append("--regconform-no-shrink")
    return [*args, *extra]


# Workers of a concurrent run: one per scope the selected suites make (run.plugin.workers:
# each section's tests, and its sequences on records of their own), 4 at most.
# Options by which the user chose pytest-xdist workers, or none: then theirs hold.
XDIST_CHOSEN = ("-n", "--numprocesses", "--dist", "--maxprocesses")


def suite_workers(
    concurrency: int | None, dry_run: bool, record: bool, extra: Sequence[str], scopes: int
) -> tuple[str, ...]:
    """`--concurrency N` > 1: the two endpoints' tests at once, each suite's on an xdist worker
    of its own (regconform.run.plugin.workers), N requests in flight between them: a worker
    per scope of the tests selected (`scopes`). Not when there is one scope (one process sends
    as much: its tests run one after the other anyway), the user chose workers (or none),
    nothing is sent, or cassettes record (one request at a time)."""
    if (concurrency or 1) <= 1 or dry_run or record or scopes <= 1:
        return ()
    chosen = any(arg.startswith(XDIST_CHOSEN) or arg == "no:xdist" for arg in extra)
    return () if chosen else ("-n", str(scopes), "--regconform-suite-workers")


def requirement_args(requirements: tuple[str, ...]) -> tuple[str, ...]:
    """The pytest options selecting the tests of `requirements`; an id the catalogue does not
    hold is a ConfigError, before anything starts."""
    require_known(requirements)
    return tuple(f"--regconform-requirement={rid}" for rid in requirements)


# The options a failure's re-run command repeats: the target and what shapes the requests.
RERUN_OPTIONS = ("profile", "base_url", "token_env", "seed", "max_examples", "level", "timeout")


def rerun_prefix(params: dict[str, object]) -> str:
    """`regconform run` with the options of this run that decide what a test sends."""
    words = ["regconform", "run"]
    for name in RERUN_OPTIONS:
        if params.get(name) is not None:
            words += [f"--{name.replace('_', '-')}", shlex.quote(str(params[name]))]
    if params.get("no_shrink"):
        words.append("--no-shrink")  # the same first failing example, not a shrunk one
    return " ".join(words)


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
@click.option(
    "--requirement",
    "requirements",
    multiple=True,
    metavar="ID",
    help="Run only the tests that judge this requirement (repeatable), e.g. CR-048.",
)
@click.option(
    "--seed",
    type=int,
    default=None,
    help="Seed of the generated requests (0 or more; default 0). The same seed sends the same "
    "requests, byte for byte, with the same regconform, options and profile, to a server in the "
    "same state: its answers feed back into what is sent next.",
)
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
    "--concurrency",
    type=click.IntRange(min=1),
    default=None,
    help="Requests in flight at once (default 1: the request log's order is fixed).",
)
@click.option(
    "--no-shrink",
    is_flag=True,
    help="Report a test's first failing example as found, not shrunk (fewer requests).",
)
@click.option(
    "--plan",
    type=click.Choice(PLANS),
    default=None,
    help="full (default), or quick: one example per test, every MUST exercised at least once.",
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
    requirements: tuple[str, ...],
    seed: int | None,
    max_examples: int | None,
    level: str | None,
    timeout: float | None,
    dry_run: bool,
    max_requests: int | None,
    rate_limit: float | None,
    concurrency: int | None,
    no_shrink: bool,
    plan: str | None,
    report_dir: Path | None,
    baseline: Path | None,
    record: bool,
    replay: bool,
    cassettes: Path | None,
    scrub: tuple[str, ...],
    pytest_extra: tuple[str, ...],
) -> None:
    """Run the conformance suites against a server (default: the embedded reference server).

    Exit codes: 0 conformant, 1 nonconformance found or the target broke down mid-run,
    2 interrupted, 3 internal error, 4 usage or configuration error (bad profile, unset token
    variable, refused token grant, unreachable target, or a setup the configuration probe finds
    wrong), 5 incomplete (nothing broken, but a MUST requirement not exercised or not run).
    """
    params = click.get_current_context().params
    try:
        check_pytest_options(pytest_extra)
        pytest_extra = (*requirement_args(requirements), *pytest_extra)
    except ConfigError as exc:
        fail(str(exc))
    # -- recorded cassettes: a replay needs no target, token or preflight --
    if replay:
        sys.exit(replay_run(params, pytest_args, SUITES))
    try:
        pytest_extra = (*cassette_args(params), *pytest_extra)
    except ConfigError as exc:
        fail(str(exc))
    # --
    given = {**params, "seed": seed or 0}  # the run's seed, given or not
    pytest_extra = (f"--regconform-rerun={rerun_prefix(given)}", *pytest_extra)
    with ExitStack() as stack:
        try:
            # Contracts and catalogue first: broken data is a one-line error, not a crash in pytest.
            load_contracts()
            load_catalogue()
            base_url, profile, own_token = stack.enter_context(target(base_url, profile))
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
                token=own_token,
                plan=plan,
                concurrency=concurrency,
                no_shrink=no_shrink,
            )
            config = build_config(flags)
            scopes = scope_count(suites, config.profile)
            workers = suite_workers(concurrency, dry_run, record, pytest_extra, scopes)
            ready, probe = prepared(config, bool(workers))
        except ConfigError as exc:
            fail(str(exc))
        plugins = [ready] if probe is None else [ready, probe]
        code = run_suites(pytest_args(flags, suites, (*workers, *pytest_extra)), plugins=plugins)
        if probe is not None and probe.interrupted:
            raise KeyboardInterrupt  # told as every Ctrl-C is (run.cli): one line, exit 2
        if probe is not None and probe.error is not None:
            fail(probe.error)
    sys.exit(code)
