"""Wires the regconform plugin for suites/ (it is also an installed pytest11 entry point)."""

pytest_plugins = ["regconform.run.plugin"]
