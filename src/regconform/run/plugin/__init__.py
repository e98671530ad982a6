"""The pytest plugin behind suites/: one module per job, registered here.

- `options`: the `regconform` option group, turned into the run's Overrides
- `collection`: once collected, the run's config and results; requirement ids as properties
- `seeding`: settings, seeds and constant pools of every hypothesis test
- `fixtures`: the config, target, clients and score keeper a suite test asks for
- `recorder`: every test report merged into per-requirement results; the summary and reports
- `handover`: what xdist workers sent and put back, handed to the controller
- `sharing`: xdist workers share one request budget and one pace

Settings precedence is decided once, in regconform.settings.config.build_config:
defaults < profile file < environment < command-line options.
"""

from __future__ import annotations

import pytest

from regconform import cassettes
from regconform.harness.guard import TargetGuard
from regconform.report.junit import JUnitProperties
from regconform.run.plugin import collection, fixtures, handover, recorder, sharing
from regconform.run.plugin.options import add_options


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "suite(name): a conformance suite module, run against a target"
    )
    config.addinivalue_line("markers", "requirement(*ids): requirement ids this test verifies")
    config.addinivalue_line("markers", "examples(n): at most n generated examples for this test")
    config.addinivalue_line("markers", "quick_examples(n): examples of this test in --plan quick")
    config.pluginmanager.register(collection, "regconform-collection")
    config.pluginmanager.register(fixtures, "regconform-fixtures")
    config.pluginmanager.register(recorder.RunRecorder(config), "regconform-run-recorder")
    if hasattr(config, "workerinput"):
        config.pluginmanager.register(handover.WorkerHandover(config), "regconform-worker-handover")
    else:
        config.pluginmanager.register(handover.ControllerIntake(config), "regconform-intake")
        config.pluginmanager.register(sharing.LedgerKeeper(config), "regconform-ledger")
    config.pluginmanager.register(TargetGuard(), "regconform-target-guard")
    config.pluginmanager.register(JUnitProperties(), "regconform-junit-properties")
    cassettes.configure(config)  # recording or replaying: regconform.cassettes
