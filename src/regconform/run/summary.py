"""The per-requirement summary printed at the end of a run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from regconform.judging.results import RunResults
from regconform.settings.config import RunConfig
from regconform.target.sent import UNREPORTED, SentTotals

MARKS = {
    "pass": "ok",
    "fail": "FAIL",
    "warn": "warn",
    "known deviation": "known",
    "fixed": "fixed",
    "not exercised": "n/ex",
    "not run": "-",
    "skipped": "skip",
    "self-tested": "self",
}


def write_summary(
    tr: Any,
    results: RunResults,
    config: RunConfig,
    sent: SentTotals | None,
    reports: list[Path] | None = None,
    probed: int = 0,
) -> None:
    tr.section("regconform: requirements", sep="=")
    bought = sent.per_requirement if sent else {}  # requests sent while its tests ran
    for rid, level, verdict, checked, note in results.rows():
        note = f"  {note[:110]}" if note else ""
        requests = f"requests {bought.get(rid, 0):>4}"
        line = f"{MARKS[verdict]:>5}  {rid:<8} {level:<8} checked {checked:>4}  {requests}{note}"
        tr.write_line(line)
    counts = results.counts()
    ordered = ", ".join(f"{counts[k]} {k}" for k in MARKS if counts.get(k))
    tr.write_line("")
    tr.write_line(f"requirements: {ordered} (failing level: {config.failing_level.name})")
    _write_baseline(tr, results)
    if results.coverage.statuses:
        tr.write_line("coverage:")
        for line in results.coverage.lines():
            tr.write_line(line)
    if sent is not None:
        # An interrupted run's workers may end before handing their totals over: the count is
        # then only what arrived, said as a floor, and no digest names the whole traffic.
        floor = "at least " if sent.unreported else ""
        log = (
            f"{sent.unreported} {UNREPORTED}"
            if sent.unreported
            else f"request log sha256 {sent.sha256[:16]}"
        )
        tr.write_line(
            f"requests: {floor}{sent.count} {'would be sent' if config.dry_run else 'sent'}"
            + (f" (+{probed} probe)" if probed else "")
            + " to "
            f"{config.base_url}, seed {config.seed}, plan {config.plan}, {log}"
            # a 503 naming a Retry-After is counted here too (target.transport.asks_to_wait)
            + (f", {sent.throttled} answered 429 and retried" if sent.throttled else "")
            + (
                f", {sent.conflicts} answered 409 beside another of ours and sent again alone"
                if sent.conflicts
                else ""
            )
            + (
                f", {sent.reconnects} met a kept-alive connection's close and sent again"
                if sent.reconnects
                else ""
            )
        )
        if config.dry_run:
            tr.write_line(
                "dry run: nothing was sent; requests that would be sent, per requirement:"
            )
            for rid, count in sorted(sent.per_requirement.items()):
                tr.write_line(f"  {rid:<8} {count}")
    if reports:
        tr.write_line("reports: " + ", ".join(str(path) for path in reports))


def _write_baseline(tr: Any, results: RunResults) -> None:
    """What became of each baseline entry: known, expired (fails as usual) or fixed."""
    if results.baseline.path is None:
        return
    by_verdict: dict[str, list[str]] = {}
    for rid, result in results.by_id.items():
        if result.waiver is None:
            continue
        verdict = result.verdict(results.failing_level)
        key = "expired" if result.waiver.expired and verdict in ("fail", "warn") else verdict
        by_verdict.setdefault(key, []).append(rid)
    tr.write_line(f"baseline {results.baseline.path}:")
    lines = {
        "known deviation": "known deviation(s), not failing the run",
        "expired": "EXPIRED, failing as usual",
        "fixed": "fixed, no longer violated: remove from the baseline",
        "skipped": "listed but skipped in this run",
        "not run": "listed but not run",
    }
    for key, text in lines.items():
        if by_verdict.get(key):
            tr.write_line(f"  {len(by_verdict[key])} {text}: {', '.join(by_verdict[key])}")
