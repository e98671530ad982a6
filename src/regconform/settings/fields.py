"""Reading the values of a profile table: each problem is one line naming the table and key."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from regconform.errors import ConfigError


def where(section: str) -> str:
    """How a table is named in messages: `profile` for the top level, else `profile [name]`."""
    return f"profile [{section}]" if section else "profile"


def reject_unknown(section: str, raw: dict[str, Any], known: Iterable[str]) -> None:
    """A key the table does not know (a typo, mostly) is an error naming the closest known one."""
    known = sorted(known)
    for key in sorted(set(raw) - set(known)):
        close = difflib.get_close_matches(key, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(known)})"
        raise ConfigError(f"{where(section)} has an unknown key {key!r}{hint}")


def string(section: str, key: str, raw: dict[str, Any], required: bool = True) -> str | None:
    value = raw.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where(section)} needs {key} as a non-empty string")
    return value


def strings(section: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where(section)} {key} must be a non-empty list of strings")
    return tuple(value)


def table(section: str, key: str, raw: dict[str, Any]) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where(section)} {key} must be a table")
    return value


def env_name(section: str, key: str, raw: dict[str, Any], required: bool = True) -> str | None:
    """The name of an environment variable (never its value)."""
    value = raw.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.isidentifier():
        raise ConfigError(f"{where(section)} {key} must name an environment variable")
    return value


def existing_file(
    section: str, key: str, raw: dict[str, Any], relative_to: Path | None
) -> Path | None:
    """A file the profile names (relative paths are read from the profile's folder)."""
    value = string(section, key, raw, required=False)
    if value is None:
        return None
    path = Path(value).expanduser()
    if not path.is_absolute() and relative_to is not None:
        path = relative_to / path
    if not path.is_file():
        raise ConfigError(f"{where(section)} {key}: {path} does not exist or is not a file")
    return path
