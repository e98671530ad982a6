"""The bench's table, its ratios and its goals, from rows measured in one run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Row:
    """One line of the table."""

    name: str
    wall: float | None
    cases: int | None = None
    rate: float | None = None  # cases per second of suite time (the test loop)
    rate_wall: float | None = None  # cases per wall second
    cpu: float | None = None  # CPU seconds of the measured process tree
    server_cpu: float | None = None  # CPU seconds of the server meanwhile
    peak_mb: float | None = None
    connections: int | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


HEADER: tuple[str, ...] = ("measurement", "wall s", "CPU s", "srv CPU", "cases", "/suite s")
HEADER += ("/wall s", "peak MB", "TCP", "note")
WIDTHS = (40, 7, 6, 7, 6, 8, 7, 7, 4, 0)


def _cell(value: Any, digits: int = 1) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def render(rows: list[Row]) -> str:
    lines = [_line(HEADER), _line((*("-" * w for w in WIDTHS[:-1]), "-" * 4))]
    for row in rows:
        cells = (
            row.name,
            _cell(row.wall, 2),
            _cell(row.cpu, 2),
            _cell(row.server_cpu, 2),
            _cell(row.cases),
            _cell(row.rate, 0),
            _cell(row.rate_wall, 0),
            _cell(row.peak_mb, 0),
            _cell(row.connections),
            row.note,
        )
        lines.append(_line(cells))
    return "\n".join(lines)


def _line(cells: tuple[str, ...]) -> str:
    parts = [
        cell.ljust(width) if i == 0 else cell.rjust(width)
        for i, (cell, width) in enumerate(zip(cells[:-1], WIDTHS[:-1], strict=True))
    ]
    return " ".join([*parts, cells[-1]]).rstrip()


def goals(
    default: Row, peer: Row, limit: Row, replay: Row, peaks: list[float]
) -> dict[str, dict[str, Any]]:
    """Each goal of issue 9: the measured value, the bound, and whether it is met (None: not
    judged here)."""
    assert default.wall and peer.wall and limit.rate and default.rate

    def goal(value: float | None, bound: float, met: bool | None, unit: str) -> dict[str, Any]:
        return {"value": value, "bound": bound, "met": met, "unit": unit}

    speedup = peer.wall / default.wall
    share = default.rate / limit.rate
    peak = max(peaks)
    return {
        "default run at most 20 s": goal(default.wall, 20.0, default.wall <= 20.0, "s"),
        "at least 2x faster than the peer": goal(speedup, 2.0, speedup >= 2.0, "x"),
        # Retired by issue 19 (a generation-bound test cannot reach it; the test loop's rows
        # above show each test's rate over the limit): shown, judged neither way.
        "(retired) validated cases/s at least 50% of raw": goal(share, 0.5, None, "of raw"),
        "replay under 5 s": goal(
            replay.wall, 5.0, None if replay.wall is None else replay.wall < 5.0, "s"
        ),
        "memory peak under 300 MB": goal(peak, 300.0, peak < 300.0, "MB"),
    }


def render_goals(found: dict[str, dict[str, Any]]) -> str:
    lines = []
    for name, g in found.items():
        verdict = {True: "met", False: "NOT met", None: "n/a"}[g["met"]]
        value = "n/a" if g["value"] is None else f"{g['value']:.2f} {g['unit']}"
        lines.append(f"  {verdict:8} {name}: {value} (bound {g['bound']:g} {g['unit']})")
    return "\n".join(lines)
