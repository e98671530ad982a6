"""An independent tool agrees: schemathesis finds nothing wrong with the reference server.

The same command, by hand, from the repository root (with a server from `regconform serve`):

    REGCONFORM_TOKEN=regconform-local-token st --config-file tests/reference/schemathesis.toml \
        run contracts/course-registrations.openapi.json --url http://127.0.0.1:PORT --checks all
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from regconform.catalogue.contracts import COURSE_OPENAPI, EVENT_TRACK_OPENAPI, contracts_dir
from regconform.reference.fixtures import DEFAULT_TOKEN, TOKEN_ENV

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")
ST = Path(sys.executable).with_name("st")


@pytest.mark.parametrize("contract", [COURSE_OPENAPI, EVENT_TRACK_OPENAPI])
def test_schemathesis_finds_no_failure_when_checking_reference_server(
    reference_url: str, contract: str
) -> None:
    """`st run --checks all` against the reference server exits 0 for each contract."""
    command = [
        str(ST), "--no-color", "--config-file", str(CONFIG),
        "run", str(contracts_dir() / contract), "--url", reference_url, "--checks", "all",
        # A fixed seed keeps this self-test repeatable; run st by hand to explore further.
        "--max-examples", "30", "--seed", "20250418",
    ]  # fmt: skip
    env = os.environ | {TOKEN_ENV: DEFAULT_TOKEN}
    # cwd: the config names its hooks file relative to the repository root.
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
