"""The pytest plugin behind suites/: inert until asked for; then one module per job.

Installed as a pytest11 entry point, so it is loaded into every pytest session of its
environment. There it only adds the `regconform` option group (pytest needs options before it
parses the command line). Everything else (markers, fixtures, hooks, reports) is registered by
`activate`, which runs when the session asks for it: the suites' own conftest.py calls it when
they are collected, and so does any `--regconform-*` option given.

- `options`: the `regconform` option group, turned into the run's Overrides
- `activation`: what an activated session registers, and the checks before the first test
- `collection`: once collected, the run's config and results; requirement ids as properties
- `seeding`: settings, seeds and constant pools of every hypothesis test
- `fixtures`: the config, target, clients and score keeper a suite test asks for
- `recorder`: every test report merged into per-requirement results; the summary and reports
- `handover`: what xdist workers sent and put back, handed to the controller
- `sharing`: xdist workers share one request budget and one pace
- `workers`: under --concurrency, a worker per suite, scheduled by the suite of each test

Settings precedence is decided once, in regconform.settings.config.build_config:
defaults < profile file < environment < command-line options.
"""

from __future__ import annotations

import pytest

from regconform.run.plugin.options import add_options, asked_for

ACTIVE = "regconform-active"  # the name the activated plugin is registered under


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


@pytest.hookimpl(tryfirst=True)  # before junitxml reads --junitxml (see activation)
def pytest_configure(config: pytest.Config) -> None:
    if asked_for(config):
        activate(config)


def activate(config: pytest.Config) -> None:
    """Make this session a conformance run (once; the heavy imports only now)."""
    if config.pluginmanager.has_plugin(ACTIVE):
        return
    from regconform.run.plugin import activation

    config.pluginmanager.register(activation, ACTIVE)
    activation.configure(config)
