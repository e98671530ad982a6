"""report.html: one self-contained page built from a run record (report.json), nothing else.

Everything the server said is attacker-controlled text, so every value goes through `esc`, and
the page forbids itself scripts and network fetches (Content-Security-Policy) in case one slips
through. Failures expand with <details>: no JavaScript at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from regconform.report.run_record import VERDICTS
from regconform.target.sent import UNREPORTED

OPERATIONS = {
    "course_registrations": "course registrations",
    "event_track_registrations": "event track registrations",
    "both": "both endpoints",
}
LEVELS = ("MUST", "SHOULD", "INFERRED")
# A verdict that has something to show: the violation with its request and response.
WITH_FAILURE = ("fail", "warn", "known deviation")

CSS = """
:root { --fail:#c62828; --warn:#b26a00; --known:#6a3d9a; --fixed:#00796b; --pass:#2e7d32;
  --skip:#757575; --none:#9e9e9e; --self:#455a64; --line:#ddd; --bg:#fafafa; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
  max-width: 1200px; padding: 16px 24px 48px; color: #222; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
h3 { font-size: 15px; margin: 20px 0 6px; } h4 { font-size: 13px; margin: 12px 0 4px;
  color: #555; text-transform: uppercase; letter-spacing: .04em; }
.outcome { display: inline-block; font-weight: 600; padding: 2px 10px; border-radius: 4px;
  color: #fff; margin: 4px 0 8px; }
.outcome.bad { background: var(--fail); } .outcome.good { background: var(--pass); }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
dl.meta dt { color: #666; } dl.meta dd { margin: 0; font-family: ui-monospace, monospace;
  overflow-wrap: anywhere; }
ul.counts { list-style: none; display: flex; flex-wrap: wrap; gap: 8px; padding: 0; }
ul.counts li { border: 1px solid var(--line); border-left: 6px solid var(--c, #999);
  border-radius: 4px;
  padding: 4px 12px; min-width: 92px; background: var(--bg); }
ul.counts li.zero { opacity: .45; }
ul.counts .n { font-size: 20px; font-weight: 700; display: block; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left;
  vertical-align: top; }
table.matrix td { width: 30%; } table.matrix th[scope=row] { width: 10%; white-space: nowrap; }
a.chip { display: inline-block; margin: 2px; padding: 1px 6px; border-radius: 3px; color: #fff;
  background: var(--c, #999);
  font: 12px ui-monospace, monospace; text-decoration: none; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; color: #fff;
  background: var(--c, #999);
  font-size: 12px; white-space: nowrap; }
td.id { font-family: ui-monospace, monospace; white-space: nowrap; width: 7em; }
td.num { font-family: ui-monospace, monospace; white-space: nowrap; text-align: right;
  width: 7em; color: #555; }
td.verdict { width: 9em; }
tr:target { outline: 2px solid #1565c0; }
details { margin: 4px 0 0; } summary { cursor: pointer; color: #333; }
details.failure > summary { font-weight: 600; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f4f4f4; padding: 6px 8px;
  margin: 2px 0 8px; border-radius: 3px; font: 12px/1.4 ui-monospace, monospace; }
blockquote { margin: 4px 0; padding: 2px 10px; border-left: 3px solid #bbb; color: #444; }
.note { color: #555; } .label { color: #666; font-size: 12px; margin-top: 6px; }
tr.differs td { background: #fff8e1; }
.warning { background: #fff3e0; border: 1px solid #ffb74d; padding: 6px 10px; border-radius: 4px; }
.v-fail { --c: var(--fail); } .v-warn { --c: var(--warn); }
.v-known-deviation { --c: var(--known); } .v-fixed { --c: var(--fixed); }
.v-pass { --c: var(--pass); } .v-skipped { --c: var(--skip); } .v-not-run { --c: var(--none); }
.v-not-exercised { --c: #8d6e63; }
.v-self-tested { --c: var(--self); } .v-absent { --c: #bdbdbd; }
"""

# No scripts, no fetches: only the inline style above may apply.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def esc(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def verdict_class(verdict: str) -> str:
    return "v-" + verdict.replace(" ", "-")


def badge(verdict: str, title: str = "") -> str:
    tip = f' title="{esc(title)}"' if title else ""
    return f'<span class="badge {verdict_class(verdict)}"{tip}>{esc(verdict)}</span>'


def page(title: str, body: Iterable[str]) -> str:
    """A complete, self-contained HTML document."""
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>",
            *body,
            "</body></html>",
            "",
        ]
    )


def counts_list(counts: Mapping[str, int]) -> str:
    items = []
    for verdict in VERDICTS:
        n = int(counts.get(verdict, 0))
        zero = " zero" if n == 0 else ""
        items.append(
            f'<li class="{verdict_class(verdict)}{zero}" data-verdict="{esc(verdict)}">'
            f'<span class="n">{n}</span>{esc(verdict)}</li>'
        )
    return f'<ul class="counts">{"".join(items)}</ul>'


def render_report(record: Mapping[str, Any]) -> str:
    """The HTML page of one run record: summary, matrix by endpoint and level, details."""
    requirements: Mapping[str, Mapping[str, Any]] = record.get("requirements", {})
    target = record.get("base_url", "")
    body = [
        _header(record),
        "<h2>Summary</h2>",
        counts_list(record.get("counts", {})),
        *_coverage(record.get("coverage")),
        "<h2>Requirements by endpoint and level</h2>",
        _matrix(requirements),
        "<h2>Details</h2>",
        *_details(requirements),
    ]
    return page(f"regconform report: {target}", body)


def _coverage(coverage: Mapping[str, Any] | None) -> list[str]:
    """What the run saw: statuses per endpoint, enum values accepted and returned."""
    if not coverage:
        return []
    rows = [
        f'<tr><th scope="row">{esc(endpoint)} answered</th><td>'
        + esc(", ".join(f"{status} x{n}" for status, n in counts.items()))
        + "</td></tr>"
        for endpoint, counts in coverage.get("statuses", {}).items()
    ]
    sent, seen = coverage.get("sent", {}), coverage.get("seen", {})
    for key in sorted({*sent, *seen}):
        accepted = ", ".join(sent.get(key, {})) or "none"
        returned = ", ".join(seen.get(key, {})) or "none"
        rows.append(
            f'<tr><th scope="row">{esc(key)}</th>'
            f"<td>sent and accepted: {esc(accepted)}; "
            f"seen in 200 answers: {esc(returned)}</td></tr>"
        )
    return ["<h2>Coverage</h2>", f'<table class="coverage" id="coverage">{"".join(rows)}</table>']


def _header(record: Mapping[str, Any]) -> str:
    good, said = _outcome(record)
    outcome = f'<span class="outcome {"good" if good else "bad"}">{esc(said)}</span>'
    started = record.get("started_at") or "unknown"
    meta = {
        "target": record.get("base_url"),
        "date": started,
        "duration": f"{record['duration_s']} s" if "duration_s" in record else None,
        "seed": record.get("seed"),
        "examples per test": record.get("max_examples"),
        "failing level": record.get("failing_level"),
        "profile": record.get("profile"),
        "baseline": record.get("baseline"),
        "requests sent": _requests_sent(record),
        "exit status": record.get("exit_status"),
        "regconform": record.get("version"),
        "contracts": ", ".join(
            f"{name} {digest[:12]}" for name, digest in record.get("contract_hashes", {}).items()
        ),
    }
    rows = "".join(
        f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in meta.items() if v not in (None, "")
    )
    return f'<h1>regconform report</h1>{outcome}<dl class="meta" id="meta">{rows}</dl>'


def _requests_sent(record: Mapping[str, Any]) -> object:
    """The count, or the floor when a worker never said what it sent (an interrupted run)."""
    if record.get("requests_sent") is None and record.get("workers_unreported"):
        floor, workers = record.get("requests_sent_at_least", 0), record["workers_unreported"]
        return f"at least {floor} ({workers} {UNREPORTED})"
    return record.get("requests_sent")


def _outcome(record: Mapping[str, Any]) -> tuple[bool, str]:
    """Whether the run as a whole conformed, and in words."""
    counts = record.get("counts", {})
    failed, known = int(counts.get("fail", 0)), int(counts.get("known deviation", 0))
    status = record.get("exit_status")
    if failed:
        return False, f"nonconformant: {failed} requirement(s) failed"
    if status == 5:
        missing = ", ".join(record.get("incomplete") or [])
        return (
            False,
            "incomplete: nothing broken, but MUST requirement(s) not exercised or not run: "
            + missing,
        )
    if status == 3:
        return False, "internal error of regconform: " + "; ".join(
            record.get("internal_errors", [])
        )
    if status == 1 and record.get("transport_failures"):
        return False, "the target broke down: " + record["transport_failures"][-1]
    if status not in (None, 0):
        return False, f"the run ended with exit status {status}"
    accepted = f" ({known} known deviation(s) accepted by the baseline)" if known else ""
    return True, f"conformant at the failing level{accepted}"


def _grouped(
    requirements: Mapping[str, Mapping[str, Any]],
) -> dict[str, dict[str, list[tuple[str, Mapping[str, Any]]]]]:
    """Requirements by operation, then level, in catalogue order."""
    groups: dict[str, dict[str, list[tuple[str, Mapping[str, Any]]]]] = {}
    for rid, req in requirements.items():
        by_level = groups.setdefault(str(req.get("operation", "both")), {})
        by_level.setdefault(str(req.get("level", "")), []).append((rid, req))
    known = [op for op in OPERATIONS if op in groups]
    return {op: groups[op] for op in [*known, *(op for op in groups if op not in OPERATIONS)]}


def _matrix(requirements: Mapping[str, Mapping[str, Any]]) -> str:
    head = "".join(f'<th scope="col">{level}</th>' for level in LEVELS)
    rows = []
    for operation, by_level in _grouped(requirements).items():
        cells = []
        for level in LEVELS:
            chips = "".join(
                f'<a class="chip {verdict_class(req["verdict"])}" href="#{esc(rid)}" '
                f'title="{esc(rid)}: {esc(req["verdict"])}">{esc(rid)}</a>'
                for rid, req in by_level.get(level, [])
            )
            cells.append(f"<td>{chips}</td>")
        label = OPERATIONS.get(operation, operation)
        rows.append(f'<tr><th scope="row">{esc(label)}</th>{"".join(cells)}</tr>')
    return (
        f'<table class="matrix" id="matrix"><thead><tr><th></th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _details(requirements: Mapping[str, Mapping[str, Any]]) -> list[str]:
    parts = []
    for operation, by_level in _grouped(requirements).items():
        parts.append(f"<h3>{esc(OPERATIONS.get(operation, operation))}</h3>")
        for level in [*LEVELS, *(lv for lv in by_level if lv not in LEVELS)]:
            if level not in by_level:
                continue
            rows = "".join(_row(rid, req) for rid, req in by_level[level])
            parts.append(f'<h4>{esc(level)}</h4><table class="reqs"><tbody>{rows}</tbody></table>')
    return parts


def _row(rid: str, req: Mapping[str, Any]) -> str:
    verdict = str(req.get("verdict", ""))
    failure = req.get("failure")
    note = req.get("note") or ""
    if (failure and note == headline(failure)) or verdict == "pass":
        note = ""  # the failure's own <summary> says it
    counted = f"{req.get('checked', 0)} checked" + (
        f", {req['violated']} violated" if req.get("violated") else ""
    )
    return (
        f'<tr id="{esc(rid)}" class="req" data-verdict="{esc(verdict)}">'
        f'<td class="id">{esc(rid)}</td><td class="verdict">{badge(verdict)}</td>'
        f'<td class="num">{esc(counted)}</td>'
        f"<td>{esc(req.get('statement'))}"
        + (f'<div class="note">{esc(note)}</div>' if note else "")
        + _expandable(verdict, req, failure)
        + "</td></tr>"
    )


def headline(failure: Mapping[str, Any]) -> str:
    """`ID [LEVEL] message`, from a report.json failure record."""
    return f"{failure.get('requirement')} [{failure.get('level')}] {failure.get('message')}"


def response_text(failure: Mapping[str, Any]) -> str:
    kind = failure.get("content_type") or "(no content type)"
    cut = "...(cut)" if failure.get("body_cut") else ""
    return f"HTTP {failure.get('status')} {kind}\n{failure.get('body') or ''}{cut}"


def _sequence(failure: Mapping[str, Any]) -> list[str]:
    """A stateful test's requests that led to the failure, in order (none elsewhere)."""
    sequence = failure.get("sequence") or []
    if not sequence:
        return []
    lines = "\n".join(f"{n}. {line}" for n, line in enumerate(sequence, start=1))
    return [
        f'<div class="label">sequence: {len(sequence)} request(s), in order</div>',
        f'<pre class="sequence">{esc(lines)}</pre>',
    ]


def _expandable(verdict: str, req: Mapping[str, Any], failure: Mapping[str, Any] | None) -> str:
    """The failing example (request, response) and the source quote, behind a <summary>."""
    quote = (
        f'<div class="label">source: {esc(req.get("source"))}</div>'
        f"<blockquote>{esc(req.get('quote'))}</blockquote>"
    )
    if verdict not in WITH_FAILURE or not failure:
        return f"<details><summary>source</summary>{quote}</details>"
    parts = [
        f'<details class="failure"><summary>{esc(headline(failure))}</summary>',
        '<div class="label">request (reproduce with curl)</div>',
        f'<pre class="curl">{esc(failure.get("request"))}</pre>',
        '<div class="label">response</div>',
        f'<pre class="response">{esc(response_text(failure))}</pre>',
        *_sequence(failure),
        quote,
    ]
    if req.get("baseline"):
        parts.append(f'<div class="label">baseline: {esc(req["baseline"].get("reason"))}</div>')
    tests = req.get("tests") or []
    if tests:
        parts.append(f'<div class="label">tests: {esc(", ".join(tests))}</div>')
    parts.append("</details>")
    return "".join(parts)
