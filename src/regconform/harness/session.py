"""The run's shared state, kept in pytest's stash under these keys: built once by the plugin,
read by the fixtures, the recorder, the xdist handover and the cassette plugin alike."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from regconform.errors import EXIT_USAGE
from regconform.judging.results import RunResults
from regconform.judging.verdicts import Verdicts
from regconform.settings.config import RunConfig
from regconform.target.restore import Restored
from regconform.target.sent import SentTotals
from regconform.target.transport import Target

CONFIG_KEY = pytest.StashKey[RunConfig]()
RESULTS_KEY = pytest.StashKey[RunResults]()
TARGET_KEY = pytest.StashKey[Target]()
VERDICTS_KEY = pytest.StashKey[Verdicts]()
RESTORED_KEY = pytest.StashKey[list[Restored]]()  # records put back at the end, or not
WORKER_SENT_KEY = pytest.StashKey[dict[str, SentTotals]]()  # xdist controller: per worker
WORKERS_STARTED_KEY = pytest.StashKey[set[str]]()  # xdist controller: every worker that started
WORKERS_HANDED_KEY = pytest.StashKey[set[str]]()  # ... and those that handed their totals over


def sent_totals(config: pytest.Config) -> SentTotals | None:
    """What the run sent: the xdist workers' totals merged (with how many workers never handed
    theirs over: an interrupted controller stops listening), else this process's Target's."""
    by_worker = config.stash.get(WORKER_SENT_KEY, None)
    none: set[str] = set()
    started = config.stash.get(WORKERS_STARTED_KEY, none)
    handed = config.stash.get(WORKERS_HANDED_KEY, none)
    unreported = len(started - handed)
    if by_worker or unreported:
        return SentTotals.merged(by_worker or {}, unreported)
    target = config.stash.get(TARGET_KEY, None)
    return SentTotals.of(target) if target else None


class SuitesRan:
    """A plugin for `pytest.main`: whether any suite test reported (the results exist then).
    pytest's own exit 5 means "no tests collected", regconform's means "incomplete"."""

    def __init__(self) -> None:
        self.ran = False

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.ran = session.config.stash.get(RESULTS_KEY, None) is not None


def run_suites(args: list[str], plugins: Sequence[object] = ()) -> int:
    """`pytest.main(args)` on the suites; a run that collected no suite test is a usage error."""
    watch = SuitesRan()
    code = int(pytest.main(args, plugins=[*plugins, watch]))
    if code == pytest.ExitCode.NO_TESTS_COLLECTED and not watch.ran:
        return EXIT_USAGE
    return code
