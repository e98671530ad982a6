"""Helpers of the report self-tests: a server that breaks exactly one requirement, and runs.

Imported by name: pytest puts this folder on sys.path before importing its conftest.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from regconform.reference.fixtures import DEFAULT_TOKEN, TOKEN_ENV

REPO = Path(__file__).resolve().parents[2]
# Dropping `sys_created_by_id` from 200 answers breaks CR-026 and nothing else: the suite does
# not compare sys_ fields with what was sent. (Dropping `course_id` would also break CR-036,
# "the response carries every client field exactly as sent".)
DROPPED_FIELD = "sys_created_by_id"
BROKEN = "CR-026"  # "Every 200 response carries the required field `sys_created_by_id`"
# Every test that sends a valid course update judges its 200 answer: these, and no other, fail.
BROKEN_TESTS = (
    "test_valid_update_is_applied_and_returned",
    "test_each_single_violation_is_refused",
    "test_forbidden_updates_are_refused",
    "test_refused_at_the_door[course]",
    "test_course_records_keep_what_they_answer",
)


def drops_one_field(app: ASGIApp) -> ASGIApp:
    """Wrap `app` so 200 answers of the course endpoint lose DROPPED_FIELD (breaks BROKEN)."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/courseRegistrations/"):
            await app(scope, receive, send)
            return
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await app(scope, receive, hold)
        start, *rest = held
        body = b"".join(message.get("body", b"") for message in rest)
        if start["status"] == 200:
            document = json.loads(body)
            document.pop(DROPPED_FIELD, None)
            body = json.dumps(document).encode()
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return wrapped


@dataclass(frozen=True)
class Run:
    """A finished `regconform run`: its exit code, output and report folder."""

    code: int
    stdout: str
    stderr: str
    reports: Path

    @property
    def record(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads((self.reports / "report.json").read_text())
        return loaded

    @property
    def output(self) -> str:
        """The end of what the run printed, for assertion messages."""
        return self.stdout[-4000:] + self.stderr[-2000:]


def regconform_run(base_url: str, reports: Path, *args: str) -> Run:
    """`regconform run --base-url URL --report-dir DIR ARGS` in a subprocess."""
    command = [sys.executable, "-m", "regconform", "run", "--base-url", base_url]
    done = subprocess.run(
        [*command, "--report-dir", str(reports), *args],
        cwd=REPO,
        env={**os.environ, TOKEN_ENV: DEFAULT_TOKEN},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr, reports)
