"""The requirement catalogue: numbered, graded, quoted requirements (requirements.yaml)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
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
DEFAULT_FAILING_LEVEL = "must"  # a run fails on MUST violations unless told otherwise

OPERATIONS = ("course_registrations", "event_track_registrations", "both")


# The rule families a `subject` may name. A requirement of a "request-" or "query-" rule is a
# request the server must refuse with 400; "response-" rules judge a 200 answer's body.
RULES = (
    "request-required",
    "request-item-required",
    "request-enum",
    "request-schema",
    "request-id-matches-path",
    "request-type",
    "request-non-empty",
    "query-boolean",
    "response-required",
    "response-item-required",
    "response-enum",
    "response-type",
    "response-format",
    "response-format-profile",
    "response-json",
)
REFUSAL_RULE_PREFIXES = ("request-", "query-")


@dataclass(frozen=True)
class Subject:
    """What a requirement of a rule family is about: the rule and, where it has one, the field."""

    rule: str
    field: str | None = None


@dataclass(frozen=True)
class Requirement:
    id: str
    level: Level
    operation: str  # course_registrations | event_track_registrations | both
    kind: str  # "server": judged by a suite check; "client": how regconform itself behaves
    source: str  # file under contracts/docs/
    quote: str  # verbatim from the source, or "sources silent: <our reason>" when INFERRED
    statement: str  # one testable sentence
    subject: Subject | None = None  # the rule family and field, where one is shared

    @property
    def prefix(self) -> str:
        return self.id.split("-", 1)[0]


_KEYS = ("id", "level", "operation", "kind", "source", "quote", "statement")
OPTIONAL_KEYS = ("subject",)


def _subject(raw: Any, rid: str, path: Path) -> Subject | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or raw.get("rule") not in RULES or set(raw) - {"rule", "field"}:
        raise ConfigError(f"invalid catalogue {path}: {rid} has subject {raw!r}")
    field = raw.get("field")
    return Subject(str(raw["rule"]), None if field is None else str(field))


def _parse_entry(raw: Any, path: Path) -> Requirement:
    if not isinstance(raw, dict) or not set(_KEYS) <= set(raw) <= {*_KEYS, *OPTIONAL_KEYS}:
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
        subject=_subject(raw.get("subject"), str(raw["id"]), path),
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


@cache  # asked on every judged answer (checks declare families); the catalogue is fixed
def ids_of(rule: str, operation: str) -> Mapping[str | None, str]:
    """The requirements of one rule family on one operation, by field (None: no field);
    read-only, as every caller shares it."""
    if rule not in RULES:
        raise KeyError(f"no rule family {rule!r}")
    return MappingProxyType(
        {
            r.subject.field: r.id
            for r in load_catalogue().values()
            if r.subject is not None and r.subject.rule == rule and r.operation == operation
        }
    )


def one_id(rule: str, operation: str) -> str:
    """The one requirement of a rule family without fields (e.g. response-json)."""
    (found,) = ids_of(rule, operation).values()
    return found


@cache
def refusal_ids(operation: str | None = None) -> tuple[str, ...]:
    """Requirements saying a request must be refused with 400, in catalogue order."""
    return tuple(
        r.id
        for r in load_catalogue().values()
        if r.subject is not None
        and r.subject.rule.startswith(REFUSAL_RULE_PREFIXES)
        and operation in (None, r.operation)
    )


def require_known(ids: Iterable[str]) -> None:
    """A one-line ConfigError for the first of `ids` (asked for with `--requirement`) that the
    catalogue does not hold."""
    catalogue = load_catalogue()
    for rid in ids:
        if rid not in catalogue:
            raise ConfigError(f"--requirement {rid}: no such requirement in the catalogue")
