"""Per-requirement results of a whole run, merged from every test's report (xdist-safe).

A verdict says what happened to a requirement, never more than that:
- `pass`: applied to at least one answer, and never broken
- `fail` / `warn`: broken (at or above the failing level / below it); `known deviation` and
  `fixed` when the baseline lists it
- `not exercised`: its tests ran, but no answer it could judge ever came (the reason says why)
- `not run`: its tests were cut short (budget, throttling, breaker, transport failure, interrupt)
- `skipped`: the profile or `--suite` left it out (the reason says which)
- `self-tested`: about regconform itself, verified by its own tests
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from regconform.catalogue.requirements import Level, Requirement
from regconform.judging.coverage import PROPERTY as COVERAGE
from regconform.judging.coverage import Coverage
from regconform.judging.verdicts import Tally
from regconform.settings.baseline import Baseline, Waiver

PROPERTY = "regconform.tallies"  # the user property carrying a test's tallies
NOT_RUN = "regconform.not_run"  # the user property saying why a test was cut short
INTERNAL_ERROR = "regconform.internal_error"  # a bug of regconform's stopped the test
TRANSPORT_FAILURE = "transport failure: "  # how a not-run reason of a broken-down request starts


@dataclass
class RequirementResult:
    requirement: Requirement
    tally: Tally = field(default_factory=Tally)
    skipped: list[str] = field(default_factory=list)  # reasons
    not_run: list[str] = field(default_factory=list)  # why its tests were cut short
    tests: set[str] = field(default_factory=set)
    waiver: Waiver | None = None  # the baseline's entry for this requirement

    def verdict(self, failing_level: Level) -> str:
        if self.requirement.kind == "client":
            return "self-tested"  # how regconform behaves; tests/ verify it, not a suite
        if self.tally.violated or self.tally.failure:
            if self.waiver is not None and not self.waiver.expired:
                return "known deviation"
            return "fail" if self.requirement.level >= failing_level else "warn"
        if self.tally.checked:
            return "fixed" if self.waiver is not None else "pass"
        if self.not_run:
            return "not run"
        if self.tally.inapplicable:
            return "not exercised"
        return "skipped" if self.skipped else "not run"  # skipped: left out by the profile

    def note(self, failing_level: Level) -> str:
        """One line for the summary: the violation, the reason, or the baseline's word."""
        verdict = self.verdict(failing_level)
        failure = self.tally.last_failure
        first = failure.headline if failure else ""
        waiver = self.waiver
        if verdict == "skipped":
            return self.skipped[0]
        if verdict == "not run":
            return self.not_run[-1] if self.not_run else "no test of it ran"
        if verdict == "not exercised":
            return never_applied(self.tally.inapplicable)
        if waiver is not None and waiver.expired and verdict in ("fail", "warn"):
            return f"baseline entry EXPIRED on {waiver.expires}: {first}"
        if waiver is not None and verdict == "known deviation":
            until = f" (until {waiver.expires})" if waiver.expires else ""
            return f"known deviation{until}: {waiver.reason}"
        if verdict == "fixed":
            return "listed in the baseline but no longer violated: remove it from the baseline"
        return first


def never_applied(reasons: dict[str, int]) -> str:
    """Why a rule never applied, most frequent reason first: 'no answer it judges came: …'."""
    ordered = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    total = sum(reasons.values())
    listed = "; ".join(f"{reason} ({count}x)" for reason, count in ordered[:3])
    return f"never applied in {total} answer(s): {listed}"


class RunResults:
    def __init__(
        self,
        catalogue: dict[str, Requirement],
        failing_level: Level,
        baseline: Baseline | None = None,
    ) -> None:
        self.failing_level = failing_level
        self.baseline = baseline or Baseline()
        waivers = self.baseline.waivers
        self.by_id = {
            rid: RequirementResult(r, waiver=waivers.get(rid)) for rid, r in catalogue.items()
        }
        self.stopped: str | None = None  # why the run ended early, if it did
        self.coverage = Coverage()
        self.internal_errors: list[str] = []  # "<test>: <error>", a bug of regconform's each
        self.transport_failures: list[str] = []  # requests that got no usable answer, in order

    def add_report(
        self, nodeid: str, outcome: str, properties: list[tuple[str, Any]], skip_reason: str
    ) -> None:
        ids = [value for name, value in properties if name == "requirement"]
        judged: set[str] = set()
        for name, value in properties:
            if name == COVERAGE:
                self.coverage.merge(Coverage.from_dict(json.loads(value)))
            if name == PROPERTY:
                for rid, raw in json.loads(value).items():
                    self.by_id[rid].tally.merge(Tally.from_dict(raw))
                    self.by_id[rid].tests.add(nodeid)
                    if raw.get("left_out"):
                        self.by_id[rid].skipped.append(raw["left_out"])
                    judged.add(rid)
        cut_short = [value for name, value in properties if name == NOT_RUN]
        self.transport_failures += [
            v.removeprefix(TRANSPORT_FAILURE) for v in cut_short if v.startswith(TRANSPORT_FAILURE)
        ]
        errors = [value for name, value in properties if name == INTERNAL_ERROR]
        self.internal_errors += [f"{nodeid}: {error}" for error in errors]
        cut_short += [f"internal error of regconform: {error}" for error in errors]
        for rid in ids:
            if rid not in self.by_id:
                continue
            self.by_id[rid].tests.add(nodeid)
            if cut_short and rid not in judged:
                self.by_id[rid].not_run.append(f"{cut_short[-1]} ({nodeid.split('::')[-1]})")
            elif outcome == "skipped" and not cut_short:
                self.by_id[rid].skipped.append(skip_reason)

    def finish(self, stopped: str | None, dry_run: bool = False) -> None:
        """The run is over: say why the requirements no test reached were left out."""
        self.stopped = stopped
        for result in self.by_id.values():
            if result.requirement.kind != "server":
                continue
            if dry_run:
                result.not_run.append("dry run: nothing was sent")
            elif result.tests:
                continue
            elif stopped:
                result.not_run.append(f"the run stopped first: {stopped}")
            else:
                result.skipped.append("no test of it was selected (--suite, --requirement, -k)")

    def counts(self) -> dict[str, int]:
        return dict(Counter(r.verdict(self.failing_level) for r in self.by_id.values()))

    def incomplete(self) -> list[str]:
        """MUST requirements of the selected suites that were not exercised or not run."""
        return [
            rid
            for rid, result in self.by_id.items()
            if result.requirement.level is Level.MUST
            and result.verdict(self.failing_level) in ("not exercised", "not run")
        ]

    def rows(self) -> list[tuple[str, str, str, int, str]]:
        """(id, level, verdict, times checked, note) in catalogue order."""
        rows = []
        for rid, result in self.by_id.items():
            verdict = result.verdict(self.failing_level)
            note = result.note(self.failing_level)
            rows.append((rid, result.requirement.level.name, verdict, result.tally.checked, note))
        return rows
