"""The `regconform` option group of pytest, and the Overrides it gives the run's config."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

import pytest

from regconform import cassettes
from regconform.settings.config import Overrides


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("regconform", "regconform conformance suites")
    # pytest-base-url defines the same option; follow its convention when it is absent.
    with contextlib.suppress(ValueError):
        group.addoption("--base-url", default=None, help="base URL of the server under test")
    group.addoption("--profile", default=None, help="target profile (TOML)")
    group.addoption(
        "--token-env", default=None, help="environment variable holding the bearer token"
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
        "--regconform-plan",
        default=None,
        choices=("full", "quick"),
        help="full (default) or quick: one example per test, every MUST exercised once",
    )
    group.addoption(
        "--regconform-concurrency",
        type=int,
        default=None,
        help="requests in flight at once (default 1)",
    )
    group.addoption("--report-dir", default=None, help="where report files are written")
    group.addoption(
        "--regconform-baseline",
        default=None,
        help="accepted deviations (TOML or YAML, keyed by requirement id)",
    )
    group.addoption(  # set by `regconform run`: how a failure says to re-run its test
        "--regconform-rerun", default=None, help=argparse.SUPPRESS
    )
    cassettes.add_options(group)  # recorded cassettes: --regconform-record/-replay, --cassettes


def overrides(config: pytest.Config) -> Overrides:
    """The command line's settings, for build_config (which decides precedence)."""
    option = config.getoption
    profile = option("profile")
    report_dir = option("report_dir")
    baseline = option("regconform_baseline")
    return Overrides(
        profile_path=Path(profile) if profile else None,
        base_url=option("base_url"),
        token_env=option("token_env"),
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
    )
