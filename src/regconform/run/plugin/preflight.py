"""Before the first test, what `regconform run` checks before it starts pytest: the settings,
then whether the target answers at all. So `pytest suites` stops where `regconform run` stops:
one line, exit 4 (pytest's usage error), nothing sent."""

from __future__ import annotations

import pytest

from regconform.errors import ConfigError
from regconform.run.plugin.options import NO_PREFLIGHT_DEST
from regconform.run.plugin.prepared import run_config_of
from regconform.settings.config import RunConfig
from regconform.target.preflight import check_reachable

CHECKED = pytest.StashKey[bool]()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):  # an xdist worker: its controller checked
        check_once(session.config)


def check_once(config: pytest.Config) -> None:
    """Build the run's settings and check the target answers; a problem is a UsageError."""
    if config.stash.get(CHECKED, False):
        return
    config.stash[CHECKED] = True
    try:
        run_config = run_config_of(config)  # with the token `regconform run` settled
        if needs_preflight(config, run_config):
            check_reachable(run_config.base_url, run_config.timeout, run_config.profile.tls)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None


def needs_preflight(config: pytest.Config, run_config: RunConfig) -> bool:
    """A run that will send requests, and whose target `regconform run` has not checked."""
    quiet = run_config.dry_run or config.getoption("collectonly")
    return not (
        quiet or config.getoption("regconform_replay") or config.getoption(NO_PREFLIGHT_DEST)
    )
