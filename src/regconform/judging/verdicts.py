"""Running checks on an exchange and keeping score per requirement.

By default only MUST requirements fail a test; SHOULD and INFERRED violations are recorded as
warnings (`--level` moves the line). A server that chose differently where every source is
silent is not nonconformant, so INFERRED never fails a default run.
Requirements the baseline waives (`--baseline`) are tallied like any other but never raise.

A check's outcome on an exchange is held, violated or not applicable (with its reason):
`checked` counts the exchanges a rule applied to, `inapplicable` why the others did not, so a
rule that never applied is "not exercised", never a pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from regconform.catalogue.requirements import Level, Requirement
from regconform.judging.checks import Check
from regconform.judging.coverage import Coverage
from regconform.judging.failure import Failure
from regconform.target.exchange import Exchange

# An exchange and the checks it must pass.
Judged = tuple[Exchange, Sequence[Check]]


class NonConformance(AssertionError):
    """A response broke a requirement at or above the failing level."""

    def __init__(self, failures: list[Failure]) -> None:
        super().__init__("\n\n".join(describe(f) for f in failures))
        self.failures = failures


def describe(failure: Failure) -> str:
    return "\n".join(
        [
            failure.headline,
            f"request:  {failure.request}",
            f"response: {failure.response_line()}",
            *failure.sequence_lines(),
        ]
    )


@dataclass
class Tally:
    checked: int = 0  # exchanges the rule applied to
    violated: int = 0
    inapplicable: dict[str, int] = field(default_factory=dict)  # reason -> exchanges
    failure: dict[str, Any] | None = None  # the last failing example (Failure.as_dict())

    def merge(self, other: Tally) -> None:
        self.checked += other.checked
        self.violated += other.violated
        for reason, count in other.inapplicable.items():
            self.inapplicable[reason] = self.inapplicable.get(reason, 0) + count
        self.failure = other.failure or self.failure

    def as_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "violated": self.violated,
            "inapplicable": dict(sorted(self.inapplicable.items())),
            "failure": self.failure,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Tally:
        return cls(raw["checked"], raw["violated"], dict(raw["inapplicable"]), raw["failure"])

    @property
    def last_failure(self) -> Failure | None:
        return Failure.from_dict(self.failure) if self.failure else None


class Verdicts:
    """Per-test score keeper; the plugin collects one per test item."""

    def __init__(
        self,
        catalogue: dict[str, Requirement],
        failing_level: Level,
        waived: frozenset[str] = frozenset(),
        cited: frozenset[str] | None = None,
    ) -> None:
        self.catalogue = catalogue
        # The ids the test claims to verify. A rule it judges only in passing (the controls'
        # rules on an answer that could not show them) is evidence when it applies, nothing
        # when it does not: its "not applicable" would not say the test tried.
        self.cited = cited
        self.failing_level = failing_level
        self.waived = waived  # the baseline's accepted deviations: tallied, never raised
        self.tallies: dict[str, Tally] = {}
        # Once an example failed, hypothesis shrinks it: the answers to its smaller copies are
        # not new evidence, so they update the failing example shown but no longer count.
        self.shrinking = False
        self.pending: list[Failure] = []  # failing-level failures of the example being judged
        self.coverage = Coverage()
        self.left_out: dict[str, str] = {}  # requirement -> why the profile leaves it out
        # A state machine's requests so far, as curl lines (None outside one): each failure
        # carries the sequence that led to it.
        self.sequence: list[str] | None = None

    def judge(self, exchange: Exchange, *checks: Check) -> None:
        """Judge one exchange; raise NonConformance if a failing-level requirement is broken."""
        self.judge_each([(exchange, checks)])

    def judge_each(self, judged: Iterable[Judged]) -> None:
        """Judge the exchanges of one example as they come, every one of them, then fail once
        naming all that broke a failing-level requirement. (One generated body serves many
        requests, see the refusal suites; stopping at the first would hide the others'
        verdicts.) Pass a generator that sends each request when asked for it: if the target
        breaks down mid-example, what came before is judged and kept in `pending`."""
        self.pending = []
        for exchange, checks in judged:
            if exchange.dry_run:
                continue
            if not self.shrinking:
                self.coverage.observe(exchange)
            for one_check in checks:
                self._score(one_check, exchange)
        if self.pending:
            self.shrinking = True
            raise NonConformance(self.pending)

    def _score(self, one_check: Check, exchange: Exchange) -> None:
        outcome = one_check.outcome(exchange)
        counting = not self.shrinking
        for rid in outcome.judged:
            if rid in outcome.inapplicable:
                if counting and (self.cited is None or rid in self.cited):
                    tally = self._tally(rid)
                    reason = outcome.inapplicable[rid]
                    tally.inapplicable[reason] = tally.inapplicable.get(reason, 0) + 1
            elif counting:
                self._tally(rid).checked += 1
        for violation in outcome.violations:
            tally = self._tally(violation.requirement)
            level = self.catalogue[violation.requirement].level
            failure = Failure.of(violation, exchange, level.name, tuple(self.sequence or ()))
            tally.failure = failure.as_dict()
            if counting:
                tally.violated += 1
            if violation.requirement not in self.waived and level >= self.failing_level:
                self.pending.append(failure)

    def leave_out(self, requirements: Iterable[str], reason: str) -> None:
        """The profile gives nothing to judge these by (no locked record, no other tenant):
        `skipped` with `reason` unless another test judged them."""
        for rid in requirements:
            self._tally(rid)
            self.left_out[rid] = reason

    def could_not_apply(self, requirements: Iterable[str], reason: str) -> None:
        """The target's own answers left nothing to try these on (no sys_version to make
        stale): counted as not applicable, so they show `not exercised` with `reason`."""
        if self.shrinking:
            return
        for rid in requirements:
            tally = self._tally(rid)
            tally.inapplicable[reason] = tally.inapplicable.get(reason, 0) + 1

    def lane(self) -> Verdicts:
        """A score keeper for one lane of this test's state machine (harness.sequences): the
        same rules, its own tallies and sequence; `absorb` adds it back."""
        return Verdicts(self.catalogue, self.failing_level, self.waived, self.cited)

    def absorb(self, lane: Verdicts) -> None:
        """Add a lane's score to this one (its failing example, if it has one, replaces ours)."""
        for rid, tally in lane.tallies.items():
            self._tally(rid).merge(tally)
        self.coverage.merge(lane.coverage)
        self.left_out.update(lane.left_out)
        self.shrinking = self.shrinking or lane.shrinking

    def _tally(self, requirement: str) -> Tally:
        if requirement not in self.catalogue:
            raise KeyError(f"check cites {requirement}, which is not in the catalogue")
        return self.tallies.setdefault(requirement, Tally())

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return {
            rid: {**t.as_dict(), "left_out": self.left_out.get(rid)}
            for rid, t in self.tallies.items()
        }
