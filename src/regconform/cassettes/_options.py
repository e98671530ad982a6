"""The cassette options of the pytest plugin. Light on purpose: every pytest run loads it, and
vcrpy is imported only when a run records or replays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


def add_options(group: Any) -> None:
    """The cassette options, in the regconform option group."""
    group.addoption(
        "--regconform-record",
        action="store_true",
        help="record each suite test's HTTP exchanges as a vcrpy cassette (see --cassettes)",
    )
    group.addoption(
        "--regconform-replay",
        action="store_true",
        help="replay recorded cassettes offline, with the recorded seed, examples and profile",
    )
    group.addoption(
        "--cassettes", default=None, metavar="DIR", help="cassette folder (default: cassettes/)"
    )
    group.addoption(
        "--regconform-scrub",
        action="append",
        default=[],
        metavar="REGEX",
        help="also replace text matching REGEX with *** in cassettes (repeatable)",
    )


def configure(config: pytest.Config) -> None:
    """Check the cassette options and, when recording or replaying, register the plugin."""
    option = config.getoption
    record, replay = option("regconform_record"), option("regconform_replay")
    if not (record or replay):
        if option("cassettes") or option("regconform_scrub"):
            raise pytest.UsageError(
                "--cassettes and --regconform-scrub need --regconform-record or --regconform-replay"
            )
        return
    if record and replay:
        raise pytest.UsageError("--regconform-record and --regconform-replay exclude each other")
    from regconform.cassettes._plugin import start

    start(config, Path(option("cassettes") or Path(config.rootpath) / "cassettes"), replay=replay)
