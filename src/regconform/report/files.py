"""Writing the reports of a run into one folder: report.json, and report.html built from it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from regconform.report.html import render_report
from regconform.report.run_record import REPORT_JSON, write_run_record

REPORT_HTML = "report.html"
JUNIT_XML = "junit.xml"  # written by pytest's junitxml; `regconform run` asks for it there


def write_reports(folder: Path, record: dict[str, Any], secrets: tuple[str, ...]) -> list[Path]:
    """Write report.json, then report.html from what was written (so from redacted values:
    the page is never redacted as text); return both paths."""
    json_path, html_path = folder / REPORT_JSON, folder / REPORT_HTML
    write_run_record(json_path, record, secrets)
    written = json.loads(json_path.read_text(encoding="utf-8"))
    html_path.write_text(render_report(written), encoding="utf-8")
    return [json_path, html_path]
