"""report.json: the record of a run, per requirement. Never holds the token."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from regconform._version import __version__
from regconform.config import RunConfig
from regconform.contracts import load_contracts
from regconform.results import RunResults
from regconform.transport import Target

REPORT_JSON = "report.json"


def run_record(results: RunResults, config: RunConfig, target: Target | None) -> dict[str, Any]:
    requirements = {}
    for rid, result in results.by_id.items():
        req = result.requirement
        requirements[rid] = {
            "level": req.level.name,
            "operation": req.operation,
            "kind": req.kind,
            "statement": req.statement,
            "source": req.source,
            "quote": req.quote,
            "verdict": result.verdict(results.failing_level),
            "checked": result.tally.checked,
            "violated": result.tally.violated,
            "message": result.tally.message,
            "skipped_reasons": sorted(set(result.skipped)),
            "tests": sorted(result.tests),
        }
    profile = config.profile
    return {
        "tool": "regconform",
        "version": __version__,
        "contract_hashes": load_contracts().hashes,
        "seed": config.seed,
        "max_examples": config.max_examples,
        "failing_level": config.failing_level.name,
        "base_url": config.base_url,
        "profile": str(profile.path) if profile.path else None,
        "suites": {
            "course_registrations": profile.course is not None,
            "event_track_registrations": profile.tracks is not None,
        },
        "dry_run": config.dry_run,
        "requests_sent": target.log.count if target else 0,
        "request_log_sha256": target.log.sha256 if target else None,
        "counts": results.counts(),
        "requirements": requirements,
    }


def write_run_record(path: Path, record: dict[str, Any], secrets: tuple[str, ...]) -> None:
    text = json.dumps(record, indent=2, sort_keys=False, ensure_ascii=False)
    for secret in secrets:  # belt and braces: nothing we record should hold it anyway
        text = text.replace(secret, "***")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
