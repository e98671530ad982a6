"""The per-requirement summary printed at the end of a run."""

from __future__ import annotations

from typing import Any

from regconform.config import RunConfig
from regconform.results import RunResults
from regconform.transport import Target

MARKS = {
    "pass": "ok",
    "fail": "FAIL",
    "warn": "warn",
    "skipped": "skip",
    "not run": "-",
    "self-tested": "self",
}


def write_summary(tr: Any, results: RunResults, config: RunConfig, target: Target | None) -> None:
    tr.section("regconform: requirements", sep="=")
    for rid, level, verdict, checked, note in results.rows():
        note = f"  {note[:110]}" if note else ""
        tr.write_line(f"{MARKS[verdict]:>5}  {rid:<8} {level:<8} checked {checked:>4}{note}")
    counts = results.counts()
    ordered = ", ".join(f"{counts[k]} {k}" for k in MARKS if counts.get(k))
    tr.write_line("")
    tr.write_line(f"requirements: {ordered} (failing level: {config.failing_level.name})")
    if target is not None:
        tr.write_line(
            f"requests: {target.log.count} sent to {config.base_url}, seed {config.seed}, "
            f"request log sha256 {target.log.sha256[:16]}"
            + (f", {target.throttled} answered 429 and retried" if target.throttled else "")
        )
        if config.dry_run:
            tr.write_line(
                "dry run: nothing was sent; requests that would be sent, per requirement:"
            )
            for rid, count in sorted(target.log.per_requirement.items()):
                tr.write_line(f"  {rid:<8} {count}")
