"""The installed plugin is polite: a pytest session that does not ask for it gets its options'
names free, and no fixture, marker, hook at work or output from it."""

from __future__ import annotations

from pathlib import Path

import pytest

import runner

# A project of someone else's, in the same environment, with options of its own whose names
# regconform's pytest options once had.
CONFTEST = """
import pytest

def pytest_addoption(parser):
    for name in ("--profile", "--base-url", "--token-env", "--report-dir", "--cassettes"):
        parser.addoption(name, default=None)

@pytest.fixture
def profile(pytestconfig):
    return pytestconfig.getoption("profile")
"""
TEST = """
import sys

def test_own_options_and_no_regconform_at_work(profile, pytestconfig):
    assert profile == "mine.toml"
    assert pytestconfig.getoption("base_url") == "http://mine"
    assert pytestconfig.pluginmanager.get_plugin("regconform-active") is None
    loaded = [name for name in sys.modules if name.startswith("regconform.")]
    assert not [name for name in loaded if "activation" in name or "fixtures" in name], loaded
"""
THEIR_OPTIONS = ("--profile", "mine.toml", "--base-url", "http://mine")
SUITE_FIXTURES = ("regconform_config", "verdicts", "course", "tracks", "contracts", "target")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A scratch project outside this repository: pytest.ini, conftest.py, one test."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_theirs.py").write_text(TEST)
    return tmp_path


def pytest_in(project: Path, *args: str) -> runner.Run:
    """Their pytest, in their project: no `--regconform-*` option (not `runner.pytest_run`,
    which adds one) and no regconform token."""
    return runner.python(
        *("-m", "pytest", "-p", "no:cacheprovider", *args), cwd=project, timeout=120, token=None
    )


def mentions(output: str) -> list[str]:
    """Lines naming regconform, but for pytest's own list of installed plugin distributions."""
    lines = output.splitlines()
    return [line for line in lines if "regconform" in line and not line.startswith("plugins:")]


def test_plugin_is_inert_when_a_session_does_not_ask_for_it(project: Path) -> None:
    """Their --profile and --base-url are theirs; nothing of regconform runs or prints."""
    done = pytest_in(project, *THEIR_OPTIONS)
    assert done.code == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    assert mentions(done.stdout + done.stderr) == []


def test_plugin_offers_no_fixture_or_marker_when_not_asked_for(project: Path) -> None:
    """`pytest --fixtures` and `--markers` list none of the suites' fixtures and markers."""
    fixtures = pytest_in(project, "--fixtures", *THEIR_OPTIONS)
    markers = pytest_in(project, "--markers")
    assert fixtures.code == markers.code == 0, fixtures.stderr + markers.stderr
    listed = {line.split()[0] for line in fixtures.stdout.splitlines() if line[:1].isalpha()}
    assert listed.isdisjoint(SUITE_FIXTURES), listed & set(SUITE_FIXTURES)
    assert "@pytest.mark.suite" not in markers.stdout
    assert "@pytest.mark.requirement" not in markers.stdout
    assert mentions(fixtures.stdout + markers.stdout) == []
