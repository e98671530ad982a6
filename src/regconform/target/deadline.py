"""A deadline for a whole HTTP answer, headers included.

Socket timeouts bound each read, not the answer: http.client reads the status line and the
headers itself, so a server sending a header byte every second never times out. A real-time
alarm (SIGALRM) interrupts whatever is waiting once the deadline has passed. Python handles
signals in the main thread only, which is where pytest and the CLI run requests; anywhere else,
or when an alarm is already set by someone else, this does nothing and the per-read timeouts
(and the transport's between-reads body deadline) are what is left.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

# The alarm goes off this much after the deadline, so that a server saying nothing at all is
# still caught (and named) by the socket's read timeout, and the alarm only ever meets servers
# that kept sending just enough.
GRACE_SECONDS = 0.25


class AnswerOverdue(Exception):
    """The whole answer did not arrive within the deadline."""


def _overdue(signum: int, frame: FrameType | None) -> None:
    raise AnswerOverdue


@contextmanager
def answer_deadline(seconds: float) -> Iterator[None]:
    """Raise AnswerOverdue in the block once `seconds` (and the grace) have passed."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable or signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        yield
        return
    previous = signal.signal(signal.SIGALRM, _overdue)
    signal.setitimer(signal.ITIMER_REAL, seconds + GRACE_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
