"""Bad input is a one-line error on stderr and exit 4: never a traceback, never a hang."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from safety_runs import REPO, TRACEBACK, regconform, write_profile

from regconform.reference.fixtures import TOKEN_ENV
from runner import pytest_run

Setup = Callable[[Path], tuple[list[str], dict[str, str | None]]]


def profile_text(text: str) -> Setup:
    def setup(tmp_path: Path) -> tuple[list[str], dict[str, str | None]]:
        (tmp_path / "p.toml").write_text(text)
        return ["--profile", str(tmp_path / "p.toml")], {}

    return setup


def closed_port(tmp_path: Path) -> tuple[list[str], dict[str, str | None]]:
    """A profile naming a loopback port that was free a moment ago: nobody listens there."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    profile = write_profile(tmp_path / "p.toml", f"http://127.0.0.1:{port}")
    return ["--profile", str(profile)], {}


def unset_token(tmp_path: Path) -> tuple[list[str], dict[str, str | None]]:
    profile = write_profile(tmp_path / "p.toml", "http://127.0.0.1:9")
    return ["--profile", str(profile)], {TOKEN_ENV: None}


def broken_contract(tmp_path: Path) -> tuple[list[str], dict[str, str | None]]:
    """A copy of contracts/ whose course OpenAPI document is cut off mid-JSON."""
    copy = tmp_path / "contracts"
    shutil.copytree(REPO / "contracts", copy)
    (copy / "course-registrations.openapi.json").write_text('{"openapi": "3.1.0", "paths": ')
    return [], {"REGCONFORM_CONTRACTS": str(copy)}


def flags(*args: str) -> Setup:
    return lambda tmp_path: (list(args), {})


CASES: dict[str, tuple[Setup, str]] = {
    "missing profile": (flags("--profile", "/nonexistent/p.toml"), "does not exist"),
    "invalid TOML": (profile_text("base_url = "), "is not valid TOML"),
    "missing key": (
        profile_text("[course_registrations]\ntenant_id = 'a'\n"),
        "registration_ids must be a non-empty list of strings",
    ),
    "baseline of an unlisted record": (
        profile_text(
            "[course_registrations]\ntenant_id = 'a'\nregistration_ids = ['b']\n"
            "[course_registrations.baseline_bodies.c]\nid = 'c'\n"
        ),
        "names 'c', which is not in registration_ids",
    ),
    "not a URL": (flags("--base-url", "not-a-url"), "is not an http:// or https:// URL"),
    "connection refused": (closed_port, "Connection refused"),
    "unresolvable host": (
        flags("--base-url", "http://regconform-safety.invalid"),
        "host 'regconform-safety.invalid' does not resolve",
    ),
    "unset token variable": (unset_token, f"the token variable {TOKEN_ENV} is not set"),
    "invalid contract": (broken_contract, "invalid contract"),
    "bad option value": (flags("--timeout", "0"), "Invalid value for '--timeout'"),
    "negative seed": (
        flags("--base-url", "http://127.0.0.1:9", "--seed", "-5"),
        "seed must be 0 or more, not -5",
    ),
}


@pytest.mark.parametrize(("setup", "says"), CASES.values(), ids=CASES.keys())
def test_bad_input_is_one_line_and_exit_4(tmp_path: Path, setup: Setup, says: str) -> None:
    """The CLI names the problem in one line on stderr and exits 4, within seconds."""
    args, env = setup(tmp_path)
    run = regconform("run", *args, env=env, timeout=60)
    assert run.code == 4, run.explain()
    assert run.stderr.startswith("regconform: error: ") and run.stderr.count("\n") == 1, run.stderr
    assert says in run.stderr
    assert TRACEBACK not in run.output
    assert run.wall < 30


def test_invalid_contract_is_a_usage_error_under_plain_pytest(tmp_path: Path) -> None:
    """`pytest suites` with a broken contract stops at collection: exit 4, no traceback."""
    contracts = broken_contract(tmp_path)[1]["REGCONFORM_CONTRACTS"] or ""
    args = ["suites", "--regconform-base-url", "http://127.0.0.1:9", "--regconform-dry-run"]
    done = pytest_run(*args, env={"REGCONFORM_CONTRACTS": contracts}, timeout=120)
    assert done.code == 4, done.explain()
    assert "ERROR: invalid contract" in done.stderr
    assert TRACEBACK not in done.output
