"""compare.html: several runs side by side, one column per target, one row per requirement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from regconform.report.html import OPERATIONS, badge, esc, page, verdict_class
from regconform.report.run_record import VERDICTS

Column = tuple[str, Mapping[str, Any]]  # (label, run record)
Requirement = Mapping[str, Any]


def render_compare(columns: Sequence[Column]) -> str:
    """The HTML page comparing these runs; rows in catalogue order (the first record's)."""
    rows = {rid: _cells(columns, rid) for rid in _row_ids(columns)}
    differ = sum(1 for found in rows.values() if len(set(_verdicts(found))) > 1)
    body = [
        "<h1>regconform comparison</h1>",
        f'<p class="note" id="differ">{differ} of {len(rows)} requirements differ between '
        "these runs (highlighted).</p>",
        *_contract_warning(columns),
        '<table class="compare"><thead><tr><th>requirement</th><th>level</th>',
        *(_column_head(label, record) for label, record in columns),
        "</tr></thead><tbody>",
        *_rows(rows, len(columns)),
        "</tbody></table>",
    ]
    return page("regconform comparison: " + ", ".join(label for label, _ in columns), body)


def _row_ids(columns: Sequence[Column]) -> list[str]:
    ids: dict[str, None] = {}
    for _, record in columns:
        ids.update(dict.fromkeys(record.get("requirements", {})))
    return list(ids)


def _cells(columns: Sequence[Column], rid: str) -> list[Requirement]:
    """This requirement in each run; {} where a run does not know it."""
    return [record.get("requirements", {}).get(rid) or {} for _, record in columns]


def _verdicts(found: list[Requirement]) -> list[str]:
    return [str(req.get("verdict", "")) if req else "absent" for req in found]


def _contract_warning(columns: Sequence[Column]) -> list[str]:
    hashes = {repr(sorted(r.get("contract_hashes", {}).items())) for _, r in columns}
    if len(hashes) <= 1:
        return []
    return [
        '<p class="warning">These runs used different contracts (see the contract hashes in '
        "each report): a requirement may not mean the same thing in every column.</p>"
    ]


def _column_head(label: str, record: Mapping[str, Any]) -> str:
    counts = record.get("counts", {})
    badges = " ".join(
        f'<span class="badge {verdict_class(verdict)}" data-verdict="{esc(verdict)}">'
        f"{int(counts[verdict])} {esc(verdict)}</span>"
        for verdict in VERDICTS
        if counts.get(verdict)
    )
    return (
        f'<th scope="col" class="target">{esc(label)}'
        f'<div class="label">{esc(record.get("base_url"))}<br>'
        f"{esc(record.get('started_at'))} · seed {esc(record.get('seed'))} · "
        f"regconform {esc(record.get('version'))}</div><div>{badges}</div></th>"
    )


def _rows(rows: Mapping[str, list[Requirement]], width: int) -> list[str]:
    html = []
    operation = None
    for rid, found in rows.items():
        first = next(req for req in found if req)
        if first.get("operation") != operation:
            operation = first.get("operation")
            label = OPERATIONS.get(str(operation), str(operation))
            html.append(f'<tr><th colspan="{width + 2}"><h3>{esc(label)}</h3></th></tr>')
        verdicts = _verdicts(found)
        differs = ' class="differs"' if len(set(verdicts)) > 1 else ""
        cells = "".join(
            f'<td class="cell">{badge(verdict, str(req.get("note") or ""))}</td>'
            for verdict, req in zip(verdicts, found, strict=True)
        )
        html.append(
            f'<tr id="{esc(rid)}"{differs}>'
            f'<td class="id" title="{esc(first.get("statement"))}">{esc(rid)}</td>'
            f'<td class="num">{esc(first.get("level"))}</td>{cells}</tr>'
        )
    return html
