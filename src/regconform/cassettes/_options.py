"""The cassette options of the pytest plugin. Light on purpose: every pytest run loads it, and
vcrpy is imported only when a run records or replays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from regconform.errors import ConfigError, check_output_folder

METADATA_FILE = "regconform-cassettes.json"


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


def check_record_folder(folder: Path) -> Path:
    """A folder a recording may go to: writable, and empty or an earlier recording's (checked
    before the first request; nothing is removed here)."""
    check_output_folder(folder, "--cassettes")
    if folder.is_dir() and not (folder / METADATA_FILE).is_file():
        foreign = sorted(p.name for p in folder.iterdir() if not _ours_to_keep(p))
        if foreign:
            raise ConfigError(
                f"{folder} holds {foreign[0]} but no {METADATA_FILE}: "
                "record into an empty folder or an earlier recording's"
            )
    return folder


def _ours_to_keep(path: Path) -> bool:
    return path.name.startswith((".", "README"))


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
