"""Checks are plain functions that cite the requirement ids they judge.

A check function yields what it found on one exchange: a `Violation` for each broken
requirement, or `NotApplicable` when the rule does not apply to this answer (a 207-body rule on
a 200). Whatever it yields nothing about, it judged and found held. Silence is never taken for
a pass of a rule that did not apply: "checked" counts only the answers a rule applied to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from regconform.target.exchange import Exchange


@dataclass(frozen=True)
class Violation:
    requirement: str
    message: str  # what is wrong, naming the offending part of the response


@dataclass(frozen=True)
class NotApplicable:
    """The rule says nothing about this answer; `reason` says why, in a user's words."""

    reason: str
    requirement: str | None = None  # None: none of the ids the check judges applies


Finding = Violation | NotApplicable
CheckFunction = Callable[..., Iterable[Finding]]
IdSource = str | Callable[[], Iterable[str]]


@dataclass(frozen=True)
class Outcome:
    """What one check made of one exchange, per requirement id it judges."""

    violations: tuple[Violation, ...]
    inapplicable: dict[str, str]  # requirement -> why it did not apply
    judged: tuple[str, ...]  # every id this run of the check judges

    def held(self) -> list[str]:
        broken = {v.requirement for v in self.violations}
        return [r for r in self.judged if r not in broken and r not in self.inapplicable]


@dataclass(frozen=True)
class Check:
    """A named check and every requirement id it can report."""

    name: str
    declared: tuple[IdSource, ...]  # ids, or functions asking the catalogue for a family's ids
    func: CheckFunction
    context: tuple[tuple[str, Any], ...] = ()

    @cached_property
    def requirements(self) -> tuple[str, ...]:
        """Every id the check may report (a family's ids are read from the catalogue when
        first needed, so importing the checks never reads it)."""
        found: list[str] = []
        for source in self.declared:
            found += [source] if isinstance(source, str) else list(source())
        return tuple(found)

    def bind(self, **context: Any) -> Check:
        """The same check with some of its keyword arguments fixed."""
        return Check(self.name, self.declared, self.func, (*self.context, *context.items()))

    @property
    def judged(self) -> tuple[str, ...]:
        """The ids a run of this check judges: one when bound to a single requirement."""
        bound = dict(self.context).get("requirement")
        return (bound,) if isinstance(bound, str) else self.requirements

    def run(self, exchange: Exchange) -> list[Violation]:
        """The violations alone (for callers that judge a single answer on its own)."""
        return list(self.outcome(exchange).violations)

    def outcome(self, exchange: Exchange) -> Outcome:
        violations: list[Violation] = []
        inapplicable: dict[str, str] = {}
        judged = self.judged
        for finding in self.func(exchange, **dict(self.context)):
            if finding.requirement is not None and finding.requirement not in self.requirements:
                raise RuntimeError(f"{self.name} reported {finding.requirement}, not declared")
            if isinstance(finding, Violation):
                violations.append(finding)
            else:
                for rid in (finding.requirement,) if finding.requirement else judged:
                    inapplicable.setdefault(rid, finding.reason)
        return Outcome(tuple(violations), inapplicable, judged)


REGISTRY: dict[str, Check] = {}


def check(*requirement_ids: IdSource) -> Callable[[CheckFunction], Check]:
    """Register a check function under its name, with the requirement ids it verifies: each
    an id, or a function returning the ids of a rule family (catalogue.requirements.ids_of)."""

    def register(func: CheckFunction) -> Check:
        if func.__name__ in REGISTRY:
            raise RuntimeError(f"two checks are named {func.__name__}")
        registered = Check(func.__name__, tuple(requirement_ids), func)
        REGISTRY[func.__name__] = registered
        return registered

    return register


def ids(*checks: Check) -> tuple[str, ...]:
    """The ids these checks judge, each once, in the order first named: what a suite test
    that runs them verifies."""
    return tuple(dict.fromkeys(rid for one in checks for rid in one.judged))
