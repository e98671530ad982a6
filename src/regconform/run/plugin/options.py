"""The `regconform` option group of pytest, and the Overrides it gives the run's config.

Every option carries the `regconform` prefix: the plugin is installed into every pytest session
of its environment, where `--profile` or `--base-url` may belong to another plugin. The
`regconform` command keeps the short names and translates them (regconform.run.command).
Light on purpose: the entry point imports this module in every pytest session.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from regconform import cassettes
from regconform.settings.config import PLANS

if TYPE_CHECKING:
    from regconform.settings.config import Overrides

REPORTS = "reports"  # the report folder under the rootdir, when none is given
# Given by `regconform run`, which has already checked that the target answers.
NO_PREFLIGHT = "--regconform-no-preflight"
NO_PREFLIGHT_DEST = "regconform_no_preflight"


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("regconform", "regconform conformance suites")
    group.addoption("--regconform-base-url", default=None, help="base URL of the server under test")
    group.addoption("--regconform-profile", default=None, help="target profile (TOML)")
    group.addoption(
        "--regconform-token-env",
        default=None,
        help="environment variable holding the bearer token",
    )
    group.addoption(
        "--regconform-requirement",
        action="append",
        default=[],
        metavar="ID",
        help="run only the tests that judge requirement ID (repeatable)",
    )
    group.addoption(
        "--regconform-seed", type=int, default=None, help="seed of generated requests (default 0)"
    )
    group.addoption(
        "--regconform-max-examples", type=int, default=None, help="examples per generated test"
    )
    group.addoption(
        "--regconform-level",
        default=None,
        choices=("must", "should", "all"),
        help="weakest requirement level that fails the run (default must)",
    )
    group.addoption(
        "--regconform-timeout", type=float, default=None, help="seconds to wait for an answer"
    )
    group.addoption(
        "--regconform-dry-run", action="store_true", help="send nothing; count what would be sent"
    )
    group.addoption(
        "--regconform-max-requests", type=int, default=None, help="budget of requests sent"
    )
    group.addoption(
        "--regconform-rate-limit", type=float, default=None, help="at most R requests per second"
    )
    group.addoption(
        "--regconform-report-dir",
        default=None,
        help="where junit.xml, report.json and report.html are written (default: reports/)",
    )
    group.addoption(
        "--regconform-plan",
        default=None,
        choices=PLANS,
        help="full (default) or quick: one example per test, every MUST exercised once",
    )
    group.addoption(
        "--regconform-concurrency",
        type=int,
        default=None,
        help="requests in flight at once (default 1)",
    )
    group.addoption(
        "--regconform-suite-workers",
        action="store_true",
        default=False,
        help="with -n: each suite on an xdist worker of its own, its tests in order (read-back "
        "kept); regconform run --concurrency N > 1 asks for it",
    )
    group.addoption(
        "--regconform-no-shrink",
        action="store_true",
        default=False,
        help="report a test's first failing example as found, not shrunk (fewer requests)",
    )
    group.addoption(
        "--regconform-baseline",
        default=None,
        help="accepted deviations (TOML or YAML, keyed by requirement id)",
    )
    group.addoption(NO_PREFLIGHT, action="store_true", help=argparse.SUPPRESS)
    group.addoption(  # set by `regconform run`: how a failure says to re-run its test
        "--regconform-rerun", default=None, help=argparse.SUPPRESS
    )
    cassettes.add_options(group)  # --regconform-record/-replay/-cassettes/-scrub


def asked_for(config: pytest.Config) -> bool:
    """Whether any `--regconform-*` option was given: the session asks for the plugin."""
    given = (
        value
        for dest, value in vars(config.option).items()
        if dest.startswith("regconform_") and dest != NO_PREFLIGHT_DEST
    )
    return any(value is not None and value is not False and value != [] for value in given)


def report_folder(config: pytest.Config) -> Path:
    """Where the run's reports go: --regconform-report-dir, else reports/ under the rootdir."""
    given = config.getoption("regconform_report_dir")
    return Path(given) if given else Path(config.rootpath) / REPORTS


def overrides(config: pytest.Config) -> Overrides:
    """The command line's settings, for build_config (which decides precedence)."""
    from regconform.settings.config import Overrides

    option = config.getoption
    profile = option("regconform_profile")
    report_dir = option("regconform_report_dir")
    baseline = option("regconform_baseline")
    return Overrides(
        profile_path=Path(profile) if profile else None,
        base_url=option("regconform_base_url"),
        token_env=option("regconform_token_env"),
        seed=option("regconform_seed"),
        max_examples=option("regconform_max_examples"),
        level=option("regconform_level"),
        timeout=option("regconform_timeout"),
        dry_run=option("regconform_dry_run"),
        max_requests=option("regconform_max_requests"),
        rate_limit=option("regconform_rate_limit"),
        report_dir=Path(report_dir) if report_dir else None,
        baseline_path=Path(baseline) if baseline else None,
        plan=option("regconform_plan"),
        concurrency=option("regconform_concurrency"),
        no_shrink=option("regconform_no_shrink"),
    )
