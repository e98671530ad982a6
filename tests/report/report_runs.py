"""Helpers of the report self-tests: a server that breaks exactly one requirement, and runs.

Imported by name: pytest puts this folder on sys.path before importing its conftest.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

import runner

REPO = runner.REPO
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
class Run(runner.Run):
    """A finished `regconform run` (`runner.Run`), also by this module's older names."""

    @property
    def reports(self) -> Path:
        """The report folder: `report_dir`."""
        assert self.report_dir is not None
        return self.report_dir

    @property
    def record(self) -> dict[str, Any]:
        """report.json: `report()`."""
        return self.report()


def regconform_run(base_url: str, reports: Path, *args: str) -> Run:
    """`regconform run --base-url URL ARGS`, its reports written to `reports`."""
    run = runner.regconform("run", "--base-url", base_url, *args, report_dir=reports)
    return Run(**vars(run))
