"""The run's request budget (--max-requests) and pace (--rate-limit), one for the whole run.

A run may send from several threads (`--concurrency`) and several processes (pytest-xdist
workers); each takes its requests from one `Pacing`. In one process the budget and the next
free send slot are kept in memory behind a lock; across processes they live in a small ledger
file that every process opens and updates under an exclusive `flock` (the xdist controller
creates it, `run.plugin.sharing` hands its path to the workers). A caller waits for its turn
holding the lock, and the next turn starts `interval` after the moment it was taken: N callers
at R requests per second still send R per second, and a caller scheduled late never lets the
ones behind it bunch up.

The clock is `time.monotonic()`: on Linux and macOS one clock for every process of a machine.

Requests in flight (--concurrency N) are capped for the whole run as well: in one process by a
semaphore (the Target's), across processes by N slot files beside the ledger, a sender holding
one of them locked (`flock`, released by the kernel if its process dies) while its request is
out.

429 answers without Retry-After are waited out with `backoff`: exponential, capped, and
jittered by a number drawn from the request itself (never from the wall clock), so a run with
the same seed waits the same and sends the same bytes. The wait, told or drawn, holds the whole
run (`hold`: the next send slot moves past it), every thread and worker alike.
"""

from __future__ import annotations

import fcntl
import hashlib
import itertools
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BACKOFF_BASE = 1.0  # seconds before the first retry of a 429 without Retry-After
BACKOFF_CAP = 10.0  # never wait longer than this for one retry (MAX_RETRY_WAIT)
SLOT_POLL = 0.002  # seconds between looks for a free in-flight slot when all are taken


class BudgetUsedUp(Exception):
    """The run's --max-requests budget is used up."""


class Pacing:
    """One run's budget and pace; thread-safe, and process-safe with a ledger file."""

    def __init__(
        self,
        max_requests: int | None = None,
        rate_limit: float | None = None,
        ledger: Path | None = None,
    ) -> None:
        self.max_requests = max_requests
        self.rate_limit = rate_limit
        self.interval = 1.0 / rate_limit if rate_limit else 0.0
        self.ledger = ledger
        self._lock = threading.Lock()
        self._left = max_requests  # in memory, when there is no ledger
        self._next_slot = 0.0
        self._turns = itertools.count()  # where a sender starts looking for a free slot

    @property
    def shared(self) -> bool:
        return self.ledger is not None

    def take(self) -> None:
        """Count one request against the budget; BudgetUsedUp, counting nothing, if spent."""
        if self.max_requests is None:
            return
        with self._state() as state:
            if state[0] <= 0:
                raise BudgetUsedUp("the --max-requests budget is used up")
            state[0] -= 1

    def wait_for_slot(self) -> None:
        """Sleep until this caller's send slot: at most rate_limit sends per second, and
        nothing while a 429's wait holds (`hold`), all threads and processes of the run
        together."""
        if not self.interval and self.ledger is None and self._next_slot <= time.monotonic():
            return  # no pace and no hold: nothing to wait for (nor a lock to take)
        # Held while waiting: the next caller waits behind. Without a pace only a hold is read.
        with self._state(write=bool(self.interval)) as state:
            wait = state[1] - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if self.interval:
                state[1] = time.monotonic() + self.interval

    def hold(self, seconds: float) -> None:
        """A 429 asked to wait `seconds` (its Retry-After, else the back-off): no thread or
        process of the run sends before then, not only the one that was told. A server
        throttling one request is throttling the client; the others keeping on would only
        draw more 429s (RFC 6585 4: the user has sent too many requests)."""
        with self._state() as state:
            state[1] = max(state[1], time.monotonic() + seconds)

    @contextmanager
    def in_flight(self, concurrency: int) -> Iterator[None]:
        """Hold one of the run's `concurrency` in-flight slots while the block sends: with a
        ledger (several processes), one of its slot files locked; without one, nothing (the
        Target's semaphore caps its own threads)."""
        if self.ledger is None or concurrency <= 1:
            yield
            return
        start = next(self._turns)
        while True:
            for turn in range(concurrency):
                number = (start + turn) % concurrency
                slot = self.ledger.with_name(f"{self.ledger.name}.slot{number}")
                handle = os.open(slot, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(handle)
                    continue
                try:
                    yield
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
                    os.close(handle)
                return
            time.sleep(SLOT_POLL)

    @contextmanager
    def _state(self, write: bool = True) -> Iterator[list[float]]:
        """[requests left, next free slot], locked for the caller, written back after (unless
        `write` is false: a caller only reading it)."""
        with self._lock:
            if self.ledger is None:
                state = [float(self._left or 0), self._next_slot]
                yield state
                if self._left is not None:
                    self._left = int(state[0])
                self._next_slot = state[1]
                return
            with self.ledger.open("r+", encoding="ascii") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    left, next_slot = (float(x) for x in handle.read().split())
                    state = [left, next_slot]
                    yield state
                    if write:
                        handle.seek(0)
                        handle.write(f"{int(state[0])} {state[1]!r}\n")
                        handle.truncate()
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)


def create_ledger(path: Path, max_requests: int | None) -> Path:
    """A new ledger file holding the whole budget and a free first slot."""
    budget = max_requests if max_requests is not None else 0
    path.write_text(f"{budget} 0.0\n", encoding="ascii")
    os.chmod(path, 0o600)
    return path


def backoff(attempt: int, request_key: bytes) -> float:
    """Seconds to wait before retry `attempt` (0-based) of a 429 that named no Retry-After:
    BACKOFF_BASE doubled per attempt, capped at BACKOFF_CAP, times a jitter in [0.5, 1.0)
    drawn from the request's bytes and the attempt (the same request waits the same)."""
    digest = hashlib.sha256(request_key + attempt.to_bytes(2, "big")).digest()
    jitter = 0.5 + int.from_bytes(digest[:8], "big") / 2**64 / 2
    return float(min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt) * jitter)
