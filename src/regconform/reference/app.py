"""The HTTP layer of the reference server: Starlette routes asking `Semantics` what to do.

Besides the two documented PUTs it serves reads of what they stored (GET of a course record, GET
of one registration of an event): not in the contracts, but what a profile's `read_path` names,
so the read-back requirements are exercised against the reference server too."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from regconform.catalogue.contracts import COURSE_PATH, EVENT_TRACK_PATH
from regconform.reference.fixtures import DEFAULT_TOKEN, TRACK_READ_PATH
from regconform.reference.semantics import TRACK_FLAGS, Semantics
from regconform.reference.store import Store

WWW_AUTHENTICATE = 'Bearer realm="regconform"'


@dataclass(frozen=True)
class ServerSettings:
    """Everything that makes one reference server, decided before it starts."""

    host: str = "127.0.0.1"
    port: int = 0  # 0: any free port
    db: str = ":memory:"
    reset: bool = False
    token: str = DEFAULT_TOKEN
    rate_limit: float | None = None  # requests per second; None: unlimited
    delay: float = 0.0  # seconds added before every answer: a slow staging server (bench, tests)
    semantics: Semantics = field(default_factory=Semantics)
    # Applied last, around the whole app: wire-level mutants change bytes, not decisions.
    wrap: Callable[[ASGIApp], ASGIApp] | None = None


# Responses. The course document lists no error fields; the vendor's v3 API answers errors
# with an array of objects, except 401 and 429 which carry one object (appconnect excerpt).


def error_object(key: str, message: str, **extra: Any) -> dict[str, Any]:
    """One error object, as both APIs spell it."""
    return {"error_key": key, "error_message": message, **extra}


def course_error(status: int, key: str, message: str, **extra: Any) -> Response:
    """An error of the course endpoint: a single object."""
    return JSONResponse(error_object(key, message, **extra), status_code=status)


def track_error(status: int, key: str, message: str) -> Response:
    """An error of the track endpoint: an array of error objects."""
    return JSONResponse([error_object(key, message)], status_code=status)


def unauthorized_response() -> Response:
    """401 with a challenge (GEN-003) and a single error object on both endpoints."""
    body = error_object("unauthorized", "a valid bearer token is required")
    headers = {"WWW-Authenticate": WWW_AUTHENTICATE}
    return JSONResponse(body, status_code=401, headers=headers)


def throttled_response(retry_after: int) -> Response:
    """429 with Retry-After and a single error object on both endpoints."""
    body = error_object("throttled", f"too many requests; retry after {retry_after} s")
    return JSONResponse(body, status_code=429, headers={"Retry-After": str(retry_after)})


def method_not_allowed(
    error: Callable[[int, str, str], Response], method: str, allowed: tuple[str, ...]
) -> Response:
    """405 naming the methods the path supports."""
    allow = ", ".join(allowed)
    response = error(405, "method_not_allowed", f"{method} is not supported here; use {allow}")
    response.headers["Allow"] = allow
    return response


def course_ok_response(record: dict[str, Any]) -> Response:
    """200 with the whole stored record."""
    return JSONResponse(record)


def registration_response(event_id: str, registration_id: str, found: tuple[str, str]) -> Response:
    """200 with one registration of an event: its track and status."""
    track_id, status = found
    return JSONResponse(
        {
            "registration_id": registration_id,
            "event_id": event_id,
            "track_id": track_id,
            "registration_status": status,
        }
    )


def all_updated_response() -> Response:
    """200 with no body: the v3 document declares none (Content-Length: 0)."""
    return Response(status_code=200)


def multi_status_response(failed: list[str]) -> Response:
    """207 listing the ids that failed."""
    return JSONResponse({"failed_registration_ids": failed}, status_code=207)


class RateLimiter:
    """A token bucket: `rate` requests per second, bursts up to max(1, rate)."""

    def __init__(self, rate: float) -> None:
        self._rate = rate
        self._capacity = max(1.0, rate)
        self._tokens = self._capacity
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def wait_time(self) -> float:
        """Take a token and return 0, or return the seconds until one is available."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self._capacity, self._tokens + (now - self._last) * self._rate)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self._rate


Handler = Callable[[Request], Awaitable[Response]]
ErrorFactory = Callable[[int, str, str], Response]


class Api:
    """The two endpoints; the store work of a request runs in the threadpool."""

    def __init__(self, settings: ServerSettings, store: Store) -> None:
        self.store = store
        self.semantics = settings.semantics
        self.token = settings.token
        self.limiter = RateLimiter(settings.rate_limit) if settings.rate_limit else None

    def gate(
        self, request: Request, error: ErrorFactory, allowed: tuple[str, ...] = ("PUT",)
    ) -> Response | None:
        """Throttle, route the method, authenticate: the answer if one of them refuses."""
        if self.limiter is not None:
            wait = self.limiter.wait_time()
            if wait > 0:
                return throttled_response(max(1, math.ceil(wait)))
        if request.method not in allowed:
            return method_not_allowed(error, request.method, allowed)
        if not self.semantics.is_authorized(request.headers.get("authorization"), self.token):
            return unauthorized_response()
        return None

    async def course(self, request: Request) -> Response:
        """PUT /courseRegistrations/{tenantId}/{id}, and GET: the record as stored."""
        refused = self.gate(request, course_error, ("GET", "PUT"))
        if refused is not None:
            return refused
        params = request.path_params
        if request.method == "GET":
            return await run_in_threadpool(self.read_course, params["tenantId"], params["id"])
        raw = await request.body()
        content_type = request.headers.get("content-type")
        return await run_in_threadpool(
            self.update_course, params["tenantId"], params["id"], content_type, raw
        )

    def read_course(self, tenant_id: str, record_id: str) -> Response:
        """The record as stored (what the read-back of a profile's read_path sees)."""
        with self.store.transaction() as store:
            record = store.course(tenant_id, record_id)
        if record is None:
            message = f"no course registration {record_id!r} in tenant {tenant_id!r}"
            return course_error(404, "not_found", message)
        return course_ok_response(record)

    def update_course(
        self, tenant_id: str, record_id: str, content_type: str | None, raw: bytes
    ) -> Response:
        """Read, check and write one record in one transaction."""
        rules = self.semantics
        with self.store.transaction() as store:
            record = rules.find_course(store, tenant_id, record_id)
            if record is None:
                message = f"no course registration {record_id!r} in tenant {tenant_id!r}"
                return course_error(404, "not_found", message)
            body, refused = self.decode(content_type, raw, course_error)
            if refused is not None:
                return refused
            problem = rules.course_body_errors(body, record_id)
            if problem is not None:
                return course_error(400, "invalid_request", problem)
            if rules.is_locked(record):
                return course_error(409, "locked", f"course registration {record_id!r} is locked")
            if rules.is_stale(record, body):
                version = record["sys_version"]
                message = (
                    f"sys_version {body['sys_version']!r} is not the current version {version}"
                )
                return course_error(409, "version_conflict", message, current_sys_version=version)
            updated = rules.updated_course(record, body, datetime.now(UTC), rules.actor_id)
            stored = rules.stored_course(updated)
            if stored is not None:
                store.save_course(tenant_id, stored)
        return course_ok_response(updated)

    async def track(self, request: Request) -> Response:
        """PUT /v3/events/{event_id}/tracks/{track_id}/registrations."""
        refused = self.gate(request, track_error)
        if refused is not None:
            return refused
        params = request.path_params
        raw = await request.body()
        content_type = request.headers.get("content-type")
        flags = [(name, request.query_params.getlist(name)) for name in TRACK_FLAGS]
        return await run_in_threadpool(
            self.update_track, params["event_id"], params["track_id"], content_type, raw, flags
        )

    def update_track(
        self,
        event_id: str,
        track_id: str,
        content_type: str | None,
        raw: bytes,
        flags: list[tuple[str, list[str]]],
    ) -> Response:
        """Update every requested registration of one track in one transaction."""
        rules = self.semantics
        with self.store.transaction() as store:
            known = rules.find_track(store, event_id, track_id)
            if known is None:
                return track_error(404, "not_found", f"no track {track_id!r} in event {event_id!r}")
            body, refused = self.decode(content_type, raw, track_error)
            if refused is not None:
                return refused
            problem = rules.track_body_errors(body) or self.flag_errors(flags)
            if problem is not None:
                return track_error(400, "invalid_request", problem)
            requested = body["registration_ids"]
            failed = rules.track_failed_ids(known, requested)
            failed_set = set(failed)
            succeeded = [rid for rid in dict.fromkeys(requested) if rid not in failed_set]
            applied = rules.applied_track_ids(succeeded, failed)
            store.set_track_statuses(event_id, track_id, applied, body["registration_status"])
        if rules.track_status(failed, requested) == 207:
            return multi_status_response(failed)
        return all_updated_response()

    async def registration(self, request: Request) -> Response:
        """GET /v3/events/{event_id}/registrations/{registration_id}: one registration."""
        refused = self.gate(request, track_error, ("GET",))
        if refused is not None:
            return refused
        params = request.path_params
        return await run_in_threadpool(
            self.read_registration, params["event_id"], params["registration_id"]
        )

    def read_registration(self, event_id: str, registration_id: str) -> Response:
        """A registration of the event as stored, with its track and status."""
        with self.store.transaction() as store:
            found = store.track_registration(event_id, registration_id)
        if found is None:
            message = f"no registration {registration_id!r} in event {event_id!r}"
            return track_error(404, "not_found", message)
        return registration_response(event_id, registration_id, found)

    def decode(
        self, content_type: str | None, raw: bytes, error: ErrorFactory
    ) -> tuple[Any, Response | None]:
        """The JSON body, or the 400/415 answer refusing it."""
        # No body at all is a malformed request (400), whatever it claims to be; 415 is for a
        # body that is there but in another format (GEN-006).
        if not raw.strip():
            return None, error(400, "invalid_request", "the request needs a JSON body")
        if not self.semantics.is_json(content_type):
            return None, error(415, "unsupported_media_type", "the body must be application/json")
        try:
            return self.semantics.parse_body(raw), None
        except ValueError as exc:
            message = " ".join(str(exc).split())[:200]
            return None, error(
                400, "malformed_json", f"the body is not well-formed JSON: {message}"
            )

    def flag_errors(self, flags: list[tuple[str, list[str]]]) -> str | None:
        """Why a query flag is unacceptable, or None."""
        for name, values in flags:
            for raw in values:
                if self.semantics.parse_flag(raw) is None:
                    return f"query parameter {name} must be true or false, not {raw[:40]!r}"
        return None


class Endpoint:
    """An ASGI app around a handler, so a Route hands it every method (405 is ours to say)."""

    def __init__(self, handler: Handler, delay: float = 0.0) -> None:
        self.handler = handler
        self.delay = delay  # seconds before every answer: a slow staging server (--delay)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.delay:  # awaited, so answers overlap: many requests in flight wait together
            await asyncio.sleep(self.delay)
        response = await self.handler(Request(scope, receive))
        await response(scope, receive, send)


async def not_found(request: Request, exc: Exception) -> Response:
    """Unknown paths: 404 with an error object."""
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    return JSONResponse(
        error_object("not_found", f"no resource at {request.url.path}"), status_code=status
    )


def build_app(settings: ServerSettings) -> tuple[ASGIApp, Store]:
    """The ASGI app and the store it owns (the caller closes the store)."""
    store = Store(settings.db)
    store.prepare(reset=settings.reset)
    api = Api(settings, store)
    routes = [
        Route(COURSE_PATH, Endpoint(api.course, settings.delay)),
        Route(EVENT_TRACK_PATH, Endpoint(api.track, settings.delay)),
        Route(TRACK_READ_PATH, Endpoint(api.registration, settings.delay)),
    ]
    app: ASGIApp = Starlette(routes=routes, exception_handlers={404: not_found})
    return (settings.wrap(app) if settings.wrap else app), store


def create_app(settings: ServerSettings | None = None) -> ASGIApp:
    """The reference server as an ASGI app."""
    return build_app(settings or ServerSettings())[0]
