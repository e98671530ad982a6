"""xdist: what each worker sent and put back is handed to the controller, which writes the
summary and the reports. Workers send it in `workeroutput`; the controller merges it.

An interrupted controller (Ctrl-C) stops listening before its workers finish, so a worker also
writes its handover into the folder of the run's ledger (`run.plugin.sharing`), and the
controller reads there what never reached it, once xdist has waited for the workers to end. A
worker that never got to its session's end (killed) hands nothing over: it is counted
(`SentTotals.unreported`), never taken for one that sent nothing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from regconform.harness.session import (
    RESTORED_KEY,
    TARGET_KEY,
    WORKER_SENT_KEY,
    WORKERS_HANDED_KEY,
    WORKERS_STARTED_KEY,
)
from regconform.run.plugin.sharing import LEDGER, LedgerKeeper
from regconform.target.restore import Restored, record_entry
from regconform.target.sent import SentTotals

HANDOVER = "regconform"  # the key of our entry in an xdist worker's `workeroutput`


class WorkerHandover:
    """xdist worker: hand what this worker sent and put back to the controller."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    # trylast: after pytest's own teardown of what is left (an interrupted session tears the
    # client fixtures down only then, and they restore the records), before xdist sends
    # `workeroutput` on (its hook wraps every other).
    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        target = self.config.stash.get(TARGET_KEY, None)
        worker = self.config.workerinput["workerid"]  # type: ignore[attr-defined]
        handed = {
            # "gw0", "gw1"...: the merged digest orders by it, not by which worker finished first
            "worker": worker,
            "sent": SentTotals.of(target).as_dict() if target else None,
            "restored": record_entry(self.config.stash.get(RESTORED_KEY, [])),
        }
        self.config.workeroutput[HANDOVER] = handed  # type: ignore[attr-defined]
        folder = shared_folder(self.config)
        if folder is not None:  # written whole, then renamed: never read half written
            partial = folder / f"handover.{worker}.partial"
            partial.write_text(json.dumps(handed), encoding="utf-8")
            os.replace(partial, folder / f"handover.{worker}.json")


def shared_folder(config: pytest.Config) -> Path | None:
    """The folder of the run's ledger, which the controller keeps and removes (None without)."""
    ledger = getattr(config, "workerinput", {}).get(LEDGER)
    return Path(ledger).parent if ledger else None


class ControllerIntake:
    """xdist controller: keep what a finished worker sent and put back."""

    NAME = "regconform-intake"  # its name among the controller's plugins

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodeready(self, node: Any) -> None:
        # Counted, so a worker whose totals never arrive is said, not taken for one that sent
        # nothing (an interrupted controller stops listening before the workers finish).
        self.config.stash.setdefault(WORKERS_STARTED_KEY, set()).add(node.gateway.id)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        handed = getattr(node, "workeroutput", {}).get(HANDOVER)
        if handed:
            self._take(handed)

    @classmethod
    def take_written(cls, config: pytest.Config) -> None:
        """What an interrupted run's workers wrote but never got to hand over. For the run
        recorder, before it writes the reports: after xdist's own session end, which waits
        for the workers to end."""
        intake = config.pluginmanager.get_plugin(cls.NAME)
        if isinstance(intake, cls):
            intake._take_written()

    def _take_written(self) -> None:
        ledger = LedgerKeeper.of(self.config)
        handed_over = self.config.stash.get(WORKERS_HANDED_KEY, set())
        if ledger is None or self.config.stash.get(WORKERS_STARTED_KEY, set()) <= handed_over:
            return  # every worker's word arrived (a run not interrupted): nothing to read
        for path in sorted(ledger.parent.glob("handover.*.json")):
            handed = json.loads(path.read_text(encoding="utf-8"))
            if handed["worker"] not in handed_over:
                self._take(handed)

    def _take(self, handed: dict[str, Any]) -> None:
        self.config.stash.setdefault(WORKERS_HANDED_KEY, set()).add(handed["worker"])
        if handed["sent"] is not None:
            by_worker = self.config.stash.setdefault(WORKER_SENT_KEY, {})
            by_worker[handed["worker"]] = SentTotals.from_dict(handed["sent"])
        # Every worker with a client restores its records; the one finishing last put them
        # back last, so its word on a record replaces an earlier worker's.
        newer = [Restored(**entry) for entry in handed["restored"]]
        records = {r.record for r in newer}
        kept = [r for r in self.config.stash.get(RESTORED_KEY, []) if r.record not in records]
        self.config.stash[RESTORED_KEY] = kept + newer
