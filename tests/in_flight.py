"""Counting the requests a server holds at once: overlap shown by a count, never by a clock
(timings belong in bench/)."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class InFlight:
    """An ASGI wrap (ServerSettings.wrap) counting the HTTP requests in the app at once."""

    def __init__(self) -> None:
        self.now = 0
        self.most = 0  # the most ever held at once

    def wrap(self, app: ASGIApp) -> ASGIApp:
        async def counted(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            self.now += 1  # one event loop: no lock needed
            self.most = max(self.most, self.now)
            try:
                await app(scope, receive, send)
            finally:
                self.now -= 1

        return counted
