"""What is settled before the first test: the run's token and the configuration probe.

`regconform run` settles both before pytest starts (a one-line exit 4 comes from the command)
and hands them over in memory: a `Prepared` passed to `pytest.main(plugins=...)`, forwarded to
xdist workers in their `workerinput` (a pipe, never a file or a command line). With a worker
per suite (--concurrency) the token still comes first, the workers need it, but the preflight
and the probe wait for them to start (`ProbeBesideWorkers`): each spends ~1 s importing and
collecting, as long as three round trips to a target answering in 300 ms. Under plain
`pytest suites` the plugin settles them itself once the suites are collected: it mints the
token as the profile's `[auth]` says and sends the probe (not in a dry run or a replay, and not
in xdist workers, which cannot tell each other; each mints its own token there).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from regconform.errors import ConfigError
from regconform.run.plugin.options import overrides
from regconform.settings.config import RunConfig, build_config
from regconform.target.probe import ProbeRun, check_target
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


class ProbeBesideWorkers:
    """xdist controller of `regconform run` (a worker per suite): the preflight and the probe,
    sent once xdist has started the workers (they import and collect meanwhile) and before it
    hands them a test: nothing is written before they pass. A wrong setup, or Ctrl-C, stops
    pytest with no line of its own (the command says it: one line, exit 4 or 2), no test run
    and no report written."""

    def __init__(self, config: RunConfig) -> None:
        self.config = config  # its token settled
        self.error: str | None = None
        self.interrupted = False  # Ctrl-C during them: the command says so, exit 2

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionstart(self, session: pytest.Session) -> Generator[None, None, None]:
        yield  # xdist's own (trylast) has started the workers by now
        try:
            sent = check_target(self.config)
        except ConfigError as exc:
            self.error = str(exc)
            raise pytest.UsageError() from None  # no message: pytest prints none
        except KeyboardInterrupt:
            self.interrupted = True
            raise pytest.UsageError() from None
        stash = session.config.stash
        stash[PREPARED_KEY] = replace(stash[PREPARED_KEY], probe_requests=sent)


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
