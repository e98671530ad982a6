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
from _pytest.junitxml import xml_key

from regconform.catalogue.requirements import load_catalogue
from regconform.errors import EXIT_INCOMPLETE, EXIT_INTERNAL, ConfigError
from regconform.harness.session import (
    CONFIG_KEY,
    RESTORED_KEY,
    RESULTS_KEY,
    VERDICTS_KEY,
    sent_totals,
)
from regconform.judging.coverage import PROPERTY as COVERAGE
from regconform.judging.results import PROPERTY, RunResults
from regconform.report.files import write_reports
from regconform.report.run_record import run_record
from regconform.run.plugin.handover import ControllerIntake
from regconform.run.plugin.options import report_folder
from regconform.run.plugin.prepared import probe_requests, run_config_of
from regconform.run.summary import write_summary
from regconform.target.restore import record_entry, summary_lines


class RunRecorder:
    """Merges every test report into per-requirement results; writes the reports at the end."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.started = datetime.now(UTC)  # registered at pytest_configure: the run starts
        self.written: list[Path] = []  # the report files, named in the summary
        self.outcome = ""  # the summary's last line: the exit status and what it means

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        yield
        verdicts = item.stash.get(VERDICTS_KEY, None)
        if verdicts is not None:
            item.user_properties.append((PROPERTY, json.dumps(verdicts.as_dict(), sort_keys=True)))
            coverage = verdicts.coverage.as_dict()
            item.user_properties.append((COVERAGE, json.dumps(coverage, sort_keys=True)))

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

    @pytest.hookimpl(tryfirst=True, specname="pytest_sessionfinish")
    def pytest_sessionfinish_decide(self, session: pytest.Session, exitstatus: int) -> None:
        """Every test has reported: decide the verdicts and the exit status (before junitxml
        writes junit.xml, which then says it too)."""
        if getattr(self.config.option, "numprocesses", None) and not self.stopped_early(session):
            self._results()  # an xdist controller no report reached (Ctrl-C while all ran)
        results = self.config.stash.get(RESULTS_KEY, None)
        run_config = self.config.stash.get(CONFIG_KEY, None)
        if results is None or run_config is None or hasattr(self.config, "workerinput"):
            return  # nothing ran, or an xdist worker: the controller decides
        results.finish(stop_reason(session, int(exitstatus)), run_config.dry_run)
        session.exitstatus = exit_status(results, int(session.exitstatus), run_config.dry_run)
        self.outcome = outcome_line(results, int(session.exitstatus))
        xml = self.config.stash.get(xml_key, None)  # as pytest's record_testsuite_property
        if xml is not None:
            xml.add_global_property("regconform.exit_status", self.outcome)

    @staticmethod
    def stopped_early(session: pytest.Session) -> bool:
        """Whether the session ended before its tests were handed out (a usage error, say)."""
        return session.exitstatus in (
            pytest.ExitCode.USAGE_ERROR,
            pytest.ExitCode.NO_TESTS_COLLECTED,
        )

    # trylast: after pytest's own teardown of what is left (a stopped session tears the client
    # fixtures down only then), so the restores they make are in the record.
    @pytest.hookimpl(trylast=True, specname="pytest_sessionfinish")
    def pytest_sessionfinish_write(self, session: pytest.Session, exitstatus: int) -> None:
        results = self.config.stash.get(RESULTS_KEY, None)
        run_config = self.config.stash.get(CONFIG_KEY, None)
        if results is None or run_config is None or hasattr(self.config, "workerinput"):
            return  # nothing ran, or an xdist worker: the controller writes the reports
        ControllerIntake.take_written(self.config)  # an interrupted run's workers' word
        folder = report_folder(self.config)
        record = run_record(
            results,
            run_config,
            sent_totals(self.config),
            self.started,
            int(session.exitstatus),
            probe_requests(self.config),
        )
        record["restored"] = record_entry(self.config.stash.get(RESTORED_KEY, []))
        self.written = write_reports(folder, record, run_config.secrets)

    def _wrote(self, path: Path) -> bool:
        """Whether junitxml wrote `path` in this run: it does not when the suites activated the
        plugin only while being collected (`pytest .`), after junitxml was configured.
        (2 s: the coarsest file-time resolution in use.)"""
        return path.is_file() and path.stat().st_mtime >= self.started.timestamp() - 2

    def pytest_terminal_summary(
        self, terminalreporter: Any, exitstatus: int, config: pytest.Config
    ) -> None:
        results = config.stash.get(RESULTS_KEY, None)
        run_config = config.stash.get(CONFIG_KEY, None)
        if results is None or run_config is None:
            return
        junit = getattr(config.option, "xmlpath", None)  # --junitxml, or ours (activation)
        written = [*([Path(junit)] if junit and self._wrote(Path(junit)) else []), *self.written]
        sent = sent_totals(config)
        write_summary(terminalreporter, results, run_config, sent, written, probe_requests(config))
        for line in summary_lines(config.stash.get(RESTORED_KEY, [])):
            terminalreporter.write_line(line)
        if self.outcome:
            terminalreporter.write_line(self.outcome, bold=True)


def stop_reason(session: pytest.Session, exitstatus: int) -> str | None:
    """Why the run ended before every test ran, if it did."""
    if exitstatus == pytest.ExitCode.INTERRUPTED:
        return "interrupted"
    for said in (session.shouldfail, session.shouldstop):
        if isinstance(said, str) and said:
            return said
    return None


def exit_status(results: RunResults, pytest_status: int, dry_run: bool) -> int:
    """The run's exit status: an internal error (3) outranks a nonconformance (1), which
    outranks an incomplete run (5): nothing broken, but a MUST requirement not exercised."""
    if results.internal_errors:
        return EXIT_INTERNAL
    if pytest_status == pytest.ExitCode.OK and not dry_run and results.incomplete():
        return EXIT_INCOMPLETE
    return pytest_status


def outcome_line(results: RunResults, status: int) -> str:
    """What the exit status means, in one line (the summary's last, and a JUnit property)."""
    if status == EXIT_INTERNAL:
        return f"exit {status}: INTERNAL ERROR of regconform: {'; '.join(results.internal_errors)}"
    if status == EXIT_INCOMPLETE:
        missing = ", ".join(results.incomplete())
        return (
            f"exit {status}: INCOMPLETE: nothing broken, but MUST not exercised or run: {missing}"
        )
    failing = [
        rid for rid, r in results.by_id.items() if r.verdict(results.failing_level) == "fail"
    ]
    broke = ""  # a target that broke down is said whether or not something else failed
    if status == pytest.ExitCode.TESTS_FAILED and results.transport_failures:
        lost = results.incomplete()
        not_run = f"; MUST not exercised or run: {', '.join(lost)}" if lost else ""
        broke = f"TARGET BROKE DOWN: {results.transport_failures[-1]}{not_run}"
    if status == pytest.ExitCode.TESTS_FAILED and failing:
        also = f"; {broke}" if broke else ""
        return f"exit {status}: NONCONFORMANT: {', '.join(failing)}{also}"
    if broke:
        return f"exit {status}: {broke}"
    meaning = {0: "conformant", 1: "failed", 2: "interrupted"}.get(status, "see above")
    return f"exit {status}: {meaning}"
