"""Where a slow target's run spends its wall time: which stream of requests ends last.

    .venv/bin/python bench/timeline.py 0.3 --concurrency 8     # ~35 s; any `regconform run` options

Runs `regconform run ARGS` against a reference server answering every request after DELAY
seconds (in this process, behind an ASGI wrap that notes when each request came and went), then
prints, for each stream of requests (the course records the course tests update, the records
the course sequences keep, and the same two for the track's registrations), how many it sent,
when its last answer came, and about how many round trips it took; the floor (requests x
DELAY / slots: no run sends them sooner once the first is out) and how much of the slots' time
the answers took; and the requests in flight every half second, in all and per stream. The
stream whose last answer comes last is the critical path (issue 19's 300 ms goal).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from regconform.reference import ServerSettings, running_server
from regconform.reference.fixtures import DEFAULT_TOKEN, TOKEN_ENV, fixture_profile
from regconform.settings.profile import parse_profile

ENV = {k: v for k, v in os.environ.items() if not k.startswith("REGCONFORM_")}
ENV[TOKEN_ENV] = DEFAULT_TOKEN
PROFILE = parse_profile(fixture_profile("http://127.0.0.1:1"))
assert PROFILE.course is not None and PROFILE.tracks is not None
SEQUENCE_RECORDS = PROFILE.course.sequence_ids  # the records the course sequences keep
SEQUENCE_REGISTRATIONS = set(PROFILE.tracks.sequence_ids)  # and the track sequences
GAP = 0.15  # seconds between two starts that make them two round trips
STEP = 0.5  # seconds between two looks at the requests in flight

Seen = tuple[float, float, str]  # (came, went, stream), seconds from the run's start


def stream(path: str, body: bytes) -> str:
    """Whose request: by the record in the path, or the registrations a track PUT lists (one
    the read-backs read is in its path)."""
    if path.startswith("/v3/events"):
        try:
            listed = json.loads(body).get("registration_ids") if body else None
        except (ValueError, AttributeError):
            listed = None
        named = (
            set(listed)
            if isinstance(listed, list) and all(isinstance(one, str) for one in listed)
            else {path.rsplit("/", 1)[-1]}
        )
        return "track sequences" if named & SEQUENCE_REGISTRATIONS else "track tests"
    return "course sequences" if path.rsplit("/", 1)[-1] in SEQUENCE_RECORDS else "course tests"


def timed_wrap(seen: list[Seen], clock: Callable[[], float]) -> Callable[[Any], Any]:
    def wrap(app: Any) -> Any:
        async def timed(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            came, chunks = clock(), []

            async def read() -> Any:
                message = await receive()
                chunks.append(message.get("body", b""))
                return message

            try:
                await app(scope, read, send)
            finally:
                seen.append((came, clock(), stream(scope["path"], b"".join(chunks))))

        return timed

    return wrap


def in_flight(seen: list[Seen], end: float) -> list[int]:
    looks = [STEP * i for i in range(int(end / STEP) + 1)]
    return [sum(1 for came, went, _ in seen if came <= t < went) for t in looks]


def concurrency(args: list[str]) -> int:
    """The run's --concurrency (1 unless given)."""
    for at, arg in enumerate(args):
        if arg == "--concurrency" and at + 1 < len(args):
            return int(args[at + 1])
        if arg.startswith("--concurrency="):
            return int(arg.split("=", 1)[1])
    return 1


def main() -> None:
    delay, args = float(sys.argv[1]), sys.argv[2:]
    seen: list[Seen] = []
    started = [time.monotonic()]

    def clock() -> float:
        return time.monotonic() - started[0]

    settings = ServerSettings(delay=delay, wrap=timed_wrap(seen, clock))
    with running_server(settings) as base_url, tempfile.TemporaryDirectory() as reports:
        command = [sys.executable, "-m", "regconform", "run", "--base-url", base_url]
        started[0] = time.monotonic()
        done = subprocess.run(
            [*command, "--report-dir", reports, *args], env=ENV, capture_output=True, text=True
        )
        wall = clock()
    print(f"wall {wall:.2f} s, exit {done.returncode}, {len(seen)} requests (probe included)")
    end = max(went for _, went, _ in seen)
    print(f"{'stream':<18} {'requests':>8} {'first':>7} {'last answer':>12} {'round trips':>12}")
    streams = sorted({name for _, _, name in seen})
    for name in streams:
        mine = sorted((came, went) for came, went, one in seen if one == name)
        starts = [came for came, _ in mine]
        trips = 1 + sum(1 for a, b in itertools.pairwise(starts) if b - a > GAP)
        last = max(went for _, went in mine)
        print(f"{name:<18} {len(mine):>8} {starts[0]:>6.2f}s {last:>11.2f}s {trips:>12}")
    slots = concurrency(args)
    first = min(came for came, _, _ in seen)
    held = sum(went - came for came, went, _ in seen)  # seconds of slot time the answers took
    floor, used = len(seen) * delay / slots, held / (slots * (end - first))
    print(
        f"floor: {len(seen)} requests x {delay:g} s / {slots} slots = {floor:.1f} s after the"
        f" first request (at {first:.2f} s); slots used {used:.0%} of the time from the first"
        " request to the last answer"
    )
    print(f"in flight every {STEP} s:")
    print(f"  {'all':<18} " + " ".join(map(str, in_flight(seen, end))))
    for name in streams:
        of_stream = [one for one in seen if one[2] == name]
        print(f"  {name:<18} " + "".join(str(min(n, 9)) for n in in_flight(of_stream, end)))


if __name__ == "__main__":
    main()
