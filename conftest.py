"""Loads the regconform plugin's options for this repository even when pytest's plugin
autoload is off (it is also an installed pytest11 entry point); suites/conftest.py activates it."""

pytest_plugins = ["regconform.run.plugin"]
