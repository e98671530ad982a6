"""Running checks on an exchange and keeping score per requirement.

By default only MUST requirements fail a test; SHOULD and INFERRED violations are recorded as
warnings (`--level` moves the line). A server that chose differently where every source is
silent is not nonconformant, so INFERRED never fails a default run.
Requirements the baseline waives (`--baseline`) are tallied like any other but never raise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from regconform.catalogue.requirements import Level, Requirement
from regconform.judging.checks import Check, Violation
from regconform.target.exchange import Exchange

# An exchange and the checks it must pass.
Judged = tuple[Exchange, Sequence[Check]]


class NonConformance(AssertionError):
    """A response broke a requirement at or above the failing level."""


@dataclass
class Tally:
    checked: int = 0
    violated: int = 0
    message: str = ""  # the last violation, with its request and response

    def merge(self, other: Tally) -> None:
        self.checked += other.checked
        self.violated += other.violated
        self.message = other.message or self.message


class Verdicts:
    """Per-test score keeper; the plugin collects one per test item."""

    def __init__(
        self,
        catalogue: dict[str, Requirement],
        failing_level: Level,
        waived: frozenset[str] = frozenset(),
    ) -> None:
        self.catalogue = catalogue
        self.failing_level = failing_level
        self.waived = waived  # the baseline's accepted deviations: tallied, never raised
        self.tallies: dict[str, Tally] = {}

    def judge(self, exchange: Exchange, *checks: Check) -> None:
        """Run every check; raise NonConformance if a failing-level requirement is broken."""
        if exchange.dry_run:
            return
        failing: list[Violation] = []
        for one_check in checks:
            for requirement in judged_ids(one_check):
                self._tally(requirement).checked += 1
            for violation in one_check.run(exchange):
                tally = self._tally(violation.requirement)
                tally.violated += 1
                tally.message = explain([violation], exchange, self.catalogue)
                if violation.requirement in self.waived:
                    continue
                if self.catalogue[violation.requirement].level >= self.failing_level:
                    failing.append(violation)
        if failing:
            raise NonConformance(explain(failing, exchange, self.catalogue))

    def judge_each(self, judged: Iterable[Judged]) -> None:
        """Judge the exchanges of one example (one or several), every one of them, then fail
        once naming all that broke a failing-level requirement. (One generated body serves many
        requests, see the refusal suites; stopping at the first would hide the others' verdicts.)"""
        failures = []
        for exchange, checks in judged:
            try:
                self.judge(exchange, *checks)
            except NonConformance as failure:
                failures.append(str(failure))
        if failures:
            raise NonConformance("\n\n".join(failures))

    def _tally(self, requirement: str) -> Tally:
        if requirement not in self.catalogue:
            raise KeyError(f"check cites {requirement}, which is not in the catalogue")
        return self.tallies.setdefault(requirement, Tally())

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return {rid: asdict(t) for rid, t in self.tallies.items()}


def judged_ids(one_check: Check) -> tuple[str, ...]:
    """The ids a run of this check judges: one when bound to a single requirement."""
    bound = dict(one_check.context).get("requirement")
    return (bound,) if isinstance(bound, str) else one_check.requirements


def explain(
    violations: list[Violation], exchange: Exchange, catalogue: dict[str, Requirement]
) -> str:
    lines = [
        f"{v.requirement} [{catalogue[v.requirement].level.name}] {v.message}" for v in violations
    ]
    lines.append(f"request:  {exchange.request.curl()}")
    lines.append(f"response: {exchange.describe()}")
    return "\n".join(lines)
