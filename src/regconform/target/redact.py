"""Redaction of secrets (the token and the like): each occurrence inside a *value* becomes `***`.

Never a replace across serialized text: a token as short as `t` or as plain as `true` would
eat into JSON keys and keywords (`"dry_run": ***rue`). So JSON is redacted value by value (its
keys are never changed), a URL part by part (never its scheme or host), and only free text (a
header value, a body that is not JSON) as a whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlencode, urlsplit, urlunsplit

REDACTED = "***"
# A JSON string literal; what follows it (optional blanks, then `:`) tells a key.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"(\s*:)?', re.DOTALL)


def spellings(secret: str) -> list[str]:
    """The ways `secret` can appear in free text: as is, percent-encoded, JSON-escaped."""
    in_json = {json.dumps(secret, ensure_ascii=a)[1:-1] for a in (True, False)}
    in_json |= {form.replace("/", "\\/") for form in in_json}  # `\/`: an escape some servers use
    forms = {secret, quote(secret, safe=""), quote_plus(secret), *in_json}
    return sorted(forms, key=len, reverse=True)


@dataclass(frozen=True)
class Redactor:
    """Replaces the spellings of each secret, and text matching each pattern, with `***`."""

    forms: tuple[str, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def of(cls, secrets: Iterable[str], patterns: Sequence[re.Pattern[str]] = ()) -> Redactor:
        forms = {form for secret in secrets if secret for form in spellings(secret)}
        return cls(tuple(sorted(forms, key=len, reverse=True)), tuple(patterns))

    def __bool__(self) -> bool:
        return bool(self.forms or self.patterns)

    def text(self, value: str) -> str:
        """Free text: every occurrence, wherever it is."""
        for form in self.forms:
            value = value.replace(form, REDACTED)
        for pattern in self.patterns:
            value = pattern.sub(REDACTED, value)
        return value

    def values(self, data: Any) -> Any:
        """Decoded JSON: every string value (and list item), never a key."""
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, dict):
            return {key: self.values(value) for key, value in data.items()}
        if isinstance(data, list):
            return [self.values(item) for item in data]
        return data

    def json_text(self, text: str) -> str:
        """A body: if it is JSON, its string values only, every other byte kept as it was
        (a recorded request still matches what is sent); else as free text."""
        if not self:
            return text
        try:
            json.loads(text)
        except ValueError:
            return self.text(text)
        return _STRING.sub(self._literal, text)

    def _literal(self, match: re.Match[str]) -> str:
        literal = match.group(0)
        if match.group(1):  # a key
            return literal
        value = json.loads(literal)
        redacted = self.text(value)
        return literal if redacted == value else json.dumps(redacted, ensure_ascii=False)

    def data(self, value: bytes) -> bytes:
        """A body in bytes; bytes that are not UTF-8 are kept exactly as they were."""
        if not self:
            return value
        text = value.decode("utf-8", "surrogateescape")
        return self.json_text(text).encode("utf-8", "surrogateescape")

    def url(self, url: str) -> str:
        """A URL: its path segments, query values and fragment; never scheme, host or port."""
        if not self:
            return url
        parts = urlsplit(url)
        path = "/".join(self._encoded(segment) for segment in parts.path.split("/"))
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        redacted = [(key, self.text(value)) for key, value in pairs]
        query = urlencode(redacted, safe="*") if redacted != pairs else parts.query
        fragment = self._encoded(parts.fragment)
        return urlunsplit((parts.scheme, parts.netloc, path, query, fragment))

    def _encoded(self, part: str) -> str:
        """A percent-encoded part, as it was unless it held a secret."""
        decoded = unquote(part)
        redacted = self.text(decoded)
        return part if redacted == decoded else quote(redacted, safe="*")
