"""report.html and compare.html as pure functions of run records: escaped and self-contained."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from regconform.report.command import report
from regconform.report.compare import render_compare
from regconform.report.html import render_report

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
CURL = 'curl -X PUT http://t/courseRegistrations/a/b --data-raw \'{"id":"b"}\''


def record(
    verdict: str = "fail", response: str = HOSTILE, base_url: str = "http://t"
) -> dict[str, Any]:
    """A small run record with one requirement whose response is hostile text."""
    failure = {
        "requirement": "CR-020",
        "level": "MUST",
        "message": "missing `course_id`",
        "request": CURL,
        "status": 200,
        "content_type": "application/json",
        "body": response,
        "body_cut": False,
    }
    requirement = {
        "level": "MUST",
        "operation": "course_registrations",
        "kind": "server",
        "statement": "Every 200 response carries `course_id`.",
        "source": "course-registrations-update.txt",
        "quote": "`course_id` (string, required) The course",
        "verdict": verdict,
        "note": "",
        "checked": 3,
        "violated": 1,
        "failure": failure,
        "baseline": None,
        "skipped_reasons": [],
        "tests": ["suites/test_course_registrations.py::test_x"],
    }
    passing = {**requirement, "verdict": "pass", "violated": 0, "failure": None}
    return {
        "base_url": base_url,
        "seed": 7,
        "started_at": "2026-01-15T10:00:00+00:00",
        "counts": {verdict: 1, "pass": 1},
        "requirements": {"CR-020": requirement, "CR-021": passing},
    }


def test_report_shows_the_failure_record_fields_as_given() -> None:
    """The page shows the structured failure: its headline, curl line and response, unparsed."""
    body = 'line one\nresponse: not a new field\n{"a": 1}'
    page = render_report(record(response=body))
    assert "CR-020 [MUST] missing `course_id`" in page
    assert "HTTP 200 application/json\nline one\nresponse: not a new field" in page
    assert "curl -X PUT http://t/courseRegistrations/a/b" in page


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ({"requests_sent": 12, "workers_unreported": 0}, "<dd>12</dd>"),
        (
            {"requests_sent": None, "requests_sent_at_least": 5, "workers_unreported": 2},
            "<dd>at least 5 (2 worker(s) stopped before saying what they sent)</dd>",
        ),
    ],
    ids=["counted", "a floor"],
)
def test_report_says_how_many_requests_were_sent_or_at_least(
    sent: dict[str, Any], shown: str
) -> None:
    """The count, or, when a worker never said what it sent, the floor and why: never 0."""
    page = render_report({**record(), **sent})
    assert f"<dt>requests sent</dt>{shown}" in page


def test_report_escapes_what_the_server_said() -> None:
    """A response holding markup shows up as text; no tag of it survives."""
    page = render_report(record())
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


@pytest.mark.parametrize("render", [render_report, lambda r: render_compare([("a", r), ("b", r)])])
def test_pages_fetch_nothing_and_run_nothing(render: Any) -> None:
    """No scripts, no external stylesheets, images or fonts; a CSP forbids them besides."""
    page = render(record())
    assert "<script" not in page and "<link" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "url(" not in page
    assert "default-src 'none'" in page


def test_report_puts_the_failure_behind_a_summary_with_curl_and_quote() -> None:
    """The failing requirement expands to its curl line, response and source quote."""
    page = render_report(record())
    details = page[page.index('<tr id="CR-020"') : page.index('<tr id="CR-021"')]
    assert (
        '<details class="failure"><summary>CR-020 [MUST] missing `course_id`</summary>' in details
    )
    assert '<pre class="curl">curl -X PUT http://t/courseRegistrations/a/b' in details
    assert "<blockquote>`course_id` (string, required) The course</blockquote>" in details


def test_compare_shows_one_column_per_run_and_marks_rows_that_differ() -> None:
    """Two runs side by side: labelled columns, verdicts per cell, differing rows marked."""
    page = render_compare([("vendor A", record("fail")), ("vendor <B>", record("known deviation"))])
    assert "vendor A" in page and "vendor &lt;B&gt;" in page
    assert "1 of 2 requirements differ" in page
    assert '<tr id="CR-020" class="differs">' in page
    assert '<tr id="CR-021">' in page
    row = page[page.index('<tr id="CR-020"') : page.index('<tr id="CR-021"')]
    assert row.index(">fail<") < row.index(">known deviation<")


def test_report_command_compares_files_and_rebuilds_html(tmp_path: Path) -> None:
    """`report compare` labels columns by base URL; `report html` writes beside the record."""
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text(json.dumps(record(base_url="https://a.example")))
    second.write_text(json.dumps(record("pass", base_url="https://b.example")))
    out = tmp_path / "compare.html"
    result = CliRunner().invoke(report, ["compare", str(first), str(second), "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert page.index("https://a.example") < page.index("https://b.example")
    result = CliRunner().invoke(report, ["html", str(first)])
    assert result.exit_code == 0 and (tmp_path / "a.html").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["compare", "{a}", "--label", "one", "--label", "two"], "one --label per report"),
        (["compare", "{missing}"], "cannot read"),
        (["compare", "{bad}"], "is not JSON"),
        (["html", "{other}"], "not a regconform report.json"),
    ],
)
def test_report_command_errors_are_one_line_exit_4(
    tmp_path: Path, args: list[str], message: str
) -> None:
    """Unreadable, non-JSON or foreign files and mismatched labels: exit 4, one line."""
    paths = {"a": tmp_path / "a.json", "missing": tmp_path / "missing.json"}
    paths |= {"bad": tmp_path / "bad.json", "other": tmp_path / "other.json"}
    paths["a"].write_text(json.dumps(record()))
    paths["bad"].write_text("{")
    paths["other"].write_text("[]")
    argv = [arg.format(**{k: str(v) for k, v in paths.items()}) for arg in args]
    result = CliRunner().invoke(report, argv)
    assert result.exit_code == 4
    assert message in result.output and result.output.strip().count("\n") == 0
