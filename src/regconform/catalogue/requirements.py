"""The requirement catalogue: numbered, graded, quoted requirements (requirements.yaml)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from regconform.catalogue.contracts import REQUIREMENTS, contracts_dir
from regconform.errors import ConfigError


class Level(enum.IntEnum):
    """How binding a requirement is; a higher value binds harder."""

    INFERRED = 1
    SHOULD = 2
    MUST = 3


# `--level` on the command line names the weakest level that still fails a run.
FAILING_LEVELS = {"must": Level.MUST, "should": Level.SHOULD, "all": Level.INFERRED}

OPERATIONS = ("course_registrations", "event_track_registrations", "both")


@dataclass(frozen=True)
class Requirement:
    id: str
    level: Level
    operation: str  # course_registrations | event_track_registrations | both
    kind: str  # "server": judged by a suite check; "client": how regconform itself behaves
    source: str  # file under contracts/docs/
    quote: str  # verbatim from the source, or "sources silent: <our reason>" when INFERRED
    statement: str  # one testable sentence

    @property
    def prefix(self) -> str:
        return self.id.split("-", 1)[0]


_KEYS = ("id", "level", "operation", "kind", "source", "quote", "statement")


def _parse_entry(raw: Any, path: Path) -> Requirement:
    if not isinstance(raw, dict) or set(raw) != set(_KEYS):
        raise ConfigError(f"invalid catalogue {path}: each entry needs exactly {', '.join(_KEYS)}")
    try:
        level = Level[raw["level"]]
    except KeyError:
        raise ConfigError(
            f"invalid catalogue {path}: {raw['id']} has level {raw['level']!r}"
        ) from None
    return Requirement(
        id=str(raw["id"]),
        level=level,
        operation=str(raw["operation"]),
        kind=str(raw["kind"]),
        source=str(raw["source"]),
        quote=str(raw["quote"]),
        statement=str(raw["statement"]),
    )


@cache
def load_catalogue(path: Path | None = None) -> dict[str, Requirement]:
    """All requirements by id, in catalogue order."""
    path = path or contracts_dir() / REQUIREMENTS
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read catalogue {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid catalogue {path}: {str(exc).splitlines()[0]}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("requirements"), list):
        raise ConfigError(f"invalid catalogue {path}: expected a 'requirements' list")
    catalogue: dict[str, Requirement] = {}
    for entry in raw["requirements"]:
        requirement = _parse_entry(entry, path)
        if requirement.id in catalogue:
            raise ConfigError(f"invalid catalogue {path}: duplicate id {requirement.id}")
        catalogue[requirement.id] = requirement
    return catalogue
