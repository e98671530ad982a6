"""A loopback HTTP server that misbehaves on purpose, and records everything it is sent.

Raw sockets rather than http.server, so it can hang, reset and dribble the way a broken server
does. Each fault is a small function answering one PUT; HEAD (the preflight) is answered 200
unless the fault is "hang" or "trickle-head-all". With an upstream URL it forwards what it does
not fault to that server, which makes it a counting proxy in front of the reference server.

Bounded: at most MAX_CONNECTIONS at once, and it stops by itself after `lifetime` seconds.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from regconform.target.probe import PROBE_BODY

MAX_CONNECTIONS = 32
IDLE_TIMEOUT = 30.0  # a client silent this long on a kept-alive connection is dropped
HUGE_BODY_BYTES = 10 * 1024 * 1024
SLOW_DELAY = 3.0  # longer than the --timeout 2 the tests run with
TRICKLE_INTERVAL = 0.25  # one body byte this often: each read is quick, the whole is not


@dataclass(frozen=True)
class Seen:
    """One request as it arrived."""

    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    at: float  # time.monotonic() when it had fully arrived


class Disconnect(Exception):
    """The connection is over (closed by the client, reset, or the server is stopping)."""


def response(status: int, body: bytes = b"", content_type: str = "application/json") -> bytes:
    reason = http.client.responses.get(status, "Whatever")
    head = f"HTTP/1.1 {status} {reason}\r\nContent-Length: {len(body)}\r\n"
    if body:
        head += f"Content-Type: {content_type}\r\n"
    return head.encode() + b"\r\n" + body


OK_JSON = response(200, b"{}")


class FaultyServer:
    """`with FaultyServer("reset") as server:` then point a profile at `server.url`."""

    def __init__(
        self,
        fault: str = "forward",
        upstream: str | None = None,
        *,
        retry_after: int | None = 1,  # None: a 429 without Retry-After
        lifetime: float = 300.0,
    ) -> None:
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; one of {', '.join(FAULTS)}")
        self.fault = fault
        self.upstream = urlsplit(upstream) if upstream else None
        self.retry_after = retry_after
        self.lifetime = lifetime
        self.connections = 0
        self.requests: list[Seen] = []
        self.unanswered: list[Seen] = []  # requests met by a kept-alive connection's close
        self._answered_on: set[socket.socket] = set()  # connections that carried an answer
        # (the last request on a connection, when the connection ended): how long a client
        # waited for an answer that never came is `ended - seen.at`.
        self.ended: list[tuple[Seen | None, float]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._open: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def puts(self) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if r.method == "PUT"]

    def __enter__(self) -> FaultyServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(5)
        with self._lock:
            still_open = list(self._open)
        for conn in still_open:
            _close(conn)

    # ---- connections ------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        deadline = time.monotonic() + self.lifetime
        with self._listener:
            while not self._stop.is_set() and time.monotonic() < deadline:
                try:
                    conn, _ = self._listener.accept()
                except TimeoutError:
                    continue
                if not self._slots.acquire(blocking=False):
                    _close(conn)
                    continue
                with self._lock:
                    self.connections += 1
                    self._open.add(conn)
                threading.Thread(target=self._serve, args=(conn,), daemon=True).start()
        self._stop.set()

    def _serve(self, conn: socket.socket) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.settimeout(IDLE_TIMEOUT)
        buffer = bytearray()
        seen: Seen | None = None
        try:
            while not self._stop.is_set():
                seen = _read_request(conn, buffer)
                with self._lock:
                    self.requests.append(seen)
                FAULTS[self.fault](self, conn, seen)
        except (Disconnect, OSError, http.client.HTTPException):
            pass  # the client went away, or we made it: either way this connection is done
        finally:
            with self._lock:
                self.ended.append((seen, time.monotonic()))
                self._open.discard(conn)
                self._answered_on.discard(conn)
            _close(conn)
            self._slots.release()

    # ---- answers ----------------------------------------------------------------------------

    def answer(self, conn: socket.socket, seen: Seen) -> None:
        """The well-behaved answer: forwarded upstream when there is one, else 200 `{}`."""
        if self.upstream is None:
            conn.sendall(response(200) if seen.method == "HEAD" else OK_JSON)
            return
        status, reason, reply_headers, body = _forward(self.upstream, seen)
        lines = [f"HTTP/1.1 {status} {reason}"]
        for name, value in reply_headers:
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                lines.append(f"{name}: {value}")
        lines.append(f"Content-Length: {len(body) if seen.method != 'HEAD' else 0}")
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

    def stopped_within(self, seconds: float) -> bool:
        """Wait up to `seconds`; True if the server is stopping meanwhile."""
        return self._stop.wait(seconds)

    def wait_for_hangup(self, conn: socket.socket, seconds: float | None) -> None:
        """Say nothing for `seconds` (None: for good); raise Disconnect as soon as the client
        hangs up or the server stops."""
        deadline = None if seconds is None else time.monotonic() + seconds
        conn.settimeout(0.05)
        while deadline is None or time.monotonic() < deadline:
            if self._stop.is_set():
                raise Disconnect
            try:
                if not conn.recv(65536):
                    raise Disconnect
            except TimeoutError:
                continue
        conn.settimeout(IDLE_TIMEOUT)


def _forward(upstream: SplitResult, seen: Seen) -> tuple[int, str, list[tuple[str, str]], bytes]:
    """Send `seen` upstream on a fresh connection (no stale keep-alive to trip over)."""
    connection = http.client.HTTPConnection(
        upstream.hostname or "127.0.0.1", upstream.port or 80, timeout=IDLE_TIMEOUT
    )
    try:
        headers = {k: v for k, v in seen.headers.items() if k not in ("host", "connection")}
        # A client that takes us for its proxy sends the absolute form: `PUT http://host/path`.
        target = urlsplit(seen.path)
        path = f"{target.path}?{target.query}" if target.query else target.path
        connection.request(seen.method, path, body=seen.body or None, headers=headers)
        reply = connection.getresponse()
        return reply.status, reply.reason, reply.getheaders(), reply.read()
    finally:
        connection.close()


def _close(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_RDWR)
    conn.close()


def _read_request(conn: socket.socket, buffer: bytearray) -> Seen:
    """One request (Content-Length bodies only: all the client sends)."""
    while b"\r\n\r\n" not in buffer:
        chunk = conn.recv(65536)
        if not chunk:
            raise Disconnect
        buffer += chunk
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, path, _version = request_line.split(" ", 2)
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = bytearray(rest)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            raise Disconnect
        body += chunk
    buffer[:] = body[length:]
    return Seen(method, path, headers, bytes(body[:length]), time.monotonic())


# ---- the faults: each answers one request -------------------------------------------------

Fault = Callable[[FaultyServer, socket.socket, Seen], None]


def _put_only(fault: Fault) -> Fault:
    """Apply `fault` to PUTs; anything else gets the well-behaved answer."""

    def apply(server: FaultyServer, conn: socket.socket, seen: Seen) -> None:
        if seen.method == "PUT":
            fault(server, conn, seen)
        else:
            server.answer(conn, seen)

    return apply


def forward(server: FaultyServer, conn: socket.socket, seen: Seen) -> None:
    server.answer(conn, seen)


def closing_kept_alive(how: str) -> Fault:
    """Forward the first request of each connection; when another comes on it, close the
    connection without forwarding it: with FIN (`how` "fin"), RST ("rst"), or after a 408
    Request Timeout ("408"). A server whose idle timeout ends just as a request arrives (RFC
    9112 9.5, RFC 9110 15.5.9), every time."""

    def fault(server: FaultyServer, conn: socket.socket, seen: Seen) -> None:
        with server._lock:
            kept_alive = conn in server._answered_on
            server._answered_on.add(conn)
            if kept_alive:
                server.unanswered.append(seen)
        if not kept_alive:
            server.answer(conn, seen)
            return
        if how == "408":
            conn.sendall(response(408).replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1))
        elif how == "rst":  # as `reset`: closed at once, RST instead of FIN
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()
        raise Disconnect

    return fault


def request_timeout(server: FaultyServer, conn: socket.socket, seen: Seen) -> None:
    conn.sendall(response(408))


def hang_unauthenticated(server: FaultyServer, conn: socket.socket, seen: Seen) -> None:
    """Forward every request, except that a PUT without Authorization never gets an answer."""
    if seen.method == "PUT" and "authorization" not in seen.headers:
        hang(server, conn, seen)
    else:
        server.answer(conn, seen)


def hang(server: FaultyServer, conn: socket.socket, seen: Seen) -> None:
    server.wait_for_hangup(conn, None)


def reset(server: FaultyServer, conn: socket.socket, seen: Seen) -> None:
    # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()
    raise Disconnect


def slow(server: FaultyServer, conn: socket.socket, seen: Seen) -> None:
    server.wait_for_hangup(conn, SLOW_DELAY)
    conn.sendall(OK_JSON)


def trickle(server: FaultyServer, conn: socket.socket, seen: Seen) -> None:
    body = json.dumps({"note": "x" * 200}).encode()
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    conn.sendall(head.encode() + b"\r\n")
    for byte in body:
        if server.stopped_within(TRICKLE_INTERVAL):
            raise Disconnect
        conn.sendall(bytes([byte]))


def trickle_head(server: FaultyServer, conn: socket.socket, seen: Seen) -> None:
    """The status line and headers a byte at a time: http.client reads them itself, each read
    well inside the read timeout, and 200 headers would take minutes."""
    head = "HTTP/1.1 200 OK\r\n" + "".join(f"X-Filler-{n}: {'x' * 20}\r\n" for n in range(200))
    for byte in head.encode():
        if server.stopped_within(TRICKLE_INTERVAL):
            raise Disconnect
        conn.sendall(bytes([byte]))


def not_json(server: FaultyServer, conn: socket.socket, seen: Seen) -> None:
    conn.sendall(response(200, b"<html><body>Service temporarily unavailable</body></html>"))


def huge(server: FaultyServer, conn: socket.socket, seen: Seen) -> None:
    # No Content-Length: the body ends when the connection does, so only the cap can stop it.
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
    piece = b"[" + b"0," * 32767 + b"0]"
    for _ in range(HUGE_BODY_BYTES // len(piece) + 1):
        conn.sendall(piece)
    raise Disconnect


def wrong_type(server: FaultyServer, conn: socket.socket, seen: Seen) -> None:
    conn.sendall(response(200, b"{}", content_type="text/html"))


def server_error(server: FaultyServer, conn: socket.socket, seen: Seen) -> None:
    body = json.dumps({"error_key": "internal", "error_message": "boom"}).encode()
    conn.sendall(response(500, body))


def _asking_to_wait(server: FaultyServer, conn: socket.socket, status: str, body: bytes) -> None:
    """`status` (e.g. "429 Too Many Requests"), with Retry-After unless the server's is None."""
    wait = "" if server.retry_after is None else f"Retry-After: {server.retry_after}\r\n"
    kind = "Content-Type: application/json\r\n" if body else ""
    head = f"HTTP/1.1 {status}\r\n{wait}{kind}Content-Length: {len(body)}\r\n\r\n"
    conn.sendall(head.encode() + body)


def throttle(server: FaultyServer, conn: socket.socket, seen: Seen) -> None:
    body = json.dumps({"error_key": "throttled", "error_message": "slow down"}).encode()
    _asking_to_wait(server, conn, "429 Too Many Requests", body)


def unavailable(server: FaultyServer, conn: socket.socket, seen: Seen) -> None:
    _asking_to_wait(server, conn, "503 Service Unavailable", b"")


def throttle_once(server: FaultyServer, conn: socket.socket, seen: Seen) -> None:
    """The first PUT of the tests (after the configuration probe's) is answered 429 (with
    Retry-After unless None); every other request is answered well."""
    tests = [put for put in server.puts() if put.body != PROBE_BODY]
    if tests and tests[0] is seen:
        throttle(server, conn, seen)
    else:
        server.answer(conn, seen)


EARLY_HINTS = b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n"
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def interim(*heads: bytes) -> Fault:
    """Informational answers (RFC 9110 15.2), each sent on its own, then a 200 echoing the
    request's JSON body: an answer paired with the wrong request shows."""

    def fault(server: FaultyServer, conn: socket.socket, seen: Seen) -> None:
        for head in heads:
            conn.sendall(head)
        conn.sendall(response(200, json.dumps({"echo": json.loads(seen.body)}).encode()))

    return fault


FAULTS: dict[str, Fault] = {
    "forward": forward,
    "hang": hang,
    "hang-put": _put_only(hang),
    "hang-unauthenticated": hang_unauthenticated,
    "closes-kept-alive": closing_kept_alive("fin"),
    "resets-kept-alive": closing_kept_alive("rst"),
    "408-kept-alive": closing_kept_alive("408"),
    "408": _put_only(request_timeout),
    "503": _put_only(unavailable),
    "reset": _put_only(reset),
    "slow": _put_only(slow),
    "trickle": _put_only(trickle),
    "trickle-head": _put_only(trickle_head),
    "trickle-head-all": trickle_head,  # the preflight's HEAD too
    "not-json": _put_only(not_json),
    "huge": _put_only(huge),
    "wrong-type": _put_only(wrong_type),
    "500": _put_only(server_error),
    "429": _put_only(throttle),
    "429-once": _put_only(throttle_once),
    "early-hints": _put_only(interim(EARLY_HINTS)),
    "interim-several": _put_only(interim(CONTINUE, EARLY_HINTS, EARLY_HINTS)),
}
