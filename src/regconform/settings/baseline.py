"""The baseline: a target's accepted deviations, as data keyed by requirement id.

    [CR-020]                                  # TOML; the same keys in YAML work too
    reason = "course_id is only returned by GET, ticket API-123"
    expires = 2026-06-30                      # optional; after it the deviation fails again

A listed requirement that is violated is a "known deviation" and does not fail the run; once its
entry has expired it fails as usual; a listed requirement that is checked and no longer violated
is "fixed", a hint to shrink the baseline (it does not change the exit code).

Read by regconform.settings.config, so it imports nothing but the catalogue and the errors.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from regconform.catalogue.requirements import Requirement
from regconform.errors import ConfigError, read_user_file

_KEYS = {"reason", "expires"}


@dataclass(frozen=True)
class Waiver:
    """One accepted deviation: why, until when, and whether that date has passed."""

    reason: str
    expires: dt.date | None = None
    expired: bool = False

    def as_dict(self) -> dict[str, Any]:
        expires = self.expires.isoformat() if self.expires else None
        return {"reason": self.reason, "expires": expires, "expired": self.expired}


@dataclass(frozen=True)
class Baseline:
    path: Path | None = None
    waivers: Mapping[str, Waiver] = field(default_factory=dict)

    @property
    def waived(self) -> frozenset[str]:
        """Ids whose violations do not fail the run: listed and not expired."""
        return frozenset(rid for rid, w in self.waivers.items() if not w.expired)


def load_baseline(
    path: Path, catalogue: Mapping[str, Requirement], today: dt.date | None = None
) -> Baseline:
    """Read a TOML (.toml) or YAML baseline; every problem is a one-line ConfigError."""
    raw = _read(path)
    if not isinstance(raw, dict):
        raise ConfigError(f"baseline {path} must map requirement ids to tables")
    today = today or dt.date.today()
    waivers = {}
    for rid, entry in raw.items():
        requirement = catalogue.get(str(rid))
        if requirement is None:
            raise ConfigError(f"baseline {path} lists unknown requirement {rid}")
        if requirement.kind != "server":
            raise ConfigError(f"baseline {path}: {rid} is about regconform, not the server")
        waivers[str(rid)] = _waiver(path, str(rid), entry, today)
    return Baseline(path, waivers)


def _read(path: Path) -> Any:
    text = read_user_file(path, "baseline")
    if path.suffix == ".toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"baseline {path} is not valid TOML: {exc}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0]
        raise ConfigError(f"baseline {path} is not valid YAML: {first}") from None


def _waiver(path: Path, rid: str, entry: Any, today: dt.date) -> Waiver:
    if not isinstance(entry, dict) or not set(entry) <= _KEYS:
        raise ConfigError(f"baseline {path}: {rid} takes only `reason` and `expires`")
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ConfigError(f"baseline {path}: {rid} needs a `reason`")
    expires = _date(path, rid, entry.get("expires"))
    return Waiver(reason.strip(), expires, expired=expires is not None and expires < today)


def _date(path: Path, rid: str, value: Any) -> dt.date | None:
    """TOML and YAML both read a bare 2026-06-30 as a date; a quoted one is accepted too."""
    if value is None:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return dt.date.fromisoformat(value)
    raise ConfigError(f"baseline {path}: {rid} `expires` must be a date YYYY-MM-DD, not {value!r}")
