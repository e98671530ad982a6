"""Per-requirement results of a whole run, merged from every test's report (xdist-safe)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from regconform.catalogue.requirements import Level, Requirement
from regconform.judging.verdicts import Tally
from regconform.settings.baseline import Baseline, Waiver

PROPERTY = "regconform.tallies"  # name of the user property carrying a test's tallies


@dataclass
class RequirementResult:
    requirement: Requirement
    tally: Tally = field(default_factory=Tally)
    skipped: list[str] = field(default_factory=list)  # reasons
    tests: set[str] = field(default_factory=set)
    waiver: Waiver | None = None  # the baseline's entry for this requirement

    def verdict(self, failing_level: Level) -> str:
        if self.requirement.kind == "client":
            return "self-tested"  # how regconform behaves; tests/ verify it, not a suite
        if self.tally.violated:
            if self.waiver is not None and not self.waiver.expired:
                return "known deviation"
            return "fail" if self.requirement.level >= failing_level else "warn"
        if self.tally.checked:
            return "fixed" if self.waiver is not None else "pass"
        return "skipped" if self.skipped else "not run"

    def note(self, failing_level: Level) -> str:
        """One line for the summary: the violation, the skip reason or the baseline's word."""
        verdict = self.verdict(failing_level)
        first = self.tally.message.splitlines()[0] if self.tally.message else ""
        waiver = self.waiver
        if verdict == "skipped":
            return self.skipped[0]
        if waiver is not None and waiver.expired and verdict in ("fail", "warn"):
            return f"baseline entry EXPIRED on {waiver.expires}: {first}"
        if waiver is not None and verdict == "known deviation":
            until = f" (until {waiver.expires})" if waiver.expires else ""
            return f"known deviation{until}: {waiver.reason}"
        if verdict == "fixed":
            return "listed in the baseline but no longer violated: remove it from the baseline"
        return first


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

    def add_report(
        self, nodeid: str, outcome: str, properties: list[tuple[str, Any]], skip_reason: str
    ) -> None:
        ids = [value for name, value in properties if name == "requirement"]
        for name, value in properties:
            if name == PROPERTY:
                for rid, raw in json.loads(value).items():
                    self.by_id[rid].tally.merge(Tally(**raw))
                    self.by_id[rid].tests.add(nodeid)
        for rid in ids:
            if rid in self.by_id:
                self.by_id[rid].tests.add(nodeid)
                if outcome == "skipped":
                    self.by_id[rid].skipped.append(skip_reason)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for result in self.by_id.values():
            verdict = result.verdict(self.failing_level)
            counts[verdict] = counts.get(verdict, 0) + 1
        return counts

    def rows(self) -> list[tuple[str, str, str, int, str]]:
        """(id, level, verdict, times checked, note) in catalogue order."""
        rows = []
        for rid, result in self.by_id.items():
            verdict = result.verdict(self.failing_level)
            note = result.note(self.failing_level)
            rows.append((rid, result.requirement.level.name, verdict, result.tally.checked, note))
        return rows
