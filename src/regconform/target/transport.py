"""Every request the suite sends goes through here: the allow-list, the budget, pacing,
throttling, timeouts and the request log are enforced in one place."""

from __future__ import annotations

import copy
import email.utils
import hashlib
import http.client
import json
import threading
import time
import uuid
import weakref
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import requests
import requests.adapters
import urllib3.connectionpool
import urllib3.exceptions

from regconform.settings.config import RunConfig
from regconform.settings.profile import Profile
from regconform.target.concurrency import Flight, PathTraffic, SharedPathTraffic
from regconform.target.deadline import AnswerOverdue, answer_deadline
from regconform.target.exchange import REDACTED, Exchange, SentRequest
from regconform.target.http import http_session, tls_failure
from regconform.target.pacing import BudgetUsedUp, Pacing, backoff

MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_429_RETRIES = 3
# Requests sent again, one after another, because a kept-alive connection was closed before
# any answer: each close takes one pooled connection (requests keeps up to 10 a host), and
# then a new connection is made, on which a close is a failure like any other.
MAX_CLOSES = 11
# A 408 (Request Timeout) on a new connection is repeated this many times at most (RFC 9110
# 15.5.9: "If the client has an outstanding request in transit, it MAY repeat that request"):
# one that answers nothing else gets its last 408 judged. On a kept-alive connection a 408 is
# the server's idle timeout met by our request, sent again as a close is (MAX_CLOSES).
MAX_408_REPEATS = 2
MAX_RETRY_WAIT = 10.0
BREAKER_THRESHOLD = 2  # consecutive transport failures before we stop trying
READ_SIZE = 65536


class _KeptAliveClosed(Exception):
    """A request met a kept-alive connection's close before any answer (ClosedUnanswered), or
    its 408: the server's idle timeout met it. It is sent again (never outside Target)."""


class TargetError(Exception):
    """The target did not answer usably (refused, reset, hung, too slow, oversized)."""


class UnsafeRequest(Exception):
    """The suite tried to touch a record the profile did not give it: a bug, never sent."""


class Throttled(Exception):
    """Still 429 (or 503 naming a Retry-After) after the bounded retries."""


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
    """What the profile gave us, plus the synthetic names this run made up itself.

    Course records are admitted as (tenant, record id) pairs, never as bare ids: where record
    ids are per tenant, `cr-1` may exist under two tenants, and only tenant_id's is ours.
    """

    def __init__(self, profile: Profile) -> None:
        self._ids: set[str] = set()  # the track endpoint's event, track and registration ids
        self._records: set[tuple[str, str]] = set()
        self._tenant: str | None = None
        if profile.course:
            c = profile.course
            self._tenant = c.tenant_id
            given = (*c.registration_ids, c.locked_registration_id, c.other_tenant_record_id)
            self._records.update((c.tenant_id, record_id) for record_id in given if record_id)
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

    def require_record(self, tenant: str, record_id: str) -> None:
        """A course record path: a (tenant, id) pair the profile gives, a made-up id under
        tenant_id, or a made-up tenant (which holds no real record) with a given or made-up id."""
        if (tenant, record_id) in self._records:
            return
        made_up_id = record_id in self._synthetic
        if tenant == self._tenant and made_up_id:
            return
        given_id = any(record_id == rid for _, rid in self._records)
        if tenant in self._synthetic and (given_id or made_up_id):
            return
        raise UnsafeRequest(
            f"refusing to send: record {record_id!r} of tenant {tenant!r} is not in the profile"
        )


class ClosedUnanswered(ConnectionResetError):
    """A kept-alive connection (its socket had carried an answer) was closed or reset before
    any byte of the next answer came.

    A server may close a connection at any time (RFC 9112 9.5: an idle one, say, just as our
    next request arrives), so this is no sign of a broken server, and RFC 9112 9.3.1 with RFC
    9110 9.2.2 let a client send an idempotent request (PUT, GET) again on a new connection:
    Target does (`_send`). urllib3's Retry cannot tell this case from a server hanging up on a
    new connection (broken: never sent again), so FinalResponse tells it."""


# How many answers each socket has carried (weakly: a socket closed and gone is forgotten).
_ANSWERED: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()


class FinalResponse(http.client.HTTPResponse):
    """An answer read past every informational (1xx) response sent before it.

    RFC 9110 15.2: "A client MUST be able to parse one or more 1xx responses received prior to
    a final response, even if the client does not expect one." http.client's begin() skips 100
    only and takes any other 1xx (103 Early Hints) for the answer, so the real answer stays in
    the socket and is read as the answer to the *next* request on the connection: every later
    exchange would pair a request with another request's answer. h11 (under httpcore and httpx)
    treats every 1xx but 101 as interim; so does this. 101 stays final: we never ask to switch
    protocols, so an unasked 101 is an answer to judge (an undocumented status), not to skip.

    It also counts the answers its socket carried, so a close met before any byte of an answer
    on a kept-alive connection is told apart (ClosedUnanswered).
    """

    def __init__(self, sock: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        self._socket = sock
        self.kept_alive = False  # whether its socket had carried an answer before this one

    def _read_status(self) -> tuple[str, int, str]:
        # The one hook begin() offers before it decides what the answer is (urllib3 reads its
        # proxy CONNECT answers through it too, where skipping 1xx is just as right).
        first = True
        while True:
            try:
                version, status, reason = super()._read_status()  # type: ignore[misc]
            except (ConnectionResetError, ConnectionAbortedError) as exc:
                # http.client's RemoteDisconnected (not a byte of a status line) is one of these
                if first and _ANSWERED.get(self._socket, 0):
                    raise ClosedUnanswered(f"kept-alive connection closed: {exc}") from exc
                raise
            first = False
            if not 100 <= status < 200 or status == 101:
                self.kept_alive = bool(_ANSWERED.get(self._socket, 0))
                _ANSWERED[self._socket] = _ANSWERED.get(self._socket, 0) + 1
                return version, status, reason
            http.client.parse_headers(self.fp)  # the interim answer's header section, dropped


def closed_unanswered(exc: BaseException) -> bool:
    """Whether `exc`, as requests raises it, is a ClosedUnanswered, however urllib3 and
    requests wrapped it."""
    waiting, looked = [exc], 0
    while waiting and looked < 16:  # a few wraps deep at most; a cycle ends here too
        one, looked = waiting.pop(), looked + 1
        if isinstance(one, ClosedUnanswered):
            return True
        waiting += [a for a in one.args if isinstance(a, BaseException)]
        waiting += [e for e in (one.__cause__, one.__context__) if e is not None]
    return False


def _reading_final_responses(connection: Any) -> Any:
    # Set on each new connection, not through a ConnectionCls of our own: vcrpy records and
    # replays by swapping the pools' ConnectionCls, and hands attributes set on its stand-in on
    # to the real connection it wraps.
    connection.response_class = FinalResponse
    return connection


class _Pool(urllib3.connectionpool.HTTPConnectionPool):
    def _new_conn(self) -> Any:
        return _reading_final_responses(super()._new_conn())


class _TLSPool(urllib3.connectionpool.HTTPSConnectionPool):
    def _new_conn(self) -> Any:
        return _reading_final_responses(super()._new_conn())


POOLS = {"http": _Pool, "https": _TLSPool}


class FinalResponseAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter whose connections read past 1xx answers (FinalResponse), through an
    HTTP(S) proxy too (a SOCKS one keeps urllib3's own pools)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = POOLS
        return manager


def asks_to_wait(exchange: Exchange) -> bool:
    """429 Too Many Requests, or 503 Service Unavailable naming a Retry-After: "a temporary
    overload or scheduled maintenance", and "The server MAY send a Retry-After header field ...
    to suggest an appropriate amount of time for the client to wait before retrying the
    request" (RFC 9110 15.6.4). Either is waited out and sent again, never judged; a 503
    naming no wait is an answer like any other."""
    return exchange.status == 429 or (exchange.status == 503 and "retry-after" in exchange.headers)


def _retry_after(value: str | None, attempt: int = 0, key: bytes = b"") -> float:
    """Seconds to wait after a 429: its Retry-After, else a jittered exponential back-off."""
    if not value:
        return backoff(attempt, key)
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time()) if when else backoff(attempt, key)


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
        secrets: tuple[str, ...] = (),
        pacing: Pacing | None = None,  # shared with other Targets of the run (xdist workers)
        concurrency: int = 1,  # requests a test may have in flight (target.concurrency)
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.allow = AllowList(profile)
        self.log = RequestLog()
        self.throttled = 0
        self.conflicts = 0  # 409s met beside another of our requests to the path: sent again
        self.reconnects = 0  # requests a kept-alive connection's close (or a 408) met: sent again
        self.current_requirements: tuple[str, ...] = ()
        self._token = token
        self._timeout = (min(5.0, timeout), timeout)
        self._dry_run = dry_run
        self.pacing = pacing or Pacing(max_requests, rate_limit)
        # The paths the run's requests are out on: this process's threads', or with a ledger
        # (xdist workers, which may share a path: the track's) every process's.
        ledger = self.pacing.ledger
        self._traffic = SharedPathTraffic(ledger) if ledger else PathTraffic()
        self._budget: int | None = None  # while restoring: the restores' own allowance
        self.concurrency = max(1, concurrency)
        # At most `concurrency` exchanges in flight, however many threads send (a state
        # machine's lanes, harness.sequences.run_lanes, each send several at once too), and
        # however many processes (the pacing's slots, under xdist).
        self._in_flight = threading.BoundedSemaphore(self.concurrency)
        self._lock = threading.Lock()  # the log and counters, when several threads send
        self._local = threading.local()  # a session per sending thread
        self._failures: list[str] = []  # consecutive transport failures; the breaker reads it
        self._secrets = tuple(s for s in (token, *secrets) if s)
        # The profile's TLS files; the environment's proxies, never for loopback.
        self._session = http_session(self.base_url, profile.tls)
        for scheme in ("http://", "https://"):  # read past 1xx answers (RFC 9110 15.2)
            self._session.mount(scheme, FinalResponseAdapter())
        self._owner = threading.current_thread()

    @classmethod
    def for_run(
        cls, cfg: RunConfig, *, pacing: Pacing | None = None, concurrency: int = 1
    ) -> Target:
        """The run's target, as its settings describe it (the suites' and the probe's)."""
        return cls(
            cfg.base_url,
            cfg.token,
            cfg.profile,
            timeout=cfg.timeout,
            dry_run=cfg.dry_run,
            max_requests=cfg.max_requests,
            rate_limit=cfg.rate_limit,
            secrets=cfg.extra_secrets,
            pacing=pacing,
            concurrency=concurrency,
        )

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
        checked_record: tuple[str, str] | None = None,  # (tenant, record id) of a course path
    ) -> Exchange:
        """PUT to the path made of `path_parts` (each part quoted), after the safety checks."""
        if raw_body is None and body is not None:
            raw_body = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Content-Type": content_type, "Accept": "application/json"}
        return self._request(
            "PUT", path_parts, headers, raw_body, body, query, auth, checked_ids, checked_record
        )

    def get(
        self,
        path_parts: tuple[str, ...],
        *,
        checked_ids: Iterable[str] = (),
        checked_record: tuple[str, str] | None = None,
    ) -> Exchange:
        """GET the path made of `path_parts` (a read-back of what a PUT stored), through the
        same allow-list, budget, pacing and 429 retries as every PUT."""
        headers = {"Accept": "application/json"}
        return self._request(
            "GET", path_parts, headers, None, None, None, "valid", checked_ids, checked_record
        )

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
        checked_record: tuple[str, str] | None,
    ) -> Exchange:
        self.allow.require(checked_ids)
        if checked_record is not None:
            self.allow.require_record(*checked_record)
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
        sent = SentRequest(
            method, self.base_url + path_and_query, shown, raw_body, secrets=self._secrets
        )
        if self._dry_run:
            self.log.add(method, path_and_query, raw_body, self.current_requirements)
            return Exchange(sent, 0, {}, b"", sent_json=body, dry_run=True)
        return self._send(sent, headers, raw_body, body, path)

    def _send(
        self, sent: SentRequest, headers: dict[str, str], raw: bytes | None, body: Any, path: str
    ) -> Exchange:
        """Send, then again while answered 429 or 503 naming a wait (asks_to_wait), once more,
        alone, if answered 409 beside another of our requests to the path (PathTraffic), and
        again if a kept-alive connection was closed before any answer (on another: each such
        close takes one pooled connection, so a few suffice) or the answer is 408 (twice at
        most): the server's idle timeout met our request."""
        path_and_query = sent.url.removeprefix(self.base_url)
        alone, retries, closes, timeouts, logged = False, 0, 0, 0, False
        while True:
            self._admit()
            if not logged:  # the log holds what was sent, once, whatever was sent again
                with self._lock:
                    self.log.add(sent.method, path_and_query, raw, self.current_requirements)
                logged = True
            # One request at a time (concurrency 1) in one process never meets another of
            # ours: no gate. Workers (a ledger) may meet each other's at any concurrency.
            gated = self.concurrency > 1 or self.pacing.shared
            traffic = self._traffic.on(path, alone) if gated else nullcontext(Flight())
            try:
                with (
                    traffic as flight,
                    self._in_flight,
                    self.pacing.in_flight(self.concurrency),
                ):
                    exchange = self._send_once(
                        sent, headers, raw, body, reused_ok=closes < MAX_CLOSES
                    )
            except _KeptAliveClosed:
                closes += 1  # unanswered: sent again, on another connection
                with self._lock:
                    self.reconnects += 1
                continue
            if exchange.status == 408 and timeouts < MAX_408_REPEATS:
                timeouts += 1  # on a new connection: repeated, a bounded number of times
                with self._lock:
                    self.reconnects += 1
                continue
            if exchange.status == 409 and flight.overlapped and not alone:
                alone = True  # maybe a conflict with a request of ours: sent again alone
                with self._lock:
                    self.conflicts += 1
                continue
            if not asks_to_wait(exchange):
                return exchange
            with self._lock:
                self.throttled += 1
            if retries == MAX_429_RETRIES:
                break
            key = path_and_query.encode() + b" " + (raw or b"")
            wait = _retry_after(exchange.headers.get("retry-after"), retries, key)
            self.pacing.hold(min(MAX_RETRY_WAIT, wait))  # every sender of the run waits it out
            retries += 1
        raise Throttled(
            f"still {exchange.status} after {MAX_429_RETRIES} retries honouring Retry-After"
            " (else backing off)"
        )

    def _admit(self) -> None:
        """Raise, before anything is sent, if the breaker is open or the budget used up."""
        broken = self.broken
        if broken:
            raise TargetError(broken)
        if self._budget is not None:  # restoring
            if self._budget <= 0:
                raise BudgetExhausted("the restores' allowance is used up")
            self._budget -= 1
            return
        try:
            self.pacing.take()
        except BudgetUsedUp as exc:
            raise BudgetExhausted(str(exc)) from None

    def _send_once(
        self,
        sent: SentRequest,
        headers: dict[str, str],
        raw: bytes | None,
        body: Any,
        reused_ok: bool = False,
    ) -> Exchange:
        """One request, one answer; a transport failure is a TargetError (and counts towards
        the breaker) but, with `reused_ok`, a kept-alive connection's close or 408
        (_KeptAliveClosed)."""
        self._pace()
        where = f"{sent.method} {sent.url}"
        started = time.perf_counter()
        limit = self._timeout[1]
        try:
            with (
                answer_deadline(limit),
                self.session_for_thread().request(
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
                # A 408 closing a kept-alive connection: its idle timeout met our request (each
                # pooled connection may answer so once), as a bare close would (RFC 9110 15.5.9)
                original = getattr(response.raw, "_original_response", None)
                closing = "close" in response_headers.get("connection", "").lower()
                if (
                    status == 408
                    and closing
                    and reused_ok
                    and getattr(original, "kept_alive", False)
                ):
                    raise _KeptAliveClosed
        except AnswerOverdue:
            raise self._failed(f"no complete answer within {limit:g} s: {where}") from None
        except ResponseTooLarge:
            raise self._failed(_too_big(where)) from None
        except (requests.Timeout, urllib3.exceptions.TimeoutError):
            raise self._failed(f"no answer within {self._timeout[1]:g} s: {where}") from None
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            tls = tls_failure(sent.url, exc)
            if tls:
                raise self._failed(f"{tls}: {where}") from None
            if reused_ok and closed_unanswered(exc):
                raise _KeptAliveClosed from None
            reason = _short_reason(exc)
            raise self._failed(f"connection failed ({reason}): {where}") from None
        self._failures.clear()
        lowered = {k.lower(): v for k, v in response_headers.items()}
        return Exchange(
            sent, status, lowered, content, sent_json=body, elapsed=time.perf_counter() - started
        )

    def session_for_thread(self) -> requests.Session:
        """The run's session in the thread that made the Target; in another sending thread
        (target.concurrency) a session of its own with the same settings, sharing the
        connection pools (urllib3's are thread-safe) but not the cookie jar."""
        if threading.current_thread() is self._owner:
            return self._session
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            for name in self._session.__attrs__:
                if name != "cookies":
                    setattr(session, name, copy.copy(getattr(self._session, name)))
            self._local.session = session
        return session

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
        self.pacing.wait_for_slot()


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
