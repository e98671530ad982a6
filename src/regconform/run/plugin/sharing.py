"""xdist: one request budget and one pace for the whole run, not one per worker; and how many
requests may be in flight at once.

The controller writes a ledger (`target.pacing`) holding --max-requests and the next free send
slot, and hands its path to every worker; each worker's Target takes its requests from it.
Without xdist the Target keeps the budget and the pace in memory.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from regconform.errors import ConfigError
from regconform.run.plugin.prepared import run_config_of
from regconform.settings.config import RunConfig
from regconform.target.pacing import Pacing, create_ledger

LEDGER = "regconform_ledger"  # the key of the ledger's path in an xdist worker's `workerinput`


class LedgerKeeper:
    """xdist controller: create the run's ledger and hand its path to every worker."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.folder: Path | None = None
        self.ledger: Path | None = None

    NAME = "regconform-ledger"  # its name among the controller's plugins

    @classmethod
    def of(cls, config: pytest.Config) -> Path | None:
        """The controller's ledger, if it made one (the handovers lie beside it)."""
        keeper = config.pluginmanager.get_plugin(cls.NAME)
        return keeper.ledger if isinstance(keeper, cls) else None

    def _ledger(self) -> Path | None:
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="regconform-ledger-"))
            try:  # with the token settled before the tests (the embedded server's own, say)
                budget = run_config_of(self.config).max_requests
            except ConfigError:
                return None  # the workers say what is wrong, once they collect
            self.ledger = create_ledger(self.folder / "ledger", budget)
        return self.ledger

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        ledger = self._ledger()
        if ledger is not None:
            node.workerinput[LEDGER] = str(ledger)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def run_pacing(config: pytest.Config, run_config: RunConfig) -> Pacing:
    """This process's share of the run's budget and pace: the controller's ledger in an xdist
    worker, else the process's own."""
    workerinput = getattr(config, "workerinput", {})
    ledger = workerinput.get(LEDGER)
    return Pacing(run_config.max_requests, run_config.rate_limit, Path(ledger) if ledger else None)


def run_concurrency(config: pytest.Config, run_config: RunConfig) -> int:
    """Requests in flight at once: --concurrency, except while recording or replaying
    cassettes (vcrpy records and replays one request at a time, in order)."""
    cassettes = config.getoption("regconform_record", False) or config.getoption(
        "regconform_replay", False
    )
    return 1 if cassettes else run_config.concurrency
