"""Every request the suite sends goes through here: the allow-list, the budget, pacing,
throttling, timeouts and the request log are enforced in one place."""

from __future__ import annotations

import email.utils
import hashlib
import json
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import requests
import urllib3.exceptions

from regconform.settings.profile import Profile
from regconform.target.deadline import AnswerOverdue, answer_deadline
from regconform.target.exchange import REDACTED, Exchange, SentRequest

MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_429_RETRIES = 3
MAX_RETRY_WAIT = 10.0
BREAKER_THRESHOLD = 2  # consecutive transport failures before we stop trying
READ_SIZE = 65536


class TargetError(Exception):
    """The target did not answer usably (refused, reset, hung, too slow, oversized)."""


class UnsafeRequest(Exception):
    """The suite tried to touch a record the profile did not give it: a bug, never sent."""


class Throttled(Exception):
    """Still 429 after the bounded retries."""


class BudgetExhausted(Exception):
    """--max-requests is used up."""


class ResponseTooLarge(Exception):
    """An answer passed MAX_BODY_BYTES while read whole by someone else (vcrpy, to record it)."""


@dataclass
class RequestLog:
    """What was sent, without the host (ports differ between runs) or credentials."""

    digest: Any = field(default_factory=hashlib.sha256)
    count: int = 0
    per_requirement: Counter[str] = field(default_factory=Counter)

    def add(self, method: str, path_and_query: str, body: bytes | None, ids: Iterable[str]) -> None:
        line = f"{method} {path_and_query} ".encode() + (body or b"") + b"\n"
        self.digest.update(line)
        self.count += 1
        self.per_requirement.update(ids)

    @property
    def sha256(self) -> str:
        return str(self.digest.hexdigest())


class AllowList:
    """The ids the profile gave us, plus the synthetic ids this run made up itself."""

    def __init__(self, profile: Profile) -> None:
        self._ids: set[str] = set()
        if profile.course:
            c = profile.course
            self._ids.update({c.tenant_id, *c.registration_ids})
            self._ids.update(x for x in (c.locked_registration_id, c.other_tenant_id) if x)
        if profile.tracks:
            t = profile.tracks
            self._ids.update({t.event_id, t.track_id, *t.registration_ids})
        self._synthetic: set[str] = set()

    def synthetic_uuid(self, entropy: bytes) -> str:
        """A fresh uuid4 from 16 drawn bytes (so the seed decides it), marked as ours."""
        value = str(uuid.UUID(bytes=entropy[:16].ljust(16, b"\0"), version=4))
        self._synthetic.add(value)
        return value

    def synthetic_name(self, label: str, entropy: bytes) -> str:
        value = f"regconform-{label}-{entropy[:6].hex()}"
        self._synthetic.add(value)
        return value

    def require(self, values: Iterable[str]) -> None:
        for value in values:
            if value not in self._ids and value not in self._synthetic:
                raise UnsafeRequest(f"refusing to send: {value!r} is not in the profile")


def _retry_after(value: str | None) -> float:
    if not value:
        return 1.0
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time()) if when else 1.0


class Target:
    """A loopback-or-staging server, reached with one keep-alive session."""

    def __init__(
        self,
        base_url: str,
        token: str,
        profile: Profile,
        *,
        timeout: float = 10.0,
        dry_run: bool = False,
        max_requests: int | None = None,
        rate_limit: float | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.allow = AllowList(profile)
        self.log = RequestLog()
        self.throttled = 0
        self.current_requirements: tuple[str, ...] = ()
        self._token = token
        self._timeout = (min(5.0, timeout), timeout)
        self._dry_run = dry_run
        self._budget = max_requests
        self._interval = 1.0 / rate_limit if rate_limit else 0.0
        self._last_sent = 0.0
        self._failures: list[str] = []  # consecutive transport failures; the breaker reads it
        self._session = requests.Session()
        self._session.trust_env = False  # never route through a proxy from the environment

    def close(self) -> None:
        self._session.close()

    @property
    def broken(self) -> str | None:
        """Why the breaker is open (nothing more will be sent), or None while it is closed."""
        if len(self._failures) < BREAKER_THRESHOLD:
            return None
        return (
            f"the target stopped answering ({len(self._failures)} failures in a row, "
            f"last: {self._failures[-1]}); nothing more is sent"
        )

    @contextmanager
    def restoring(self, requests: int) -> Iterator[None]:
        """Requests sent inside put records back as the profile gives them. They have an
        allowance of their own (`requests` sends and their 429 retries) instead of
        --max-requests, a closed breaker (one more chance: leaving data as found matters more
        than the streak that tripped it), and no requirement ids."""
        saved = self._budget, self.current_requirements
        self._budget = requests * (MAX_429_RETRIES + 1)
        self.current_requirements = ()
        self._failures.clear()
        try:
            yield
        finally:
            self._budget, self.current_requirements = saved

    def put(
        self,
        path_parts: tuple[str, ...],
        *,
        body: Any = None,
        raw_body: bytes | None = None,
        content_type: str = "application/json",
        query: Mapping[str, str] | None = None,
        auth: str = "valid",  # "valid" | "none" | "wrong"
        checked_ids: Iterable[str] = (),
    ) -> Exchange:
        """PUT to the path made of `path_parts` (each part quoted), after the safety checks."""
        if raw_body is None and body is not None:
            raw_body = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Content-Type": content_type, "Accept": "application/json"}
        return self._request("PUT", path_parts, headers, raw_body, body, query, auth, checked_ids)

    def get(self, path_parts: tuple[str, ...], *, checked_ids: Iterable[str] = ()) -> Exchange:
        """GET the path made of `path_parts` (a read-back of what a PUT stored), through the
        same allow-list, budget, pacing and 429 retries as every PUT."""
        headers = {"Accept": "application/json"}
        return self._request("GET", path_parts, headers, None, None, None, "valid", checked_ids)

    def _request(
        self,
        method: str,
        path_parts: tuple[str, ...],
        headers: dict[str, str],
        raw_body: bytes | None,
        body: Any,
        query: Mapping[str, str] | None,
        auth: str,
        checked_ids: Iterable[str],
    ) -> Exchange:
        self.allow.require(checked_ids)
        path = "/" + "/".join(quote(part, safe="") for part in path_parts)
        query_string = urlencode(dict(query)) if query else ""
        path_and_query = f"{path}?{query_string}" if query_string else path
        if auth == "valid":
            headers["Authorization"] = f"Bearer {self._token}"
        elif auth == "wrong":
            headers["Authorization"] = "Bearer regconform-wrong-token"
        shown = {
            k: (f"Bearer {REDACTED}" if k == "Authorization" and auth == "valid" else v)
            for k, v in headers.items()
        }
        sent = SentRequest(method, self.base_url + path_and_query, shown, raw_body)
        if self._dry_run:
            self.log.add(method, path_and_query, raw_body, self.current_requirements)
            return Exchange(sent, 0, {}, b"", sent_json=body, dry_run=True)
        return self._send(sent, headers, raw_body, body)

    def _send(
        self, sent: SentRequest, headers: dict[str, str], raw: bytes | None, body: Any
    ) -> Exchange:
        for attempt in range(MAX_429_RETRIES + 1):
            self._admit()
            if attempt == 0:  # the log holds what was sent, once, whatever the throttling
                path_and_query = sent.url.removeprefix(self.base_url)
                self.log.add(sent.method, path_and_query, raw, self.current_requirements)
            exchange = self._send_once(sent, headers, raw, body)
            if exchange.status != 429:
                return exchange
            self.throttled += 1
            if attempt == MAX_429_RETRIES:
                break
            time.sleep(min(MAX_RETRY_WAIT, _retry_after(exchange.headers.get("retry-after"))))
        raise Throttled(f"still 429 after {MAX_429_RETRIES} retries honouring Retry-After")

    def _admit(self) -> None:
        """Raise, before anything is sent, if the breaker is open or the budget used up."""
        broken = self.broken
        if broken:
            raise TargetError(broken)
        if self._budget is not None:
            if self._budget <= 0:
                raise BudgetExhausted("the --max-requests budget is used up")
            self._budget -= 1

    def _send_once(
        self, sent: SentRequest, headers: dict[str, str], raw: bytes | None, body: Any
    ) -> Exchange:
        self._pace()
        where = f"{sent.method} {sent.url}"
        started = time.perf_counter()
        limit = self._timeout[1]
        try:
            with (
                answer_deadline(limit),
                self._session.request(
                    sent.method,
                    sent.url,
                    data=raw,
                    headers=headers,
                    timeout=self._timeout,
                    stream=True,
                    allow_redirects=False,
                ) as response,
            ):
                content = self._read_capped(response, started + limit, where)
                status, response_headers = response.status_code, response.headers
        except AnswerOverdue:
            raise self._failed(f"no complete answer within {limit:g} s: {where}") from None
        except ResponseTooLarge:
            raise self._failed(_too_big(where)) from None
        except (requests.Timeout, urllib3.exceptions.TimeoutError):
            raise self._failed(f"no answer within {self._timeout[1]:g} s: {where}") from None
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            reason = _short_reason(exc)
            raise self._failed(f"connection failed ({reason}): {where}") from None
        self._failures.clear()
        lowered = {k.lower(): v for k, v in response_headers.items()}
        return Exchange(
            sent, status, lowered, content, sent_json=body, elapsed=time.perf_counter() - started
        )

    def _read_capped(self, response: requests.Response, deadline: float, where: str) -> bytes:
        """The body, at most MAX_BODY_BYTES of it, complete by `deadline`: a server dribbling
        bytes just inside the read timeout cannot hold the run (checked between reads)."""
        too_big = _too_big(where)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise self._failed(too_big)
        chunks, size = [], 0
        while chunk := response.raw.read1(READ_SIZE, decode_content=True):
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise self._failed(too_big)
            if time.perf_counter() > deadline:
                limit = self._timeout[1]
                raise self._failed(f"no complete answer within {limit:g} s: {where}")
            chunks.append(chunk)
        return b"".join(chunks)

    def _failed(self, message: str) -> TargetError:
        self._failures.append(message)
        return TargetError(message)

    def _pace(self) -> None:
        if self._interval:
            wait = self._last_sent + self._interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last_sent = time.monotonic()


def _too_big(where: str) -> str:
    return f"response body exceeds {MAX_BODY_BYTES // (1024 * 1024)} MB: {where}"


def _short_reason(exc: Exception) -> str:
    text = str(exc)
    for marker in (
        "Connection refused",
        "Connection reset",
        "Broken pipe",
        "Name or service not known",
        "nodename nor servname",
        "Temporary failure in name resolution",
        "Remote end closed connection",
        "RemoteDisconnected",
        "IncompleteRead",
        "BadStatusLine",
        "LineTooLong",
        "got more than 100 headers",
        "timed out",
    ):
        if marker in text:
            return marker.lower()
    return type(exc).__name__
