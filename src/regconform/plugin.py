"""The pytest plugin behind suites/: options, fixtures, seeding, and the per-requirement summary.

Settings precedence is decided once, in regconform.config.build_config:
defaults < profile file < environment < command-line options.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import seed as hypothesis_seed

from regconform import cassettes
from regconform.clients import CourseClient, TargetGuard, TrackClient
from regconform.config import Overrides, RunConfig, build_config
from regconform.contracts import Contracts, load_contracts
from regconform.errors import ConfigError
from regconform.report.files import write_reports
from regconform.report.junit import JUnitProperties
from regconform.report.run_record import run_record
from regconform.requirements import Requirement, load_catalogue
from regconform.restore import (
    Restored,
    record_entry,
    restore_course,
    restore_tracks,
    summary_lines,
)
from regconform.results import PROPERTY, RunResults
from regconform.sent import SentTotals
from regconform.summary import write_summary
from regconform.transport import Target
from regconform.verdicts import Verdicts

CONFIG_KEY = pytest.StashKey[RunConfig]()
RESULTS_KEY = pytest.StashKey[RunResults]()
TARGET_KEY = pytest.StashKey[Target]()
VERDICTS_KEY = pytest.StashKey[Verdicts]()
RESTORED_KEY = pytest.StashKey[list[Restored]]()  # records put back at the end, or not
WORKER_SENT_KEY = pytest.StashKey[dict[str, SentTotals]]()  # xdist controller: per worker
HANDOVER = "regconform"  # the key of our entry in an xdist worker's `workeroutput`


def pytest_addoption(parser: pytest.Parser) -> None:
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
    group.addoption("--report-dir", default=None, help="where report files are written")
    group.addoption(
        "--regconform-baseline",
        default=None,
        help="accepted deviations (TOML or YAML, keyed by requirement id)",
    )
    cassettes.add_options(group)  # recorded cassettes: --regconform-record/-replay, --cassettes


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "suite(name): a conformance suite module, run against a target"
    )
    config.addinivalue_line("markers", "requirement(*ids): requirement ids this test verifies")
    config.addinivalue_line("markers", "examples(n): at most n generated examples for this test")
    config.pluginmanager.register(RunRecorder(config), "regconform-run-recorder")
    if hasattr(config, "workerinput"):
        config.pluginmanager.register(WorkerHandover(config), "regconform-worker-handover")
    config.pluginmanager.register(TargetGuard(), "regconform-target-guard")
    config.pluginmanager.register(JUnitProperties(), "regconform-junit-properties")
    cassettes.configure(config)  # recording or replaying: regconform.cassettes


def _overrides(config: pytest.Config) -> Overrides:
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
    )


def freeze_hypothesis_constants() -> None:
    """Same seed, same requests: stop hypothesis mixing in literals from our own modules.

    Hypothesis (6.131+) harvests string and number literals from every *local* module in
    sys.modules and feeds them into generation. The bytes sent for one seed would then depend on
    which modules happen to be loaded (a `-p` plugin, the CLI vs plain pytest) and on every
    literal in the source, so an unrelated edit would silently stale every recorded cassette.
    There is no setting for it, so its one entry point is replaced with an empty pool.
    """
    from hypothesis.internal.conjecture import providers
    from hypothesis.internal.constants_ast import Constants

    empty = Constants()
    providers._get_local_constants = lambda: empty
    providers.CONSTANTS_CACHE.cache.clear()


def _suite_items(items: list[pytest.Item]) -> list[pytest.Item]:
    return [item for item in items if item.get_closest_marker("suite")]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    suite_items = _suite_items(items)
    if not suite_items:
        return
    try:
        run_config = build_config(_overrides(config))
        catalogue = load_catalogue()
        load_contracts()
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[CONFIG_KEY] = run_config
    config.stash[RESULTS_KEY] = RunResults(catalogue, run_config.failing_level, run_config.baseline)
    freeze_hypothesis_constants()
    profile = settings(
        max_examples=run_config.max_examples,
        database=None,
        deadline=None,
        derandomize=False,
        print_blob=False,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )
    configured: set[int] = set()
    for item in suite_items:
        _mark_requirements(item, catalogue)
        function = getattr(item, "obj", None)
        if function is None or not hasattr(function, "hypothesis") or id(function) in configured:
            continue  # parametrized items share one function: configure it once
        configured.add(id(function))
        cap = item.get_closest_marker("examples")
        limit = min(cap.args[0], run_config.max_examples) if cap else run_config.max_examples
        # @given captured the default settings at import; the run's settings are applied here.
        settings(profile, max_examples=limit)(function)
        hypothesis_seed(_test_seed(run_config.seed, item))(function)
    _spare_the_loaded_modules_from_gc()


def _spare_the_loaded_modules_from_gc() -> None:
    """Move everything alive now (the imported libraries, contracts, strategies) out of the
    collector's reach. Hypothesis allocates heavily, so the collector runs hundreds of times a
    run, and each full pass walked every object the imports made: ~190 ms of a ~1.2 s test
    loop, in pauses up to 60 ms. A suites run is one short process, so nothing is lost."""
    gc.collect()
    gc.freeze()


def _test_seed(run_seed: int, item: pytest.Item) -> int:
    """A seed per test function, stable across machines and paths: the run seed and its name."""
    name = getattr(item, "originalname", item.name)
    digest = hashlib.sha256(f"{run_seed}:{Path(item.path).name}::{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _mark_requirements(item: pytest.Item, catalogue: dict[str, Requirement]) -> None:
    for marker in item.iter_markers("requirement"):
        for rid in marker.args:
            if rid not in catalogue:
                raise pytest.UsageError(f"{item.nodeid} cites unknown requirement {rid}")
            item.user_properties.append(("requirement", rid))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    yield
    verdicts = item.stash.get(VERDICTS_KEY, None)
    if verdicts is not None:
        item.user_properties.append((PROPERTY, json.dumps(verdicts.as_dict(), sort_keys=True)))


class RunRecorder:
    """Merges every test report into per-requirement results; on the xdist controller too,
    which never collects, so the results are created from the first report that needs them."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.started = datetime.now(UTC)  # registered at pytest_configure: the run starts
        self.written: list[Path] = []  # the report files, named in the summary

    def _results(self) -> RunResults | None:
        results = self.config.stash.get(RESULTS_KEY, None)
        if results is None:
            try:
                run_config = build_config(_overrides(self.config))
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
            results, run_config, sent_totals(self.config), self.started, int(exitstatus)
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
        write_summary(terminalreporter, results, run_config, sent_totals(config), written)
        for line in summary_lines(config.stash.get(RESTORED_KEY, [])):
            terminalreporter.write_line(line)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        """xdist controller: keep what a finished worker sent and put back (WorkerHandover)."""
        handed = getattr(node, "workeroutput", {}).get(HANDOVER)
        if not handed:
            return
        if handed["sent"] is not None:
            by_worker = self.config.stash.setdefault(WORKER_SENT_KEY, {})
            by_worker[handed["worker"]] = SentTotals.from_dict(handed["sent"])
        # Every worker with a client restores its records; the one finishing last put them
        # back last, so its word on a record replaces an earlier worker's.
        newer = [Restored(**entry) for entry in handed["restored"]]
        records = {r.record for r in newer}
        kept = [r for r in self.config.stash.get(RESTORED_KEY, []) if r.record not in records]
        self.config.stash[RESTORED_KEY] = kept + newer


class WorkerHandover:
    """xdist worker: hand what this worker sent and put back to the controller, which writes
    the summary and the reports (tryfirst: before xdist sends `workeroutput` on)."""

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


def sent_totals(config: pytest.Config) -> SentTotals | None:
    """What the run sent: the xdist workers' totals merged, else this process's Target's."""
    by_worker = config.stash.get(WORKER_SENT_KEY, None)
    if by_worker:
        return SentTotals.merged(by_worker)
    target = config.stash.get(TARGET_KEY, None)
    return SentTotals.of(target) if target else None


# ---- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def regconform_config(pytestconfig: pytest.Config) -> RunConfig:
    run_config = pytestconfig.stash.get(CONFIG_KEY, None)
    if run_config is None:
        pytest.skip("not a conformance suite run")
    return run_config


@pytest.fixture(scope="session")
def contracts(regconform_config: RunConfig) -> Contracts:
    return load_contracts()


@pytest.fixture(scope="session")
def target(regconform_config: RunConfig, pytestconfig: pytest.Config) -> Iterator[Target]:
    cfg = regconform_config
    session_target = Target(
        cfg.base_url,
        cfg.token,
        cfg.profile,
        timeout=cfg.timeout,
        dry_run=cfg.dry_run,
        max_requests=cfg.max_requests,
        rate_limit=cfg.rate_limit,
    )
    pytestconfig.stash[TARGET_KEY] = session_target
    yield session_target
    session_target.close()


@pytest.fixture(scope="session")
def course(
    target: Target, contracts: Contracts, regconform_config: RunConfig, pytestconfig: pytest.Config
) -> Iterator[CourseClient]:
    """The course client; at the end of the session each baseline body is put back."""
    section = regconform_config.profile.course
    if section is None:
        pytest.skip("the profile has no [course_registrations] section")
    yield CourseClient(target, contracts, section)
    pytestconfig.stash.setdefault(RESTORED_KEY, []).extend(restore_course(target, section))


@pytest.fixture(scope="session")
def tracks(
    target: Target, contracts: Contracts, regconform_config: RunConfig, pytestconfig: pytest.Config
) -> Iterator[TrackClient]:
    """The track client; at the end of the session every registration gets restore_status."""
    section = regconform_config.profile.tracks
    if section is None:
        pytest.skip("the profile has no [event_track_registrations] section")
    yield TrackClient(target, contracts, section)
    pytestconfig.stash.setdefault(RESTORED_KEY, []).extend(restore_tracks(target, section))


@pytest.fixture
def verdicts(
    request: pytest.FixtureRequest, regconform_config: RunConfig, target: Target
) -> Verdicts:
    """The score keeper of this test; requests it sends are tagged with its requirement ids."""
    item = request.node
    kept = Verdicts(
        load_catalogue(), regconform_config.failing_level, regconform_config.baseline.waived
    )
    item.stash[VERDICTS_KEY] = kept
    target.current_requirements = tuple(v for k, v in item.user_properties if k == "requirement")
    return kept
