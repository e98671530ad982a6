"""Collecting the conformance suites asks for the regconform plugin.

The plugin is installed as a pytest entry point, inert until a session asks for it; this file
(shipped with the suites, in a wheel too) makes every session that collects them a conformance
run: its markers, fixtures, hooks and reports.
"""

from __future__ import annotations

import pytest

from regconform.run.plugin import activate


@pytest.hookimpl(tryfirst=True)  # before junitxml reads --junitxml (regconform.run.plugin)
def pytest_configure(config: pytest.Config) -> None:
    activate(config)
