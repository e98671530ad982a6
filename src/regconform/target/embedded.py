"""The embedded reference server of `regconform run` with no target: a child process, so the
server and the suite do not share one interpreter lock on a 2-core machine."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from regconform.errors import ConfigError

STARTUP_TIMEOUT = 20.0


def _first_lines(process: subprocess.Popen[str], count: int, timeout: float) -> list[str]:
    """The first lines the server prints; a reader thread, since a pipe read cannot time out."""
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for _ in range(count):
            lines.put(process.stdout.readline().strip())

    threading.Thread(target=read, daemon=True).start()
    try:
        return [lines.get(timeout=timeout) for _ in range(count)]
    except queue.Empty:
        raise ConfigError("the embedded reference server did not start") from None


@contextmanager
def embedded_server(extra_args: tuple[str, ...] = ()) -> Iterator[tuple[str, Path]]:
    """Start `regconform serve` on a free loopback port; yield (base URL, profile path).
    The profile's temporary folder goes when the server has stopped."""
    with tempfile.TemporaryDirectory(prefix="regconform-run-") as folder:
        yield from _serve(Path(folder) / "profile.toml", extra_args)


def _serve(profile: Path, extra_args: tuple[str, ...]) -> Iterator[tuple[str, Path]]:
    """The server process, writing its profile to `profile`; stopped when the caller is done."""
    command = [
        sys.executable,
        "-m",
        "regconform",
        "serve",
        "--port",
        "0",
        "--profile-out",
        str(profile),
        "--with-parent",
        *extra_args,
    ]
    with interrupts_deferred() as interrupted:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, text=True, env=os.environ.copy()
        )
    try:
        if interrupted:  # Ctrl-C while the process was being made: now it can be stopped
            raise KeyboardInterrupt
        first, second = _first_lines(process, 2, STARTUP_TIMEOUT)
        if not first.startswith("base_url: ") or not second.startswith("profile: "):
            raise ConfigError(f"the embedded reference server said {first!r}")
        yield first.removeprefix("base_url: "), Path(second.removeprefix("profile: "))
    finally:
        stop(process)


@contextmanager
def interrupts_deferred() -> Iterator[list[int]]:
    """Hold Ctrl-C back while a child process is made: a KeyboardInterrupt inside `Popen` (it
    waits for the child's exec) leaves a running child that nobody holds and so nobody stops.
    Yields the signals that arrived meanwhile, for the caller to act on once it holds the child."""
    arrived: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield arrived  # only the main thread gets KeyboardInterrupt
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: arrived.append(signum))
    try:
        yield arrived
    finally:
        signal.signal(signal.SIGINT, previous)


class Stoppable(Protocol):
    """What `stop` needs of a process: subprocess.Popen's, or a forked child's."""

    def terminate(self) -> None: ...
    def kill(self) -> None: ...
    def wait(self, timeout: float | None = None) -> int: ...


def stop(process: Stoppable) -> None:
    """Ask a server process to stop (SIGTERM: it stops cleanly); kill it if it will not."""
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
