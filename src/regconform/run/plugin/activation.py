"""An activated session: the markers, the plugin's parts, and junit.xml beside the reports.

`pytest suites` writes what `regconform run` writes: junit.xml (pytest's junitxml, asked for
here unless --junitxml names another file), report.json and report.html, in one folder.
"""

from __future__ import annotations

import pytest

from regconform import cassettes
from regconform.harness.guard import TargetGuard
from regconform.report.files import JUNIT_XML
from regconform.report.junit import JUnitProperties
from regconform.run.plugin import (
    collection,
    fixtures,
    handover,
    preflight,
    recorder,
    sharing,
    workers,
)
from regconform.run.plugin.options import report_folder


def configure(config: pytest.Config) -> None:
    """Register every part of the plugin in this session (from its pytest_configure)."""
    config.addinivalue_line(
        "markers", "suite(name): a conformance suite module, run against a target"
    )
    config.addinivalue_line("markers", "requirement(*ids): requirement ids this test verifies")
    config.addinivalue_line(
        "markers", "own_records: this test writes only the records its section keeps for it"
    )
    config.addinivalue_line("markers", "examples(n): at most n generated examples for this test")
    config.addinivalue_line("markers", "quick_examples(n): examples of this test in --plan quick")
    config.addinivalue_line(
        "markers", "per_example(n): n requests drawn an example, sent together (run.plan)"
    )
    config.addinivalue_line(
        "markers", "last: run after every other test (its worker's too: run.plugin.collection)"
    )
    config.pluginmanager.register(preflight, "regconform-preflight")
    config.pluginmanager.register(collection, "regconform-collection")
    config.pluginmanager.register(fixtures, "regconform-fixtures")
    config.pluginmanager.register(recorder.RunRecorder(config), "regconform-run-recorder")
    if hasattr(config, "workerinput"):
        config.pluginmanager.register(handover.WorkerHandover(config), "regconform-worker-handover")
    else:
        intake = handover.ControllerIntake(config)
        config.pluginmanager.register(intake, handover.ControllerIntake.NAME)
        config.pluginmanager.register(sharing.LedgerKeeper(config), sharing.LedgerKeeper.NAME)
        if workers.by_suite(config):
            config.pluginmanager.register(workers.SuiteMapKeeper(), "regconform-suite-map")
        # junitxml reads it in its own pytest_configure, which runs after ours (tryfirst)
        if not getattr(config.option, "xmlpath", None):
            config.option.xmlpath = str(report_folder(config) / JUNIT_XML)
    config.pluginmanager.register(TargetGuard(), "regconform-target-guard")
    config.pluginmanager.register(JUnitProperties(), "regconform-junit-properties")
    cassettes.configure(config)  # recording or replaying: regconform.cassettes
