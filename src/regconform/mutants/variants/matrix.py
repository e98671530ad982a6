"""The false-alarm matrix: run the suites against every legal variant, over HTTP.

Beside the kill matrix (which proves the suites fail broken servers), this proves they pass
correct servers that differ from ours in legal ways. A variant passes when its run ends with
the reference server's verdict on every requirement, except the INFERRED ones it declares it
chooses otherwise (those may warn), and when it changed at least one answer the suites got:
a variant nobody noticed proves nothing.

Variants run at the default failing level, as a user's run would: a declared INFERRED choice
then warns and the tests go on (at `--level all` it would stop each test at its first example
and leave rules that need a history, like CR-049, unexercised). An undeclared SHOULD or
INFERRED violation still shows, as a warn, and is a false alarm.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from regconform.catalogue.requirements import DEFAULT_FAILING_LEVEL
from regconform.mutants.killmatrix import (
    DEFAULT_JOBS,
    FLAGGED,
    RunOutcome,
    SuiteRun,
    run_suites,
    run_target,
)
from regconform.mutants.variants._variant import CHANGED_MARK, Variant


@dataclass(frozen=True)
class VariantRun:
    """What one run of the suites said about one variant, and how much the variant changed."""

    variant: Variant
    run: SuiteRun

    @property
    def changed(self) -> int:
        """Answers the variant gave differently from the reference server."""
        return sum(line.startswith(CHANGED_MARK) for line in self.run.serve_log.splitlines())

    def problems(self, reference: dict[str, str]) -> list[str]:
        """Why the variant's run is not the pass it should be; empty when it is."""
        if self.run.error is not None:
            return [f"no report: {self.run.error}"]
        found = [f"internal error: {e}" for e in self.run.report.get("internal_errors", [])]
        if self.run.report.get("stopped"):
            found.append(f"stopped: {self.run.report['stopped']}")
        for rid, expected in reference.items():
            got = self.run.verdicts.get(rid, "absent")
            if got == expected or (rid in self.variant.departs_from and got in FLAGGED):
                continue
            found.append(f"{rid} {got} (reference: {expected})")
        if self.changed == 0:
            found.append("changed no answer the suites got: proves nothing")
        return found

    def verdict(self, reference: dict[str, str]) -> str:
        if self.run.error is not None:
            return "ERROR"
        problems = self.problems(reference)
        if not problems:
            return "passes"
        return "PROVES NOTHING" if len(problems) == 1 and not self.changed else "FALSE ALARM"

    @property
    def departed(self) -> tuple[str, ...]:
        """The declared INFERRED departures the run did flag."""
        return tuple(r for r in self.variant.departs_from if self.run.verdicts.get(r) in FLAGGED)


@dataclass(frozen=True)
class FalseAlarmMatrix:
    reference: RunOutcome
    rows: tuple[VariantRun, ...]
    seconds: float

    @property
    def failed(self) -> tuple[VariantRun, ...]:
        return tuple(row for row in self.rows if row.problems(self.reference.verdicts))

    @property
    def passed(self) -> bool:
        """The reference is clean and every variant passes, having changed something."""
        clean = self.reference.error is None and not self.reference.flagged
        return clean and not self.failed


def false_alarm_matrix(
    variants: Sequence[Variant],
    *,
    reference: RunOutcome | None = None,
    jobs: int = DEFAULT_JOBS,
    max_examples: int | None = None,
    seed: int = 0,
    progress: Callable[[str, float], None] | None = None,
    options: Sequence[str] = (),
) -> FalseAlarmMatrix:
    """Run every variant (and the reference server, unless its run is given), `jobs` at once,
    each with further `options` of `regconform run` when given; the variants that mostly wait
    (Variant.waits) run beside them, from the start."""
    started = time.monotonic()
    rows: dict[int, VariantRun] = {}
    waiting = sum(v.waits for v in variants)
    with ThreadPoolExecutor(max(1, jobs)) as pool, ThreadPoolExecutor(max(1, waiting)) as idle:
        level = DEFAULT_FAILING_LEVEL  # as a user's run (see the module)
        pending = {
            (idle if v.waits else pool).submit(
                run_suites, ("--variant", v.name), max_examples, seed, level, options=options
            ): i
            for i, v in sorted(enumerate(variants), key=lambda iv: not iv[1].waits)
        }
        own_reference = (
            None if reference else pool.submit(run_target, None, max_examples, seed, options)
        )
        for future in as_completed(pending):
            index = pending[future]
            rows[index] = VariantRun(variants[index], future.result())
            if progress is not None:
                progress(variants[index].name, rows[index].run.seconds)
        if own_reference is not None:
            reference = own_reference.result()
    assert reference is not None
    ordered = tuple(rows[index] for index in range(len(variants)))
    return FalseAlarmMatrix(reference, ordered, time.monotonic() - started)


def matrix_lines(matrix: FalseAlarmMatrix) -> Iterable[str]:
    """The false-alarm matrix as text: one row per variant, then the score."""
    reference = matrix.reference.verdicts
    rows = [
        (
            row.variant.name,
            row.variant.legal_because.cite,
            str(row.changed),
            row.verdict(reference),
            "; ".join(row.problems(reference))
            or (f"warns {' '.join(row.departed)} (INFERRED, declared)" if row.departed else ""),
        )
        for row in matrix.rows
    ]
    headers = ("variant", "legal because", "changed", "verdict")
    widths = [max([len(h), *(len(row[i]) for row in rows)]) for i, h in enumerate(headers)]
    yield "  ".join(f"{h:<{w}}" for h, w in zip(headers, widths, strict=True)) + "  notes"
    for row in rows:
        cells = "  ".join(f"{c:<{w}}" for c, w in zip(row[:4], widths, strict=True))
        yield f"{cells}  {row[4]}".rstrip()
    if matrix.reference.error:
        yield f"error in reference: {matrix.reference.error}"
    total = len(matrix.rows)
    passing = total - len(matrix.failed)
    yield ""
    yield f"false-alarm matrix: {passing}/{total} legal variants pass"
    alarms = " ".join(matrix.reference.flagged) or "none"
    yield f"reference server false alarms: {len(matrix.reference.flagged)} ({alarms})"
    yield f"wall time: {matrix.seconds:.1f} s"
