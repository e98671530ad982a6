"""Scrubbing: what a cassette must never hold, removed before anything is written.

The Authorization header (and cookies) are replaced whole; the token and every other secret of
the run are replaced wherever they appear (headers, URI, bodies), in the spellings a request or
response can carry them (as is, percent-encoded, JSON-escaped); `--scrub REGEX` patterns are
replaced too. Everything becomes `***`, the placeholder the rest of regconform uses.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

from vcr import filters
from vcr.request import Request

from regconform.errors import ConfigError
from regconform.target.exchange import REDACTED

# Headers whose whole value is a credential, in requests and in responses.
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})


def _spellings(secret: str) -> list[str]:
    """The ways `secret` can appear in a URI or a body, longest first."""
    in_json = {json.dumps(secret, ensure_ascii=a)[1:-1] for a in (True, False)}
    in_json |= {form.replace("/", "\\/") for form in in_json}  # `\/`: an escape some servers use
    forms = {secret, quote(secret, safe=""), quote_plus(secret), *in_json}
    return sorted(forms, key=len, reverse=True)


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
    """Replaces secrets and user patterns with `***`; its methods are vcrpy record hooks."""

    secrets: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def build(cls, secrets: Iterable[str], patterns: Iterable[str] = ()) -> Scrubber:
        spelled = {form for secret in secrets if secret for form in _spellings(secret)}
        return cls(tuple(sorted(spelled, key=len, reverse=True)), compile_patterns(patterns))

    def text(self, value: str) -> str:
        for secret in self.secrets:
            value = value.replace(secret, REDACTED)
        for pattern in self.patterns:
            value = pattern.sub(REDACTED, value)
        return value

    def data(self, value: bytes) -> bytes:
        # surrogateescape keeps bytes that are not UTF-8 exactly as they were
        text = value.decode("utf-8", "surrogateescape")
        return self.text(text).encode("utf-8", "surrogateescape")

    def any(self, value: Any) -> Any:
        """Scrub a str, bytes, or a list/tuple of them (vcrpy's header values); else as is."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, (bytes, bytearray)):
            return self.data(bytes(value))
        if isinstance(value, (list, tuple)):
            return type(value)(self.any(item) for item in value)
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
        scrubbed.uri = self.text(scrubbed.uri)
        scrubbed.headers = {k: self.header(k, v) for k, v in scrubbed.headers.items()}
        body = scrubbed.body
        if isinstance(body, (str, bytes, bytearray)):
            scrubbed.body = self.any(body)
        return scrubbed

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        """vcrpy's before_record_response: decompressed first, so a body can be scrubbed."""
        response = filters.decode_response(response)
        status = response.get("status", {})
        if isinstance(status.get("message"), str):
            status["message"] = self.text(status["message"])
        response["headers"] = {
            self.text(k): self.header(k, v) for k, v in response.get("headers", {}).items()
        }
        body = response.get("body", {})
        if isinstance(body.get("string"), (str, bytes)):
            body["string"] = self.any(body["string"])
        return response
