"""Read-back paths a profile may name: a GET returning what a PUT stored.

Both documented endpoints are PUT-only, so what a server keeps is only seen through a read the
profile names (`read_path`). A template is a path below the base URL whose placeholders are
whole segments, filled only with ids the profile gives (the transport's allow-list checks them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from regconform.errors import ConfigError

# The placeholders each endpoint's read path may use; the last one names the record read.
COURSE_PLACEHOLDERS = ("tenantId", "id")
TRACK_PLACEHOLDERS = ("event_id", "track_id", "registration_id")
DEFAULT_STATUS_POINTER = "/registration_status"

_PLACEHOLDER = re.compile(r"\{([^{}/]*)\}")


def _segments(template: str) -> list[str]:
    return template.strip("/").split("/")


def check_read_path(section: str, template: object, placeholders: tuple[str, ...]) -> str:
    """`template` if it is a usable read path for `section`, else a one-line ConfigError."""
    where = f"profile [{section}] read_path"
    if not isinstance(template, str) or not template.startswith("/"):
        raise ConfigError(f"{where} must be a path starting with '/'")
    if "?" in template or "#" in template or "//" in template:
        raise ConfigError(f"{where} {template!r} may hold no query, fragment or empty segment")
    named = []
    for segment in _segments(template):
        match = _PLACEHOLDER.fullmatch(segment)
        if match:
            named.append(match[1])
        elif "{" in segment or "}" in segment:
            raise ConfigError(f"{where}: a placeholder must be a whole segment, not {segment!r}")
    unknown = [name for name in named if name not in placeholders]
    if unknown:
        known = ", ".join(f"{{{name}}}" for name in placeholders)
        raise ConfigError(f"{where}: unknown placeholder {{{unknown[0]}}} (known: {known})")
    if placeholders[-1] not in named:
        raise ConfigError(f"{where} must name the record read with {{{placeholders[-1]}}}")
    return template


def check_pointer(section: str, key: str, value: object) -> str:
    """`value` if it is a JSON pointer (RFC 6901: empty, or starting with '/')."""
    if not isinstance(value, str) or (value and not value.startswith("/")):
        raise ConfigError(f"profile [{section}] {key} must be a JSON pointer like '/status'")
    return value


def fill(template: str, values: Mapping[str, str]) -> tuple[str, ...]:
    """The path segments of `template` with each placeholder replaced by its value (the
    transport quotes each segment)."""
    parts = []
    for segment in _segments(template):
        match = _PLACEHOLDER.fullmatch(segment)
        parts.append(values[match[1]] if match else segment)
    return tuple(parts)
