"""The pytest plugin of a recording or a replay: one cassette around each suite test's call, the
session's around the rest, and the metadata file written at the end of a recording.

Precedence in a replay: the recording decides the seed, max examples, failing level, request
budget and profile (they decide which requests are sent, so a replay must reuse them); an option
may repeat a recorded value but not contradict it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Generator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import tomli_w
import vcr

from regconform._version import __version__
from regconform.cassettes._cassette import (
    NetworkBlocked,
    OrderedCassette,
    ReplayMismatch,
    cassette_name,
    drift_hint,
    network_blocked,
    open_cassette,
    patched,
    read_cassette,
)
from regconform.cassettes._folder import METADATA_FILE, check_record_folder
from regconform.cassettes._metadata import (
    REPLAYED_SETTINGS,
    Recording,
    changed_contracts,
    check_generation,
    check_settings,
    contracts_changed_error,
    generation_versions,
    load_recording,
    profile_data,
    write_metadata,
)
from regconform.cassettes._scrub import Scrubber, compile_patterns
from regconform.catalogue.contracts import load_contracts
from regconform.catalogue.requirements import FAILING_LEVELS
from regconform.errors import ConfigError
from regconform.harness.session import CONFIG_KEY, RESULTS_KEY, sent_totals

PLUGIN_NAME = "regconform-cassettes"
SESSION_CASSETTE = "session"  # requests sent outside any test's call
# A replay needs a token to build its configuration, and sends nothing: this one stands in.
REPLAY_TOKEN_ENV = "REGCONFORM_REPLAY_TOKEN"
REPLAY_TOKEN = "regconform-replay-placeholder"


def start(config: pytest.Config, folder: Path, *, replay: bool) -> None:
    """Register the plugin that records into, or replays from, `folder`."""
    option = config.getoption
    try:
        if replay:
            recording = load_recording(folder)
            changed = changed_contracts(recording, load_contracts().hashes)
            if changed:
                raise contracts_changed_error(recording, changed)
            check_generation(recording, generation_versions())
            adopt_recorded_settings(config, recording)
            plugin = CassettePlugin(config, folder, recording)
        else:
            if option("regconform_dry_run"):
                raise ConfigError("a dry run sends nothing, so there is nothing to record")
            compile_patterns(option("regconform_scrub"))
            if not hasattr(config, "workerinput"):  # xdist workers share the controller's folder
                prepare_folder(folder)
            plugin = CassettePlugin(config, folder, None)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.pluginmanager.register(plugin, PLUGIN_NAME)


def adopt_recorded_settings(config: pytest.Config, recording: Recording) -> None:
    """Set the run's options from the recording (see the precedence above)."""
    check_settings(
        recording, {name: config.getoption(f"regconform_{name}") for name in REPLAYED_SETTINGS}
    )
    for name in REPLAYED_SETTINGS:
        setattr(config.option, f"regconform_{name}", getattr(recording, name))
    for name in ("--regconform-profile", "--regconform-base-url"):
        if config.getoption(name.lstrip("-").replace("-", "_")):
            raise ConfigError(f"{name} cannot be used with a replay: it uses the recorded profile")
    if config.getoption("regconform_dry_run"):
        raise ConfigError("a replay cannot be a dry run")
    if config.getoption("regconform_baseline", None):
        raise ConfigError(
            "--regconform-baseline cannot be used with a replay: it reuses the recorded one"
        )
    folder = Path(tempfile.mkdtemp(prefix="regconform-replay-"))
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
    profile = folder / "profile.toml"
    profile.write_text(tomli_w.dumps(recording.profile), encoding="utf-8")
    config.option.regconform_profile = str(profile)
    waivers = recording.metadata.get("baseline") or {}
    if waivers:  # what the recording waived decides what raised, so which requests followed
        baseline = folder / "baseline.toml"
        baseline.write_text(tomli_w.dumps({k: {"reason": v} for k, v in waivers.items()}))
        config.option.regconform_baseline = str(baseline)
    # the recorded base URL, not REGCONFORM_BASE_URL
    config.option.regconform_base_url = recording.profile.get("base_url")
    config.option.regconform_token_env = REPLAY_TOKEN_ENV
    os.environ[REPLAY_TOKEN_ENV] = REPLAY_TOKEN


def prepare_folder(folder: Path) -> None:
    """Empty a cassette folder of an earlier recording; refuse a folder that is someone else's,
    a file, or one that cannot be written."""
    check_record_folder(folder)
    if (folder / METADATA_FILE).is_file():
        for old in recorded_files(folder):
            old.unlink()
        (folder / METADATA_FILE).unlink()
    folder.mkdir(parents=True, exist_ok=True)


def recorded_files(folder: Path) -> list[Path]:
    """The cassettes of a folder: one per suite test, and the session's ones."""
    return sorted([*folder.glob("*/*.yaml"), *folder.glob(f"{SESSION_CASSETTE}*.yaml")])


def session_cassette_name(config: pytest.Config) -> str:
    """`session.yaml`; an xdist worker has its own (`session-gw0.yaml`)."""
    worker = getattr(config, "workerinput", {}).get("workerid")
    return f"{SESSION_CASSETTE}-{worker}.yaml" if worker else f"{SESSION_CASSETTE}.yaml"


def _waivers(run_config: Any) -> dict[str, str]:
    """The baseline's waivers in force (id -> reason): a replay must waive the same."""
    baseline = getattr(run_config, "baseline", None)
    if baseline is None:
        return {}
    return {rid: w.reason for rid, w in baseline.waivers.items() if rid in baseline.waived}


class CassettePlugin:
    """Records or replays one cassette per suite test; writes the metadata after a recording."""

    def __init__(self, config: pytest.Config, folder: Path, recording: Recording | None) -> None:
        self.config = config
        self.folder = folder
        self.recording = recording
        self.replay = recording is not None
        self.names: dict[str, str] = {}  # nodeid -> cassette name
        self.deselected: set[str] = set()
        self.suites: set[str] = set()
        self._scrubber: Scrubber | None = None
        self.session: OrderedCassette | None = None
        self.unplayed_session = 0
        self._guard = ExitStack()
        if self.replay:
            self._guard.enter_context(network_blocked())
            config.add_cleanup(self._guard.close)

    # ---- collection ----

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected.update(cassette_name(i) for i in items if i.get_closest_marker("suite"))

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        owners: dict[str, str] = {}
        for item in items:
            if not item.get_closest_marker("suite"):
                continue
            name = cassette_name(item)
            if name in owners:
                raise pytest.UsageError(
                    f"{item.nodeid} and {owners[name]} would share the cassette {name}"
                )
            owners[name] = item.nodeid
            self.names[item.nodeid] = name
        if self.recording is not None:
            self._check_no_orphans({*owners, *self.deselected})

    def _check_no_orphans(self, known: set[str]) -> None:
        """A recorded cassette of a collected module that no test owns: the suite changed."""
        modules = {name.split("/")[0] for name in known}
        assert self.recording is not None
        for name in self.recording.cassettes:
            if name.split("/")[0] in modules and name not in known:
                raise pytest.UsageError(
                    f"cassette {name} belongs to no test (renamed or removed?); "
                    f"{drift_hint(self.folder)}"
                )

    # ---- one cassette around each suite test's call; the session's around the rest ----

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, object, object]:
        name = self.names.get(item.nodeid)
        if name is None:
            return (yield)
        cassette = self._open(name)
        mismatch = ""
        try:
            with patched(cassette):
                result = yield
        except (ReplayMismatch, NetworkBlocked) as exc:
            mismatch = str(exc)  # failed below, outside this handler: one message, no chain
        finally:
            if not self.replay:
                cassette.save()
        if mismatch:
            pytest.fail(mismatch, pytrace=False)
        if self.replay and cassette.play_count < len(cassette):
            pytest.fail(
                f"replay: the test sent {cassette.play_count} request(s) but {name} recorded "
                f"{len(cassette)}; {drift_hint(self.folder)}",
                pytrace=False,
            )
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, object, object]:
        return (yield from self._in_session_cassette(item))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Generator[None, object, object]:
        return (yield from self._in_session_cassette(item))

    def _in_session_cassette(self, item: pytest.Item) -> Generator[None, object, object]:
        """Requests outside a test's call (fixtures; restoring records at the end of the run)
        go to one cassette of the whole session, in order, like a test's."""
        if item.nodeid not in self.names:
            return (yield)
        if self.session is None:
            self.session = self._open(session_cassette_name(self.config))
        try:
            with patched(self.session):
                return (yield)
        except (ReplayMismatch, NetworkBlocked) as exc:
            mismatch = str(exc)
        pytest.fail(mismatch, pytrace=False)

    def _open(self, name: str) -> OrderedCassette:
        if self.recording is not None:
            recorded = self.recording.cassettes.get(name, [])  # none: a test added since
            return open_cassette(self.folder, name, replay=True, interactions=recorded)
        return open_cassette(self.folder, name, replay=False, scrubber=self.scrubber())

    def scrubber(self) -> Scrubber:
        """Built on first use: the run's secrets are known once the plugin built its config."""
        if self._scrubber is None:
            run_config = self.config.stash[CONFIG_KEY]
            patterns = self.config.getoption("regconform_scrub")
            self._scrubber = Scrubber.build(run_config.secrets, patterns)
        return self._scrubber

    # ---- the end of the run ----

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if any(name == "requirement" for name, _ in report.user_properties):
            self.suites.add(Path(report.nodeid.split("::")[0]).stem)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.replay:
            if self.session is not None and self.session.play_count < len(self.session):
                self.unplayed_session = len(self.session) - self.session.play_count
                session.exitstatus = max(int(session.exitstatus), pytest.ExitCode.TESTS_FAILED)
            return
        if self.session is not None and len(self.session):
            self.session.save()
        if hasattr(self.config, "workerinput"):
            return
        metadata = self.metadata(int(exitstatus))
        if metadata is not None:
            write_metadata(self.folder, metadata, self.scrubber())

    def metadata(self, exit_status: int) -> dict[str, Any] | None:
        run_config = self.config.stash.get(CONFIG_KEY, None)
        results = self.config.stash.get(RESULTS_KEY, None)
        if run_config is None or results is None:
            return None  # nothing was collected
        sent = sent_totals(self.config)
        names = sorted(p.relative_to(self.folder).as_posix() for p in recorded_files(self.folder))
        sizes = {name: len(read_cassette(self.folder / name)) for name in names}
        level = {v: k for k, v in FAILING_LEVELS.items()}[run_config.failing_level]
        return {
            "tool": "regconform",
            "version": __version__,
            "vcrpy": vcr.__version__,
            "seed": run_config.seed,
            "max_examples": run_config.max_examples,
            "level": level,
            "max_requests": run_config.max_requests,
            "profile": profile_data(run_config.profile),
            "generation": generation_versions(),
            "baseline": _waivers(run_config),
            "contract_hashes": load_contracts().hashes,
            "suites": sorted(self.suites),
            "match_on": ["method", "path", "query", "body"],
            "exit_status": exit_status,
            "requests": sent.count if sent else sum(sizes.values()),
            "request_log_sha256": sent.sha256 if sent else None,
            "interactions": sum(sizes.values()),
            "cassettes": sizes,
            "verdicts": {
                rid: {"verdict": verdict, "checked": checked}
                for rid, _level, verdict, checked, _note in results.rows()
            },
        }

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.recording is None:
            count = len(recorded_files(self.folder))
            terminalreporter.write_line(
                f"cassettes: {count} recorded in {self.folder}, Authorization and token scrubbed"
            )
            return
        terminalreporter.write_line(
            f"cassettes: replayed from {self.folder} without network "
            f"(seed {self.recording.seed}, max examples {self.recording.max_examples})"
        )
        if self.unplayed_session:
            terminalreporter.write_line(
                f"cassettes: {self.unplayed_session} request(s) recorded outside the tests were "
                f"not sent again; {drift_hint(self.folder)}"
            )
        results = self.config.stash.get(RESULTS_KEY, None)
        if results is None:
            return
        recorded = self.recording.verdicts
        changed = [
            f"{rid} {recorded[rid]} -> {verdict}"
            for rid, _level, verdict, _checked, _note in results.rows()
            if verdict != "not run" and recorded.get(rid, verdict) != verdict
        ]
        if changed:
            terminalreporter.write_line(
                f"cassettes: {len(changed)} verdict(s) differ from the recording: "
                + ", ".join(changed)
            )
