"""One cassette per suite test: where it lives, how requests are matched, strict in-order playback,
and the socket guard that keeps a replay off the network."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import urllib3.response
from vcr import matchers
from vcr.cassette import Cassette
from vcr.patch import CassettePatcherBuilder
from vcr.record_mode import RecordMode
from vcr.request import Request
from vcr.serialize import deserialize
from vcr.serializers import yamlserializer
from vcr.stubs import VCRHTTPResponse

from regconform.errors import ConfigError
from regconform.target.exchange import REDACTED
from regconform.target.transport import MAX_BODY_BYTES, READ_SIZE, ResponseTooLarge

Interaction = tuple[Request, dict[str, Any]]
RERECORD = "regconform run --record"
_REDACTED_BYTES = REDACTED.encode()
_PREVIEW = 160


class ReplayMismatch(BaseException):
    """The suite sent something the recording does not hold next.

    A BaseException on purpose: hypothesis catches Exception (and pytest's Failed) and would
    shrink, sending ever more unrecorded requests; this one stops the test at once.
    """


class NetworkBlocked(BaseException):
    """Something tried to open a connection during a replay."""


def cassette_name(item: pytest.Item) -> str:
    """`<suite module>/<test>[-<param id>].yaml`, the param id made safe for file names."""
    name = getattr(item, "originalname", item.name)
    callspec = getattr(item, "callspec", None)
    if callspec is not None:
        name += "-" + (re.sub(r"[^A-Za-z0-9_.-]+", "_", callspec.id).strip("_.") or "_")
    return f"{Path(item.path).stem}/{name}.yaml"


# ---- matching: method, path, query and body; never host or port --------------------------------


def _same(sent: bytes, recorded: bytes) -> bool:
    """Byte equality, where a scrubbed `***` in the recording stands for any text."""
    if _REDACTED_BYTES not in recorded:
        return sent == recorded
    pattern = b".*?".join(re.escape(part) for part in recorded.split(_REDACTED_BYTES))
    return re.fullmatch(pattern, sent, re.DOTALL) is not None


def _bytes(value: Any) -> bytes:
    if value is None:
        return b""
    return value.encode() if isinstance(value, str) else bytes(value)


def path(sent: Request, recorded: Request) -> None:
    if not _same(_bytes(sent.path), _bytes(recorded.path)):
        raise AssertionError(f"{sent.path} != {recorded.path}")


def query(sent: Request, recorded: Request) -> None:
    got, want = sent.parsed_uri.query, recorded.parsed_uri.query
    if not _same(_bytes(got), _bytes(want)):
        raise AssertionError(f"{got!r} != {want!r}")


def body(sent: Request, recorded: Request) -> None:
    got, want = _bytes(sent.body), _bytes(recorded.body)
    if not _same(got, want):
        raise AssertionError(f"{preview(got)} != {preview(want)} (recorded)")


MATCH_ON: tuple[Callable[[Request, Request], None], ...] = (matchers.method, path, query, body)


def preview(data: bytes) -> str:
    text = data.decode("utf-8", "replace")
    return repr(text if len(text) <= _PREVIEW else text[:_PREVIEW] + "...")


def request_line(request: Request) -> str:
    parsed = request.parsed_uri
    return f"{request.method} {parsed.path}" + (f"?{parsed.query}" if parsed.query else "")


class OrderedCassette(Cassette):  # type: ignore[misc]
    """A vcrpy cassette that records afresh, or replays strictly in recorded order, each once.

    vcrpy itself plays the first unplayed interaction that *matches*, so a reordered suite would
    still pass; here the next request must match the next recorded interaction, or the test
    stops with a ReplayMismatch saying which request differs and how to re-record.
    """

    folder = Path()
    name = ""

    def _load(self) -> None:
        if self.record_mode == RecordMode.NONE:
            super()._load()
        else:
            self.dirty = True  # record: start empty, and write even a test that sent nothing

    def can_play_response_for(self, request: Request) -> bool:
        return bool(self.record_mode == RecordMode.NONE)  # a replay answers or fails loudly

    def play_response(self, request: Request) -> dict[str, Any]:
        index = self.play_count
        where = f"{self.name}, interaction {index}"
        if index >= len(self.data):
            raise ReplayMismatch(
                f"replay: {request_line(request)} was sent but {where} was not recorded "
                f"(the recording has {len(self.data)}); {drift_hint(self.folder)}"
            )
        recorded, response = self.data[index]
        _, failures = matchers.get_matchers_results(request, recorded, self._match_on)
        if failures:
            details = "; ".join(f"{name}: {message}" for name, message in failures)
            raise ReplayMismatch(
                f"replay: {request_line(request)} does not match {where} "
                f"({request_line(recorded)}): {details}; {drift_hint(self.folder)}"
            )
        self.play_counts[index] += 1
        return response  # type: ignore[no-any-return]

    def save(self) -> None:
        """Write a recording (a replay is never written)."""
        self._save()


def drift_hint(folder: Path) -> str:
    return (
        "the suites or contracts changed since the recording; "
        f"re-record with: {RERECORD} --cassettes {folder}"
    )


class _Preloaded:
    """A vcrpy persister handing over interactions already read (and checked) by the replay."""

    def __init__(self, interactions: list[Interaction]) -> None:
        self.interactions = interactions

    def load_cassette(self, cassette_path: str, serializer: Any) -> tuple[list[Any], list[Any]]:
        return [r for r, _ in self.interactions], [r for _, r in self.interactions]

    @staticmethod
    def save_cassette(cassette_path: str, cassette_dict: Any, serializer: Any) -> None:
        raise RuntimeError("a replay writes no cassette")


def open_cassette(
    folder: Path,
    name: str,
    *,
    replay: bool,
    scrubber: Any = None,
    interactions: list[Interaction] | None = None,
) -> OrderedCassette:
    """Cassette `name` of `folder`, loaded (empty when recording), not yet patched in;
    `interactions`, when given, are its content already read."""
    cassette: OrderedCassette = OrderedCassette.load(
        path=str(folder / name),
        persister=_Preloaded(interactions) if interactions is not None else None,
        serializer=yamlserializer,
        record_mode=RecordMode.NONE if replay else RecordMode.ALL,
        match_on=MATCH_ON,
        before_record_request=scrubber.request if scrubber else None,
        before_record_response=scrubber.response if scrubber else None,
    )
    cassette.folder, cassette.name = folder, name
    return cassette


@contextmanager
def patched(cassette: OrderedCassette) -> Iterator[OrderedCassette]:
    """Route every HTTP client through `cassette` for the duration (what vcrpy's use_cassette
    does, without creating a new cassette on each entry, so one can span several phases)."""
    with ExitStack() as stack:
        for patcher in CassettePatcherBuilder(cassette).build():
            stack.enter_context(patcher)
        stack.enter_context(mock.patch.object(VCRHTTPResponse, "read1", _read1))
        if not cassette.write_protected:  # recording: vcrpy reads each answer whole, itself
            capped = _capped_read(urllib3.response.HTTPResponse.read)
            stack.enter_context(mock.patch.object(urllib3.response.HTTPResponse, "read", capped))
        yield cassette


def _capped_read(read: Callable[..., bytes]) -> Callable[..., bytes]:
    """urllib3's `read`, refusing to read a whole body past the transport's cap.

    To record an answer, vcrpy reads all of it before our transport sees a byte, so the
    transport's 5 MB cap came too late: a 10 MB answer became a 10 MB cassette, and an endless
    one would fill memory. Reads of a given size (the transport's own) pass unchanged."""

    def capped(
        self: urllib3.response.HTTPResponse,
        amt: int | None = None,
        decode_content: bool | None = None,
        cache_content: bool = False,
    ) -> bytes:
        if amt is not None:
            return read(self, amt, decode_content, cache_content)
        chunks, size = [], 0
        while chunk := read(self, READ_SIZE, decode_content):
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise ResponseTooLarge
            chunks.append(chunk)
        data = b"".join(chunks)
        if cache_content:
            self._body = data
        return data

    return capped


def _read1(self: VCRHTTPResponse, amt: int = -1, **_: Any) -> bytes:
    """vcrpy's stub passes urllib3's `decode_content=` on to BytesIO.read1, which refuses it
    (the transport reads with `raw.read1(n, decode_content=True)`). Stored bodies are already
    decoded (the scrubber decodes before recording), so the keyword can go."""
    data: bytes = self._content.read1(amt)
    return data


# ---- reading cassette files -------------------------------------------------------------------


def read_cassette(path: Path) -> list[Interaction]:
    """The interactions of a vcrpy cassette file; anything else is a one-line ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"cassette {path} is missing; re-record with: {RERECORD}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read cassette {path}: {exc}") from None
    try:
        requests, responses, *_ = deserialize(text, yamlserializer)
    except Exception as exc:  # YAMLError, KeyError, TypeError...: each means "not a cassette"
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"corrupt cassette {path}: not a vcrpy cassette ({first})") from None
    interactions = list(zip(requests, responses, strict=True))
    for index, (_, response) in enumerate(interactions):
        if not _is_response(response):
            raise ConfigError(f"corrupt cassette {path}: interaction {index} has no valid response")
    return interactions


def _is_response(response: Any) -> bool:
    return (
        isinstance(response, dict)
        and isinstance(response.get("status"), dict)
        and isinstance(response["status"].get("code"), int)
        and isinstance(response.get("headers"), dict)
        and isinstance(response.get("body"), dict)
        and isinstance(response["body"].get("string"), (bytes, type(None)))
    )


# ---- the socket guard -------------------------------------------------------------------------


@contextmanager
def network_blocked() -> Iterator[None]:
    """Make every IP connection attempt raise NetworkBlocked (local sockets still work)."""
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def blocked(address: Any) -> NetworkBlocked:
        return NetworkBlocked(f"replay: connecting to {address} was refused: replays are offline")

    def refuse(sock: socket.socket, address: Any) -> None:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            original_connect(sock, address)
            return
        raise blocked(address)

    def refuse_ex(sock: socket.socket, address: Any) -> int:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return original_connect_ex(sock, address)
        raise blocked(address)

    socket.socket.connect = refuse  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = refuse_ex  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        socket.socket.connect = original_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = original_connect_ex  # type: ignore[method-assign]
