"""Counting the requests a server holds at once: overlap shown by a count, never by a clock
(timings belong in bench/); and what it was sent, as a multiset."""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from types import TracebackType

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from regconform.reference.app import error_object


class InFlight:
    """An ASGI wrap (ServerSettings.wrap) counting the HTTP requests in the app at once, and
    keeping each request's method, path, query and the body the app read."""

    def __init__(self) -> None:
        self.now = 0
        self.most = 0  # the most ever held at once
        self.seen: Counter[tuple[str, str, bytes, bytes]] = Counter()

    def wrap(self, app: ASGIApp) -> ASGIApp:
        async def counted(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            chunks: list[bytes] = []

            async def read() -> Message:
                message = await receive()
                if message["type"] == "http.request":
                    chunks.append(message.get("body", b""))
                return message

            self.now += 1  # one event loop: no lock needed
            self.most = max(self.most, self.now)
            try:
                await app(scope, read, send)
            finally:
                self.now -= 1
                request = (scope["method"], scope["path"], scope["query_string"], b"".join(chunks))
                self.seen[request] += 1

        return counted


class Overlap:
    """How many threads are inside a `with overlap:` block at once, at most."""

    def __init__(self) -> None:
        self.now = 0
        self.most = 0
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        with self._lock:
            self.now -= 1


class LockFirst:
    """An ASGI wrap (ServerSettings.wrap) of a server that takes a resource's lock before it
    reads a request: a PUT arriving while another PUT to the same path is in the app is answered
    409 (RFC 9110 15.5.10, a conflict with the resource's current state), whatever its body.
    Legal, and only ever seen when a client sends to one resource at once. Counts its 409s."""

    def __init__(self) -> None:
        self.busy: Counter[str] = Counter()
        self.conflicts = 0

    def wrap(self, app: ASGIApp) -> ASGIApp:
        async def locked(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or scope["method"] != "PUT":
                await app(scope, receive, send)
                return
            path = scope["path"]
            if self.busy[path]:  # one event loop: no lock needed
                self.conflicts += 1
                response = JSONResponse(error_object("conflict", "locked by a request"), 409)
                await response(scope, receive, send)
                return
            self.busy[path] += 1
            try:
                await app(scope, receive, send)
            finally:
                self.busy[path] -= 1

        return locked


class PutsAtOnce:
    """An ASGI wrap (ServerSettings.wrap) noting, for every PUT, its path, its answer's status
    and which other PUTs were in the app while it was: overlap as an order of events, never
    a clock. `applied_together` are pairs of 200s that met; `beside_refusals`, 200s that met a
    4xx to the same path."""

    def __init__(self) -> None:
        self.out: dict[int, str] = {}  # PUTs in the app: number -> path
        self.met: set[frozenset[int]] = set()
        self.done: dict[int, tuple[str, int]] = {}  # number -> (path, status)
        self._numbers = itertools.count()

    def wrap(self, app: ASGIApp) -> ASGIApp:
        async def noted(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or scope["method"] != "PUT":
                await app(scope, receive, send)
                return
            number, status = next(self._numbers), [0]
            self.met.update(frozenset((number, other)) for other in self.out)  # one event loop
            self.out[number] = scope["path"]

            async def answer(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status[0] = message["status"]
                await send(message)

            try:
                await app(scope, receive, answer)
            finally:
                del self.out[number]
                self.done[number] = (scope["path"], status[0])

        return noted

    def pairs(self) -> list[tuple[tuple[str, int], tuple[str, int]]]:
        return [(self.done[a], self.done[b]) for a, b in map(sorted, self.met)]

    def applied_together(self) -> list[tuple[str, str]]:
        return [(a, b) for (a, sa), (b, sb) in self.pairs() if sa == sb == 200]

    def beside_refusals(self) -> int:
        return sum(
            1
            for (a, sa), (b, sb) in self.pairs()
            if a == b and {sa, sb} & {200} and {sa, sb} & {400}
        )
