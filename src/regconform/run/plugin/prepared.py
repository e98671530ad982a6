"""What is settled before the first test: the run's token and the configuration probe.

`regconform run` settles both before pytest starts (a one-line exit 4 comes from the command)
and hands them over in memory: a `Prepared` passed to `pytest.main(plugins=...)`, forwarded to
xdist workers in their `workerinput` (a pipe, never a file or a command line). Under plain
`pytest suites` the plugin settles them itself once the suites are collected: it mints the
token as the profile's `[auth]` says and sends the probe (not in a dry run or a replay, and not
in xdist workers, which cannot tell each other; each mints its own token there).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from regconform.run.plugin.options import overrides
from regconform.settings.config import RunConfig, build_config
from regconform.target.probe import ProbeRun
from regconform.target.token import with_token

PREPARED_KEY = pytest.StashKey["Prepared"]()
WORKER_INPUT = "regconform_prepared"


@dataclass(frozen=True)
class Prepared:
    """The token the run uses and how many requests the probe sent; a pytest plugin."""

    token: str = field(repr=False)
    secrets: tuple[str, ...] = field(default=(), repr=False)  # besides the token
    probe_requests: int = 0

    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[PREPARED_KEY] = self

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        """xdist controller: hand it to each worker."""
        node.workerinput[WORKER_INPUT] = {"token": self.token, "secrets": list(self.secrets)}


def prepared_of(config: pytest.Config) -> Prepared | None:
    """What was settled before the tests (by the command, or the xdist controller), if any."""
    handed = getattr(config, "workerinput", {}).get(WORKER_INPUT)
    if handed:
        return Prepared(handed["token"], tuple(handed["secrets"]))
    return config.stash.get(PREPARED_KEY, None)


def run_config_of(config: pytest.Config) -> RunConfig:
    """The run's config: the options' settings, with the token settled before the tests."""
    prepared = prepared_of(config)
    if prepared is None:
        return build_config(overrides(config))
    built = build_config(replace(overrides(config), token=prepared.token))
    return replace(built, extra_secrets=prepared.secrets)


def prepare(config: pytest.Config, run_config: RunConfig) -> RunConfig:
    """Under plain pytest: mint the token, then probe the target (ConfigError if wrong)."""
    if run_config.dry_run or prepared_of(config) is not None:
        return run_config
    ready = with_token(run_config)
    worker = hasattr(config, "workerinput")
    probed = 0 if worker or config.getoption("regconform_replay") else ProbeRun(ready).check()
    config.stash[PREPARED_KEY] = Prepared(ready.token, ready.extra_secrets, probed)
    return ready


def probe_requests(config: pytest.Config) -> int:
    prepared = config.stash.get(PREPARED_KEY, None)
    return prepared.probe_requests if prepared else 0
