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

import fcntl
import hashlib
import os
import threading
from collections.abc import Callable, Generator, Hashable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

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


def in_lanes(
    concurrency: int, sends: Sequence[tuple[Hashable | None, Callable[[], T]]]
) -> Generator[T, None, None]:
    """Each send's result in order (as `in_order`), sends being (lane, send). A send with a lane
    (the record it writes) goes only once every send listed before it in its lane is answered, so
    no two writes to one record are ever in flight together and each arrives in the order listed.
    A send without one (a refusal: it writes nothing) goes whenever a thread is free. A free
    thread takes the first laned send that may go, else the first send without a lane: a lane's
    chain of round trips is what makes an example long, and refusals fill the threads it leaves.
    With `concurrency` 1, each in the order listed."""
    if concurrency <= 1:
        yield from (send() for _, send in sends)
        return
    lanes = _Lanes(sends)
    workers = [
        threading.Thread(target=lanes.work, name=f"regconform-send-{n}", daemon=True)
        for n in range(min(concurrency, len(sends)))
    ]
    for worker in workers:
        worker.start()
    try:
        for answer in lanes.answers:
            yield answer.result()
    finally:
        lanes.stop()
        for worker in workers:
            worker.join()


class _Lanes(Generic[T]):
    """in_lanes's sends and their answers, shared by its threads."""

    def __init__(self, sends: Sequence[tuple[Hashable | None, Callable[[], T]]]) -> None:
        self.sends = sends
        self.answers: list[Future[T]] = [Future() for _ in sends]
        self.waiting = list(range(len(sends)))  # not yet taken, in the order listed
        self.busy: set[Hashable] = set()  # lanes with a send out or not yet answered before
        self.changed = threading.Condition()

    def stop(self) -> None:
        with self.changed:
            self.waiting.clear()
            self.changed.notify_all()

    def _take(self) -> int | None:
        """The next send to go (under `changed`): None once none is left."""
        while self.waiting:
            free = None
            for at, index in enumerate(self.waiting):
                lane = self.sends[index][0]
                if lane is None:
                    free = at if free is None else free
                elif lane not in self.busy and not any(
                    self.sends[earlier][0] == lane for earlier in self.waiting[:at]
                ):
                    self.busy.add(lane)
                    return self.waiting.pop(at)
            if free is not None:
                return self.waiting.pop(free)
            self.changed.wait()
        return None

    def work(self) -> None:
        while True:
            with self.changed:
                index = self._take()
            if index is None:
                return
            lane, send = self.sends[index]
            try:
                self.answers[index].set_result(send())
            except BaseException as error:  # raised in its turn, by the caller (as in_order)
                self.answers[index].set_exception(error)
            finally:
                with self.changed:
                    self.busy.discard(lane)
                    self.changed.notify_all()


@dataclass
class Flight:
    """One request of ours on its way: whether another to the same path was out meanwhile."""

    overlapped: bool = False


class PathTraffic:
    """The paths our requests are out on (one Target's threads).

    Under --concurrency a server may answer 409 to a request that met another of ours on the
    same resource (RFC 9110 15.5.10: a conflict with its current state), even a request it would
    refuse anyway, if it takes a record's lock before it reads the body. That conflict is of our
    making: such a 409 is not judged but sent again alone (`on(path, alone=True)`: it waits until
    nothing of ours is out on the path, and nothing else goes there until it is answered), so
    the answer judged is the one a sequential run gets. One process's threads only; the run's
    xdist workers share paths (the track's, where its tests and its sequences each have a
    worker: run.plugin.workers) through `SharedPathTraffic`."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._out: dict[str, list[Flight]] = {}
        self._alone: set[str] = set()  # paths a request sent alone holds, or waits for

    @contextmanager
    def on(self, path: str, alone: bool = False) -> Iterator[Flight]:
        flight = Flight()
        with self._changed:
            self._changed.wait_for(lambda: path not in self._alone)
            if alone:
                self._alone.add(path)
                self._changed.wait_for(lambda: not self._out.get(path))
            out = self._out.setdefault(path, [])
            for other in out:
                other.overlapped = flight.overlapped = True
            out.append(flight)
        try:
            yield flight
        finally:
            with self._changed:
                out.remove(flight)
                if not out:
                    del self._out[path]
                if alone:
                    self._alone.discard(path)
                self._changed.notify_all()


class SharedPathTraffic:
    """PathTraffic for every process of a run (xdist workers) and their threads: three files a
    path beside the run's ledger (`target.pacing`), locked with `flock`, which the kernel
    releases if a process dies mid-request, so no dead worker holds a path.

    - `.out`: a request out on the path holds a shared lock; one sent alone an exclusive one,
      so it waits for every request out there to end.
    - `.gate`: held (exclusive) while a request takes its `.out` lock, and by a request sent
      alone until it is answered: nothing else goes to the path meanwhile, and no stream of
      other requests can keep it waiting for ever.
    - `.count`: a byte appended by each request as it goes out (O_APPEND: one at a time); a
      length that grew while a request was out means another went out beside it.
    """

    def __init__(self, ledger: Path) -> None:
        self.ledger = ledger

    def _open(self, path: str, kind: str, flags: int = 0) -> int:
        digest = hashlib.sha256(path.encode()).hexdigest()[:16]
        name = self.ledger.with_name(f"{self.ledger.name}.path-{digest}.{kind}")
        return os.open(name, os.O_RDWR | os.O_CREAT | flags, 0o600)

    @contextmanager
    def on(self, path: str, alone: bool = False) -> Iterator[Flight]:
        flight = Flight()
        gate, out = self._open(path, "gate"), self._open(path, "out")
        count = self._open(path, "count", os.O_APPEND)
        try:
            fcntl.flock(gate, fcntl.LOCK_EX)
            try:
                if alone:
                    fcntl.flock(out, fcntl.LOCK_EX)
                else:
                    try:  # nobody else out? (under the gate: nobody comes meanwhile)
                        fcntl.flock(out, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except BlockingIOError:
                        flight.overlapped = True
                    fcntl.flock(out, fcntl.LOCK_SH)
                os.write(count, b".")
                mine = os.lseek(count, 0, os.SEEK_CUR)  # the length just after our byte
            finally:
                if not alone:
                    fcntl.flock(gate, fcntl.LOCK_UN)
            try:
                yield flight
            finally:
                if os.fstat(count).st_size != mine:
                    flight.overlapped = True  # another went out while this one was
                fcntl.flock(out, fcntl.LOCK_UN)
                if alone:
                    fcntl.flock(gate, fcntl.LOCK_UN)
        finally:
            for handle in (gate, out, count):
                os.close(handle)
