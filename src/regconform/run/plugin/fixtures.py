"""The fixtures a suite test asks for: the run's config, the target, one client per endpoint
(each puts its records back at the end of the session), the test's score keeper, and the
runner of a state machine."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import pytest

from regconform.catalogue.contracts import Contracts, load_contracts
from regconform.catalogue.requirements import load_catalogue
from regconform.harness import sequences
from regconform.harness.clients import CourseClient, TrackClient
from regconform.harness.sequences import Lane, SequenceMachine
from regconform.harness.session import CONFIG_KEY, RESTORED_KEY, TARGET_KEY, VERDICTS_KEY
from regconform.judging.verdicts import Verdicts
from regconform.run.plugin.seeding import machine_settings
from regconform.run.plugin.sharing import run_concurrency, run_pacing
from regconform.settings.config import RunConfig
from regconform.target.restore import restore_course, restore_tracks
from regconform.target.transport import Target


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
    session_target = Target.for_run(
        cfg,
        pacing=run_pacing(pytestconfig, cfg),
        concurrency=run_concurrency(pytestconfig, cfg),
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
    cited = tuple(v for k, v in item.user_properties if k == "requirement")
    kept = Verdicts(
        load_catalogue(),
        regconform_config.failing_level,
        regconform_config.baseline.waived,
        frozenset(cited),
    )
    item.stash[VERDICTS_KEY] = kept
    target.current_requirements = cited
    return kept


@pytest.fixture
def run_machine(
    request: pytest.FixtureRequest, regconform_config: RunConfig, verdicts: Verdicts, target: Target
) -> Callable[[Callable[[Lane], SequenceMachine], int, Sequence[str]], None]:
    """`run_machine(make, steps, ids)` runs a state machine over the records `ids` as this
    test (harness.sequences.run_lanes), with the run's settings and this test's seed
    (seeding.machine_settings): its lanes at once under --concurrency."""

    def run_seeded(make: Callable[[Lane], SequenceMachine], steps: int, ids: Sequence[str]) -> None:
        settings, seed = machine_settings(regconform_config, request.node, steps)
        sequences.run_lanes(make, ids, settings, seed, verdicts, target.concurrency)

    return run_seeded
