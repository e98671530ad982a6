"""Scrubbing: what a cassette must never hold, removed before anything is written.

The Authorization header (and cookies) are replaced whole; the token and every other secret of
the run are redacted where they occur inside a value (regconform.target.redact): a header's
value, the URI's path, query and fragment (never its host), a JSON body's string values (never
its keys, and every other byte kept, so a recorded request still matches), a body that is not
JSON as text; in the spellings a value can carry them (as is, percent-encoded, JSON-escaped).
`--scrub REGEX` patterns are applied to the same values. Everything becomes `***`, the
placeholder the rest of regconform uses.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from vcr import filters
from vcr.request import Request

from regconform.errors import ConfigError
from regconform.target.redact import REDACTED, Redactor

# Headers whose whole value is a credential, in requests and in responses.
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})


def compile_patterns(patterns: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    """The user's `--scrub` patterns; a bad one is a one-line ConfigError."""
    compiled = []
    for pattern in patterns:
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"--scrub {pattern!r} is not a regular expression: {exc}") from None
        if regex.fullmatch(""):
            raise ConfigError(f"--scrub {pattern!r} matches the empty string")
        compiled.append(regex)
    return tuple(compiled)


@dataclass(frozen=True)
class Scrubber:
    """Redacts secrets and user patterns as `***`; its methods are vcrpy record hooks."""

    redactor: Redactor

    @classmethod
    def build(cls, secrets: Iterable[str], patterns: Iterable[str] = ()) -> Scrubber:
        return cls(Redactor.of(secrets, compile_patterns(patterns)))

    def text(self, value: str) -> str:
        return self.redactor.text(value)

    def data(self, value: bytes) -> bytes:
        return self.redactor.data(value)

    def any(self, value: Any) -> Any:
        """Scrub a str, bytes, or a list/tuple of them (vcrpy's header values); else as is."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, (bytes, bytearray)):
            return self.data(bytes(value))
        if isinstance(value, (list, tuple)):
            return type(value)(self.any(item) for item in value)
        return value

    def body(self, value: Any) -> Any:
        """A body: JSON value by value, anything else as text; str stays str."""
        if isinstance(value, str):
            return self.redactor.json_text(value)
        if isinstance(value, (bytes, bytearray)):
            return self.data(bytes(value))
        return value

    def header(self, name: str, value: Any) -> Any:
        if name.lower() not in CREDENTIAL_HEADERS:
            return self.any(value)
        if name.lower() == "authorization" and isinstance(value, str) and " " in value:
            return f"{value.split(' ', 1)[0]} {REDACTED}"  # keep the scheme: "Bearer ***"
        return [REDACTED] if isinstance(value, list) else REDACTED

    def request(self, request: Request) -> Request:
        """vcrpy's before_record_request: a scrubbed copy (the original is still in flight)."""
        scrubbed = copy.deepcopy(request)
        scrubbed.uri = self.redactor.url(scrubbed.uri)
        scrubbed.headers = {k: self.header(k, v) for k, v in scrubbed.headers.items()}
        scrubbed.body = self.body(scrubbed.body)
        return scrubbed

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        """vcrpy's before_record_response: decompressed first, so a body can be scrubbed."""
        response = filters.decode_response(response)
        status = response.get("status", {})
        if isinstance(status.get("message"), str):
            status["message"] = self.text(status["message"])
        headers = {k: self.header(k, v) for k, v in response.get("headers", {}).items()}
        body = response.get("body", {})
        if isinstance(body.get("string"), (str, bytes)):
            before = body["string"]
            body["string"] = self.body(before)
            if body["string"] != before:  # replayed, the length must match the body
                _set_length(headers, len(_as_bytes(body["string"])))
        response["headers"] = headers
        return response


def _as_bytes(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else value


def _set_length(headers: dict[str, Any], length: int) -> None:
    for name in headers:
        if name.lower() == "content-length":
            headers[name] = [str(length)] if isinstance(headers[name], list) else str(length)
