"""Every test report merged into per-requirement results; at the end, the reports and summary.

A test's tallies travel in its report's user properties (so xdist works): the controller, which
never collects, creates the results from the first report that needs them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from regconform.catalogue.requirements import load_catalogue
from regconform.errors import ConfigError
from regconform.harness.session import (
    CONFIG_KEY,
    RESTORED_KEY,
    RESULTS_KEY,
    VERDICTS_KEY,
    sent_totals,
)
from regconform.judging.results import PROPERTY, RunResults
from regconform.report.files import write_reports
from regconform.report.run_record import run_record
from regconform.run.plugin.prepared import probe_requests, run_config_of
from regconform.run.summary import write_summary
from regconform.target.restore import record_entry, summary_lines


class RunRecorder:
    """Merges every test report into per-requirement results; writes the reports at the end."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.started = datetime.now(UTC)  # registered at pytest_configure: the run starts
        self.written: list[Path] = []  # the report files, named in the summary

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        yield
        verdicts = item.stash.get(VERDICTS_KEY, None)
        if verdicts is not None:
            item.user_properties.append((PROPERTY, json.dumps(verdicts.as_dict(), sort_keys=True)))

    def _results(self) -> RunResults | None:
        results = self.config.stash.get(RESULTS_KEY, None)
        if results is None:
            try:
                run_config = run_config_of(self.config)
            except ConfigError:
                return None
            self.config.stash[CONFIG_KEY] = run_config
            results = RunResults(load_catalogue(), run_config.failing_level, run_config.baseline)
            self.config.stash[RESULTS_KEY] = results
        return results

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not any(name == "requirement" for name, _ in report.user_properties):
            return
        skipped_early = report.when == "setup" and report.skipped
        if report.when != "call" and not skipped_early:
            return
        results = self._results()
        if results is None:
            return
        longrepr = report.longrepr  # a skip in the call too (budget used up, throttled) says why
        reason = str(longrepr[2]) if report.skipped and isinstance(longrepr, tuple) else ""
        results.add_report(report.nodeid, report.outcome, list(report.user_properties), reason)

    # trylast: after pytest's own teardown of what is left (a stopped session tears the client
    # fixtures down only then), so the restores they make are in the record.
    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        results = self.config.stash.get(RESULTS_KEY, None)
        run_config = self.config.stash.get(CONFIG_KEY, None)
        if results is None or run_config is None or hasattr(self.config, "workerinput"):
            return  # nothing ran, or an xdist worker: the controller writes the reports
        folder = run_config.report_dir or Path(self.config.rootpath) / "reports"
        record = run_record(
            results,
            run_config,
            sent_totals(self.config),
            self.started,
            int(exitstatus),
            probe_requests(self.config),
        )
        record["restored"] = record_entry(self.config.stash.get(RESTORED_KEY, []))
        self.written = write_reports(folder, record, run_config.secrets)

    def pytest_terminal_summary(
        self, terminalreporter: Any, exitstatus: int, config: pytest.Config
    ) -> None:
        results = config.stash.get(RESULTS_KEY, None)
        run_config = config.stash.get(CONFIG_KEY, None)
        if results is None or run_config is None:
            return
        junit = getattr(config.option, "xmlpath", None)  # pytest's --junitxml, when given
        written = [*([Path(junit)] if junit else []), *self.written]
        sent = sent_totals(config)
        write_summary(terminalreporter, results, run_config, sent, written, probe_requests(config))
        for line in summary_lines(config.stash.get(RESTORED_KEY, [])):
            terminalreporter.write_line(line)
