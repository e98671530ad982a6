"""Counting the requests a server holds at once: overlap shown by a count, never by a clock
(timings belong in bench/); and what it was sent, as a multiset."""

from __future__ import annotations

import threading
from collections import Counter
from types import TracebackType

from starlette.types import ASGIApp, Message, Receive, Scope, Send


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
