"""report.json: the record of a run, per requirement. Never holds the token.

The HTML report is built from this record alone (regconform.report.html), so it can be
regenerated later with `regconform report html report.json`.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from regconform._version import __version__
from regconform.catalogue.contracts import load_contracts
from regconform.judging.results import RequirementResult, RunResults
from regconform.settings.config import RunConfig
from regconform.settings.profile import Profile
from regconform.target.redact import Redactor
from regconform.target.sent import SentTotals

REPORT_JSON = "report.json"
# Bumped when a field changes meaning; 3: structured failures, coverage; 4: requests_sent may
# be null (a worker never said what it sent), beside requests_sent_at_least.
SCHEMA_VERSION = 4

# The order verdicts are counted and shown in, worst first.
VERDICTS = (
    "fail",
    "warn",
    "known deviation",
    "fixed",
    "pass",
    "not exercised",
    "not run",
    "skipped",
    "self-tested",
)


def _requirement(result: RequirementResult, results: RunResults) -> dict[str, Any]:
    req = result.requirement
    return {
        "level": req.level.name,
        "operation": req.operation,
        "kind": req.kind,
        "statement": req.statement,
        "source": req.source,
        "quote": req.quote,
        "verdict": result.verdict(results.failing_level),
        "note": result.note(results.failing_level),
        "checked": result.tally.checked,
        "violated": result.tally.violated,
        "not_applicable": result.tally.inapplicable,
        "failure": result.tally.failure,
        "baseline": result.waiver.as_dict() if result.waiver else None,
        "skipped_reasons": sorted(set(result.skipped)),
        "not_run_reasons": sorted(set(result.not_run)),
        "tests": sorted(result.tests),
    }


def _profile(profile: Profile) -> dict[str, Any]:
    """What the profile told the suite: where its records are (it never holds the token)."""
    sections = {
        "course_registrations": profile.course,
        "event_track_registrations": profile.tracks,
    }
    return {
        "path": str(profile.path) if profile.path else None,
        "token_env": profile.token_env,
        **{name: asdict(section) if section else None for name, section in sections.items()},
    }


def run_record(
    results: RunResults,
    config: RunConfig,
    sent: SentTotals | None,
    started: datetime | None = None,
    exit_status: int | None = None,
    probe_requests: int = 0,
) -> dict[str, Any]:
    finished = datetime.now(UTC)
    started = started or finished
    profile = config.profile
    baseline = results.baseline
    counts = results.counts()
    bought = sent.per_requirement if sent else {}
    unknown = bool(sent and sent.unreported)
    return {
        "tool": "regconform",
        "version": __version__,
        "schema_version": SCHEMA_VERSION,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": finished.isoformat(timespec="seconds"),
        "duration_s": round((finished - started).total_seconds(), 3),
        "exit_status": exit_status,
        "contract_hashes": load_contracts().hashes,
        "seed": config.seed,
        "max_examples": config.max_examples,
        "plan": config.plan,
        "failing_level": config.failing_level.name,
        "base_url": config.base_url,
        "profile": str(profile.path) if profile.path else None,
        "profile_used": _profile(profile),
        "suites": {
            "course_registrations": profile.course is not None,
            "event_track_registrations": profile.tracks is not None,
        },
        "baseline": str(baseline.path) if baseline.path else None,
        "dry_run": config.dry_run,
        # null, with the digest, when a worker never said what it sent (an interrupted run)
        "requests_sent": None if unknown else sent.count if sent else 0,
        "requests_sent_at_least": sent.count if sent else 0,
        "workers_unreported": sent.unreported if sent else 0,
        "probe_requests": probe_requests,  # the configuration probe's, before the tests
        # sent again, and counted once above: after a 429 (or a 503 naming a Retry-After),
        # after a 409 met beside another of the run's requests to the path (sent alone:
        # target.concurrency), and after a kept-alive connection was closed under it before any
        # answer or a 408 (target.transport.FinalResponse, Target._send)
        "retried_after_429": sent.throttled if sent else 0,
        "sent_again_alone_after_409": sent.conflicts if sent else 0,
        "sent_again_after_a_closed_connection": sent.reconnects if sent else 0,
        "request_log_sha256": sent.sha256 if sent and not unknown else None,
        # requests sent (or, in a dry run, that would be) while each requirement's tests ran
        "requests_per_requirement": dict(sorted(bought.items())),
        "stopped": results.stopped,
        "internal_errors": results.internal_errors,
        "transport_failures": results.transport_failures,  # requests that got no usable answer
        "incomplete": results.incomplete(),
        "coverage": results.coverage.as_dict(),
        "counts": {verdict: counts[verdict] for verdict in VERDICTS if counts.get(verdict)},
        "requirements": {
            rid: {**_requirement(result, results), "requests": bought.get(rid, 0)}
            for rid, result in results.by_id.items()
        },
    }


# Where text from the wire lands in a requirement's record (the request and the answer of its
# last failure, a skip's reason) and in a restore's: the places a secret could reach.
WIRE_FIELDS = frozenset({"message", "note", "failure", "skipped_reasons"})
RESTORE_WIRE_FIELDS = frozenset({"detail"})


def redacted(record: dict[str, Any], secrets: tuple[str, ...]) -> dict[str, Any]:
    """The record with each secret redacted inside the values that come from the wire, and in
    the base URL's path; every key, and every value of our own, is kept as it was. (Belt and
    braces: curl lines and answers are redacted where they are made.)"""
    redact = Redactor.of(secrets)
    if not redact:
        return record

    def fields(entry: Any, wire: frozenset[str]) -> Any:
        if not isinstance(entry, dict):
            return redact.values(entry)
        return {k: redact.values(v) if k in wire else v for k, v in entry.items()}

    out = dict(record)
    if isinstance(out.get("base_url"), str):
        out["base_url"] = redact.url(out["base_url"])
    if isinstance(out.get("requirements"), dict):
        out["requirements"] = {
            rid: fields(entry, WIRE_FIELDS) for rid, entry in out["requirements"].items()
        }
    if isinstance(out.get("restored"), list):
        out["restored"] = [fields(entry, RESTORE_WIRE_FIELDS) for entry in out["restored"]]
    return out


def write_run_record(path: Path, record: dict[str, Any], secrets: tuple[str, ...]) -> None:
    """Write report.json: redacted value by value, never as text (a secret as short as `t`
    must not eat into `"dry_run": true`)."""
    text = json.dumps(
        redacted(record, secrets), indent=2, sort_keys=False, ensure_ascii=False, default=str
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
