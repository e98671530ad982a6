"""xdist: what each worker sent and put back is handed to the controller, which writes the
summary and the reports. Workers send it in `workeroutput`; the controller merges it."""

from __future__ import annotations

from typing import Any

import pytest

from regconform.harness.session import (
    RESTORED_KEY,
    TARGET_KEY,
    WORKER_SENT_KEY,
    WORKERS_HANDED_KEY,
    WORKERS_STARTED_KEY,
)
from regconform.target.restore import Restored, record_entry
from regconform.target.sent import SentTotals

HANDOVER = "regconform"  # the key of our entry in an xdist worker's `workeroutput`


class WorkerHandover:
    """xdist worker: hand what this worker sent and put back to the controller
    (tryfirst: before xdist sends `workeroutput` on)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        target = self.config.stash.get(TARGET_KEY, None)
        self.config.workeroutput[HANDOVER] = {  # type: ignore[attr-defined]
            # "gw0", "gw1"...: the merged digest orders by it, not by which worker finished first
            "worker": self.config.workerinput["workerid"],  # type: ignore[attr-defined]
            "sent": SentTotals.of(target).as_dict() if target else None,
            "restored": record_entry(self.config.stash.get(RESTORED_KEY, [])),
        }


class ControllerIntake:
    """xdist controller: keep what a finished worker sent and put back."""

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
        if not handed:
            return
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
