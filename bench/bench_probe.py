"""A pytest plugin the benchmark loads into a measured `regconform run` (`-p bench_probe`).

It counts the exchanges judged and the requests sent, in all and per test (with the seconds
each test's call took), and notes when the test loop started and ended, so the bench can tell
time spent in the suite from start-up and see which tests the loop's time goes to. Each process
(the xdist controller and every worker) writes its own JSON file into
$REGCONFORM_BENCH_PROBE_DIR.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from regconform.judging.verdicts import Verdicts
from regconform.target.transport import Target

PROBE_DIR_ENV = "REGCONFORM_BENCH_PROBE_DIR"

_counts = {"judged": 0, "sent": 0}
_marks: dict[str, float] = {"imported": time.time()}
_tests: dict[str, dict[str, float]] = {}  # test id -> judged, sent, seconds of its call


def _count_judged(judge_each: Any) -> Any:
    """Count every exchange judged: the suites hand their exchanges to `judge_each` (`judge`
    goes through it too), a generator each, so they are counted as they are judged."""

    def counting(self: Verdicts, judged: Any) -> None:
        def counted() -> Iterator[Any]:
            for exchange, checks in judged:
                if not exchange.dry_run:
                    _counts["judged"] += 1
                yield exchange, checks

        judge_each(self, counted())

    return counting


def _count_sent(send_once: Any) -> Any:
    def counting(self: Target, *args: Any) -> Any:
        _counts["sent"] += 1
        return send_once(self, *args)

    return counting


Verdicts.judge_each = _count_judged(Verdicts.judge_each)
Target._send_once = _count_sent(Target._send_once)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    judged, sent, started = _counts["judged"], _counts["sent"], time.perf_counter()
    try:
        return (yield)
    finally:
        _tests[item.nodeid.split("::", 1)[-1]] = {
            "judged": _counts["judged"] - judged,
            "sent": _counts["sent"] - sent,
            "seconds": time.perf_counter() - started,
        }


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    _marks["configured"] = time.time()


def pytest_collection_finish(session: pytest.Session) -> None:
    _marks["collected"] = time.time()


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session) -> Iterator[None]:
    _marks["loop_start"] = time.time()
    try:
        return (yield)
    finally:
        _marks["loop_end"] = time.time()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    _marks["session_finish"] = time.time()
    folder = os.environ.get(PROBE_DIR_ENV)
    if not folder:
        return
    worker = getattr(session.config, "workerinput", {}).get("workerid", "main")
    record = {"pid": os.getpid(), "worker": worker, **_counts, "marks": _marks, "tests": _tests}
    Path(folder, f"probe-{os.getpid()}.json").write_text(json.dumps(record), encoding="utf-8")
