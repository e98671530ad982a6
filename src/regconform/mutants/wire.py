"""Wire-level deviations: a pure-ASGI middleware that buffers a response and rewrites its bytes.

A `Deviation` names which responses it touches (endpoint, status) and how it changes them;
it is itself the `wrap` of a mutant: called with the reference app, it returns the mutant app.
The server decides correctly underneath; only what goes over the wire is wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from regconform.catalogue.contracts import COURSE_PATH, EVENT_TRACK_PATH

COURSE, TRACK = "course", "track"


def _route(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")


ROUTES = {COURSE: _route(COURSE_PATH), TRACK: _route(EVENT_TRACK_PATH)}


def endpoint_of(path: str) -> str | None:
    """`course`, `track`, or None for a path that is neither endpoint."""
    return next((name for name, route in ROUTES.items() if route.match(path)), None)


Headers = tuple[tuple[str, str], ...]


def _header(headers: Headers, name: str) -> str | None:
    return next((value for key, value in headers if key == name.lower()), None)


def _with_header(headers: Headers, name: str, value: str | None) -> Headers:
    kept = tuple((key, item) for key, item in headers if key != name.lower())
    return kept if value is None else (*kept, (name.lower(), value))


@dataclass(frozen=True)
class WireRequest:
    """A request as it arrived: header names lower-cased, the whole body read."""

    method: str
    path: str
    headers: Headers
    body: bytes

    def header(self, name: str) -> str | None:
        return _header(self.headers, name)

    def with_header(self, name: str, value: str | None) -> WireRequest:
        """The same request with header `name` set (None: removed)."""
        return replace(self, headers=_with_header(self.headers, name, value))

    @property
    def segments(self) -> list[str]:
        """The path's segments, e.g. ['courseRegistrations', tenant, id]."""
        return self.path.strip("/").split("/")

    def with_segment(self, index: int, value: str) -> WireRequest:
        """The same request with path segment `index` replaced."""
        segments = self.segments
        segments[index] = value
        return replace(self, path="/" + "/".join(segments))


@dataclass(frozen=True)
class WireResponse:
    """A response as the server produced it: status, headers (lower-cased names) and body."""

    status: int
    headers: Headers
    body: bytes

    def header(self, name: str) -> str | None:
        return _header(self.headers, name)

    def with_header(self, name: str, value: str | None) -> WireResponse:
        """The same response with header `name` set (None: removed)."""
        return replace(self, headers=_with_header(self.headers, name, value))

    def json(self) -> Any:
        """The decoded body; ValueError when it is not JSON."""
        return json.loads(self.body)

    def with_json(self, value: Any) -> WireResponse:
        """The same response carrying `value` as its JSON body."""
        body = json.dumps(value, separators=(",", ":")).encode()
        return replace(self, body=body).with_header("content-type", "application/json")


RequestEdit = Callable[[WireRequest], WireRequest]
ResponseEdit = Callable[[WireResponse], WireResponse]


def _unchanged_request(request: WireRequest) -> WireRequest:
    return request


def _unchanged_response(response: WireResponse) -> WireResponse:
    return response


@dataclass(frozen=True)
class Deviation:
    """Rewrite the traffic of `endpoint` (None: both): requests, and responses with `status`."""

    endpoint: str | None
    status: int | None = None  # None: every status
    response: ResponseEdit = _unchanged_response
    request: RequestEdit = _unchanged_request
    # Only some responses of a status, e.g. the 409 of a locked record and not of a stale one.
    when: Callable[[WireResponse], bool] = field(default=lambda response: True)

    def __call__(self, app: ASGIApp) -> ASGIApp:
        """The wrap of a mutant: `app` with this deviation applied to its traffic."""
        return Rewriting(app, self)

    def applies_to(self, path: str) -> bool:
        return self.endpoint is None or endpoint_of(path) == self.endpoint

    def rewrite(self, response: WireResponse) -> WireResponse:
        if self.status not in (None, response.status) or not self.when(response):
            return response
        return self.response(response)


class Rewriting:
    """Pure ASGI: read the request, let the app answer into a buffer, send the rewritten answer."""

    def __init__(self, app: ASGIApp, deviation: Deviation) -> None:
        self.app = app
        self.deviation = deviation

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.deviation.applies_to(scope["path"]):
            await self.app(scope, receive, send)
            return
        request = self.deviation.request(await read_request(scope, receive))
        scope = {
            **scope,
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in request.headers],
        }
        if request.path != scope["path"]:
            scope.update(path=request.path, raw_path=quote(request.path).encode())
        messages: list[Message] = []

        async def buffer(message: Message) -> None:
            messages.append(message)

        await self.app(scope, replay(request.body, receive), buffer)
        response = self.deviation.rewrite(buffered_response(messages))
        await send_response(response, send)


async def read_request(scope: Scope, receive: Receive) -> WireRequest:
    """The whole request as it arrived (shared with the legal variants' rewriting)."""
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False) and message["type"] == "http.request"
    headers = tuple((k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"])
    return WireRequest(scope["method"], scope["path"], headers, b"".join(chunks))


def replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the app the (possibly rewritten) body once, then the real channel."""
    sent = False

    async def once() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return once


def buffered_response(messages: list[Message]) -> WireResponse:
    """The response an app sent into a buffer, as one WireResponse."""
    start = next(message for message in messages if message["type"] == "http.response.start")
    headers = tuple(
        (k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in start.get("headers", [])
    )
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return WireResponse(start["status"], headers, body)


async def send_response(response: WireResponse, send: Send) -> None:
    """Send `response` in one piece, with the Content-Length of its (rewritten) body."""
    # A 204 has no body and must not say how long it is (RFC 9110 8.6).
    length = None if response.status == 204 else str(len(response.body))
    headers = response.with_header("content-length", length).headers
    await send(
        {
            "type": "http.response.start",
            "status": response.status,
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        }
    )
    await send({"type": "http.response.body", "body": response.body, "more_body": False})


# Edits: small functions a catalogue entry combines with a Deviation.


def edit_json(change: Callable[[Any], Any]) -> ResponseEdit:
    """Rewrite a JSON body with `change`; a body that is not JSON is left alone."""

    def edit(response: WireResponse) -> WireResponse:
        try:
            value = response.json()
        except ValueError:
            return response
        return response.with_json(change(value))

    return edit


def edit_record(change: Callable[[dict[str, Any]], dict[str, Any]]) -> ResponseEdit:
    """Rewrite a JSON object body with `change`."""
    return edit_json(lambda body: change(body) if isinstance(body, dict) else body)


def without(field_name: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The object without `field_name`."""
    return lambda record: {key: value for key, value in record.items() if key != field_name}


def setting(field_name: str, value: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The object with `field_name` set to `value`."""
    return lambda record: {**record, field_name: value}


def defaulting(field_name: str, value: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The object with `field_name` set to `value` when it has none."""
    return lambda record: {field_name: value, **record}


def transforming(
    field_name: str, change: Callable[[Any], Any]
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The object with `change` applied to the value of `field_name`, when present."""
    return lambda record: (
        {**record, field_name: change(record[field_name])} if field_name in record else record
    )


def set_status(status: int) -> ResponseEdit:
    return lambda response: replace(response, status=status)


def set_header(name: str, value: str | None) -> ResponseEdit:
    """Set (None: remove) a response header."""
    return lambda response: response.with_header(name, value)


def set_body(body: bytes, content_type: str | None) -> ResponseEdit:
    return lambda response: replace(response, body=body).with_header("content-type", content_type)


def chain(*edits: ResponseEdit) -> ResponseEdit:
    """Apply `edits` in order."""

    def edit(response: WireResponse) -> WireResponse:
        for one in edits:
            response = one(response)
        return response

    return edit


def error_key_is(key: str) -> Callable[[WireResponse], bool]:
    """Whether the error body (one object, or a list of them) carries `error_key` == key."""

    def matches(response: WireResponse) -> bool:
        try:
            body = response.json()
        except ValueError:
            return False
        errors = body if isinstance(body, list) else [body]
        return any(isinstance(error, dict) and error.get("error_key") == key for error in errors)

    return matches


def authorize_when(condition: Callable[[WireRequest], bool], token: str) -> RequestEdit:
    """Send the request on with `Authorization: Bearer <token>` when `condition` holds."""

    def edit(request: WireRequest) -> WireRequest:
        if not condition(request):
            return request
        return request.with_header("authorization", f"Bearer {token}")

    return edit
