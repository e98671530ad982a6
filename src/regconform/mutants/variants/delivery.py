"""Legal wire differences: the reference server's answer, edited and sent another legal way.

A `Legal` names the endpoint it touches, how it edits an answer (with the request at hand),
how it sends it (chunked, gzip-coded, after a 103, late...) and, optionally, an answer it gives
before the server sees the request (a 429). It is the `wrap` of a variant, like a mutant's
`Deviation`. Every answer that went out differently is reported with `changed`: what the
false-alarm matrix counts to prove the variant was seen at all.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import h11
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from regconform.mutants.variants._variant import changed
from regconform.mutants.wire import (
    WireRequest,
    WireResponse,
    buffered_response,
    endpoint_of,
    read_request,
    replay,
    send_response,
)

Edit = Callable[[WireRequest, WireResponse], WireResponse]
# Sends the answer; returns what it did differently ("" for nothing). `seen` counts the
# requests to the variant's endpoints so far, for variants that act on every n-th.
Delivery = Callable[[WireRequest, WireResponse, Send, int], Awaitable[str]]
FirstAnswer = Callable[[WireRequest, int], WireResponse | None]


def unchanged(request: WireRequest, response: WireResponse) -> WireResponse:
    return response


async def plainly(request: WireRequest, response: WireResponse, send: Send, seen: int) -> str:
    """In one piece with a Content-Length, as the reference server sends."""
    await send_response(response, send)
    return ""


@dataclass(frozen=True)
class Legal:
    """Edit and send the answers of `endpoint` (None: both) another legal way."""

    endpoint: str | None = None
    edit: Edit = unchanged
    deliver: Delivery = plainly
    first: FirstAnswer | None = None  # an answer given instead of the server's, or None

    def __call__(self, app: ASGIApp) -> ASGIApp:
        """The wrap of a variant: `app` with its answers edited and sent this way."""
        return Legally(app, self)


class Legally:
    """Pure ASGI: read the request, let the app answer into a buffer, edit, deliver, report."""

    def __init__(self, app: ASGIApp, legal: Legal) -> None:
        self.app = app
        self.legal = legal
        self.seen = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = endpoint_of(scope["path"]) if scope["type"] == "http" else None
        if endpoint is None or self.legal.endpoint not in (None, endpoint):
            await self.app(scope, receive, send)
            return
        request = await read_request(scope, receive)
        self.seen += 1
        notes: list[str] = []
        response = self.legal.first(request, self.seen) if self.legal.first else None
        if response is not None:
            notes.append("answered before the server saw it")
        else:
            messages: list[Message] = []

            async def buffer(message: Message) -> None:
                messages.append(message)

            await self.app(scope, replay(request.body, receive), buffer)
            original = buffered_response(messages)
            response = self.legal.edit(request, original)
            notes += differences(original, response)
        notes.append(await self.legal.deliver(request, response, send, self.seen))
        if said := "; ".join(note for note in notes if note):
            changed(f"{request.method} {request.path} -> {response.status}: {said}")


def differences(before: WireResponse, after: WireResponse) -> list[str]:
    """What an edit changed, in a few words."""
    found = [f"status {before.status} -> {after.status}"] if before.status != after.status else []
    if dict(before.headers) != dict(after.headers):
        found.append("headers")
    if before.body != after.body:
        found.append("body")
    return found


# Bodies


def compact(value: Any) -> bytes:
    """JSON as the reference server writes it: no spaces, non-ASCII as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def json_edit(
    change: Callable[[WireRequest, WireResponse, Any], Any],
    dumps: Callable[[Any], bytes] = compact,
    when: Callable[[WireResponse], bool] = lambda response: True,
) -> Edit:
    """Rewrite a JSON body (`change` gets the request, the response and the decoded body) and
    write it with `dumps`; other bodies, and responses `when` declines, are left alone."""

    def edit(request: WireRequest, response: WireResponse) -> WireResponse:
        if not when(response):
            return response
        try:
            value = response.json()
        except ValueError:
            return response
        return replace(response, body=dumps(change(request, response, value)))

    return edit


def status_edit(new: int, when: Callable[[WireRequest, WireResponse], bool]) -> Edit:
    """Answer with status `new` where `when` holds; the body stays as the server wrote it."""

    def edit(request: WireRequest, response: WireResponse) -> WireResponse:
        return replace(response, status=new) if when(request, response) else response

    return edit


def header_edit(change: Callable[[WireResponse], WireResponse]) -> Edit:
    return lambda request, response: change(response)


# Deliveries


def _start(response: WireResponse, headers: tuple[tuple[str, str], ...]) -> Message:
    return {
        "type": "http.response.start",
        "status": response.status,
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
    }


def in_chunks(pieces: int = 3, pause: float = 0.0) -> Delivery:
    """Without a Content-Length, the body in `pieces` parts: HTTP/1.1 frames it chunked."""

    async def deliver(request: WireRequest, response: WireResponse, send: Send, seen: int) -> str:
        await send(_start(response, response.with_header("content-length", None).headers))
        body = response.body
        size = max(1, -(-len(body) // pieces))
        parts = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
        for index, part in enumerate(parts):
            if pause and index:
                await asyncio.sleep(pause)
            more = index < len(parts) - 1
            await send({"type": "http.response.body", "body": part, "more_body": more})
        return f"chunked, {len(parts)} part(s)"

    return deliver


def late(every: int, delay: float, pause: float) -> Delivery:
    """Every `every`-th answer only after `delay` seconds, its body then in parts `pause` s
    apart; the others as the reference server sends them."""
    dribbled = in_chunks(pieces=4, pause=pause)

    async def deliver(request: WireRequest, response: WireResponse, send: Send, seen: int) -> str:
        if seen % every:
            return await plainly(request, response, send, seen)
        await asyncio.sleep(delay)
        await dribbled(request, response, send, seen)
        return f"sent after {delay:g} s, body dribbled"

    return deliver


def _accepts_gzip(request: WireRequest) -> bool:
    for coding in (request.header("accept-encoding") or "").split(","):
        name, _, params = coding.strip().partition(";")
        zero = params.replace(" ", "").lower() in ("q=0", "q=0.0", "q=0.00", "q=0.000")
        if name.strip().lower() == "gzip" and not zero:
            return True
    return False


async def gzipped(request: WireRequest, response: WireResponse, send: Send, seen: int) -> str:
    """gzip-coded (Content-Encoding) whenever the request accepts gzip and there is a body."""
    if not response.body or not _accepts_gzip(request):
        return await plainly(request, response, send, seen)
    coded = replace(response, body=gzip.compress(response.body))
    coded = coded.with_header("content-encoding", "gzip").with_header("vary", "accept-encoding")
    await send_response(coded, send)
    return "gzip-coded"


async def closing(request: WireRequest, response: WireResponse, send: Send, seen: int) -> str:
    """With `Connection: close`: the server closes the connection after every answer."""
    await send_response(response.with_header("connection", "close"), send)
    return "connection closed after it"


async def shouting(request: WireRequest, response: WireResponse, send: Send, seen: int) -> str:
    """Every header name upper-cased on the wire (CONTENT-TYPE: ...)."""
    length = None if response.status == 204 else str(len(response.body))
    headers = response.with_header("content-length", length).headers
    await send(_start(response, tuple((k.upper(), v) for k, v in headers)))
    await send({"type": "http.response.body", "body": response.body, "more_body": False})
    return "header names upper-cased"


Interim = tuple[int, bytes, tuple[tuple[bytes, bytes], ...]]  # status, reason, headers


def after_interim(*answers: Interim) -> Delivery:
    """Informational answers first (RFC 9110 15.2), then the answer.

    ASGI has no message for a 1xx, so they are written through the HTTP/1.1 connection of
    uvicorn's h11 server (the reference server's, see reference.server), via the h11 state
    machine that also writes the final answer: h11 allows InformationalResponse before it.
    """

    async def deliver(request: WireRequest, response: WireResponse, send: Send, seen: int) -> str:
        cycle = getattr(send, "__self__", None)
        connection, transport = getattr(cycle, "conn", None), getattr(cycle, "transport", None)
        if not isinstance(connection, h11.Connection) or transport is None:
            raise RuntimeError("1xx variants need uvicorn's h11 server as the outermost sender")
        for status, reason, headers in answers:
            interim = h11.InformationalResponse(
                status_code=status, reason=reason, headers=list(headers)
            )
            transport.write(connection.send(interim))
        await send_response(response, send)
        return "after " + ", ".join(f"{s} {r.decode()}" for s, r, _ in answers)

    return deliver


def throttling(every: int, retry_after: int, status: int = 429) -> FirstAnswer:
    """Every `every`-th request is answered `status` (429, or 503: unavailable for a moment)
    with Retry-After before the server sees it."""

    def first(request: WireRequest, seen: int) -> WireResponse | None:
        if seen % every:
            return None
        key, said = (
            ("throttled", "more than 4 requests per second")
            if status == 429
            else ("unavailable", "down for maintenance, back in a second")
        )
        error = {"error_key": key, "error_message": said}
        headers = (("content-type", "application/json"), ("retry-after", str(retry_after)))
        return WireResponse(status, headers, compact(error))

    return first


class ClosesKeptAlive:
    """Pure ASGI: on each connection, every request after the first is met by the connection
    closing, and the server never sees it: a server closing an "idle" connection just as a
    request arrives (RFC 9112 9.5), every time. With `answer_408` it first answers 408 Request
    Timeout with `Connection: close` (what some servers send as their idle timeout ends); else
    nothing. ASGI has no message that closes a connection: it closes the transport of uvicorn's
    h11 server (the reference server's) under the request, as after_interim writes through it."""

    def __init__(self, app: ASGIApp, answer_408: bool = False) -> None:
        self.app = app
        self.answer_408 = answer_408
        self.answered: weakref.WeakSet[Any] = weakref.WeakSet()  # connections that carried one

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or endpoint_of(scope["path"]) is None:
            await self.app(scope, receive, send)
            return
        cycle = getattr(send, "__self__", None)
        transport = getattr(cycle, "transport", None)
        if transport is None:
            raise RuntimeError(
                "closes-kept-alive needs uvicorn's h11 server as the outermost sender"
            )
        if transport not in self.answered:
            self.answered.add(transport)
            await self.app(scope, receive, send)
            return
        if self.answer_408:  # h11 closes the connection after it: Connection: close
            await read_request(scope, receive)  # read whole, so the close is a FIN, not a RST
            changed(f"{scope['method']} {scope['path']} -> 408, the connection closed after it")
            timeout = WireResponse(408, (("connection", "close"),), b"")
            await send_response(timeout, send)
            return
        changed(f"{scope['method']} {scope['path']}: kept-alive connection closed under it")
        transport.close()
        for _ in range(1000):  # until uvicorn has seen it go: it then sends no 500 in its place
            if getattr(cycle, "disconnected", True):
                return
            await asyncio.sleep(0.001)
