"""One request and its response, as the checks see them."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import jsonpointer

from regconform.target.redact import REDACTED, Redactor

__all__ = ["REDACTED", "Exchange", "SentRequest"]

_NOT_JSON = object()


@dataclass(frozen=True)
class SentRequest:
    method: str
    url: str
    headers: dict[str, str]  # Authorization already redacted
    body: bytes | None
    # Values never shown: curl lines and response descriptions redact them wherever they occur
    # (a server may echo the token in a body).
    secrets: tuple[str, ...] = field(default=(), repr=False, compare=False)

    @property
    def redactor(self) -> Redactor:
        return Redactor.of(self.secrets)

    def curl(self, limit: int = 2000) -> str:
        """A curl line reproducing the request, token redacted, long bodies cut."""
        redact = self.redactor
        parts = ["curl", "-X", self.method, shlex.quote(redact.url(self.url))]
        for name, value in self.headers.items():
            parts += ["-H", shlex.quote(f"{name}: {redact.text(value)}")]
        if self.body is not None:
            text = redact.json_text(self.body.decode("utf-8", "replace"))
            if len(text) > limit:
                text = text[:limit] + "...(cut)"
            parts += ["--data-raw", shlex.quote(text)]
        return " ".join(parts)


@dataclass(frozen=True)
class Exchange:
    request: SentRequest
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes
    sent_json: Any = None  # the body as the suite built it, when it was JSON
    dry_run: bool = False
    elapsed: float = 0.0
    notes: tuple[str, ...] = field(default=())

    @cached_property
    def _parsed(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return _NOT_JSON

    @property
    def is_json(self) -> bool:
        return self._parsed is not _NOT_JSON

    @property
    def json(self) -> Any:
        """The decoded JSON body; raises ValueError when the body is not JSON."""
        if self._parsed is _NOT_JSON:
            raise ValueError("response body is not JSON")
        return self._parsed

    def list_at(self, pointer: str) -> list[Any] | None:
        """The JSON array at `pointer` (RFC 6901) in the body, or None when there is none."""
        if not self.is_json:
            return None
        try:
            node = jsonpointer.resolve_pointer(self._parsed, pointer, None)
        except jsonpointer.JsonPointerException:
            return None
        return node if isinstance(node, list) else None

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def describe(self, limit: int = 600) -> str:
        """Status, content type and the start of the body (secrets redacted), for failure
        messages."""
        redact = self.request.redactor
        if redact:
            whole = redact.json_text(self.body.decode("utf-8", "replace"))
            text, more = whole[:limit], "...(cut)" if len(whole) > limit else ""
        else:
            text = self.body[:limit].decode("utf-8", "replace")
            more = "...(cut)" if len(self.body) > limit else ""
        return f"HTTP {self.status} {self.media_type or '(no content type)'} {text}{more}"
