"""Several requests in flight at once (`--concurrency N`), their answers taken in order.

A refusal test sends many independent requests made from one drawn body (each single-field
violation, each forbidden target): against a server answering in 100-300 ms they are worth
sending together. `in_order` sends them on up to N threads, each with its own session
(`Target.session_for_thread`), and yields their answers in the order they were asked for, so
they are judged exactly as a sequential run judges them. The budget and the pace are the run's
(`target.pacing`): N threads never send more, or faster, than one would be allowed to.

With N = 1 (the default) nothing is sent before it is asked for, and the request log's order,
hence its sha256, is the same for the same seed. With N > 1 the same requests are sent (the
log holds the same lines) but their order in the log may differ from run to run.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def in_order(concurrency: int, sends: Iterable[Callable[[], T]]) -> Generator[T, None, None]:
    """Each `send()`'s result, in order; up to `concurrency` of them running at once. A send
    that raises raises here, in its turn, after the results before it; the rest are cancelled."""
    if concurrency <= 1:
        yield from (send() for send in sends)
        return
    pool = ThreadPoolExecutor(concurrency, thread_name_prefix="regconform-send")
    try:
        futures: list[Future[T]] = [pool.submit(send) for send in sends]
        for future in futures:
            yield future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
