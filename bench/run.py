"""Where a `regconform run` spends its time, against the physical limit and the peer tool.

    .venv/bin/python bench/run.py [--quick]

One reference server (a subprocess on loopback) serves every measurement; the table compares
numbers measured in this same run, and bench/results.json keeps them all. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from commands import BENCH, PEER_SEED, REPO, Bench, phases
from measure import Measured
from raw import best_rates, combined
from regconform.catalogue.contracts import COURSE_OPENAPI, EVENT_TRACK_OPENAPI
from regconform.reference.fixtures import DEFAULT_TOKEN, TOKEN_ENV
from regconform.target.embedded import embedded_server
from table import Row, goals, render, render_goals

RESULTS = BENCH / "results.json"
PEER_KILL_MATRIX = BENCH / "peer-kill-matrix.json"
COMMITTED_CASSETTES = REPO / "cassettes"
CASSETTE_METADATA = "regconform-cassettes.json"


@dataclass(frozen=True)
class Plan:
    repeats: int = 3  # of the default run and of the peer, interleaved; the fastest is shown
    scaling_repeats: int = 2  # of each --max-examples point
    replay_repeats: int = 2  # of the replay
    raw_count: int = 1000  # requests per endpoint and client for the physical limit
    raw_rounds: int = 5  # short bursts, interleaved; the fastest counts
    scaling: tuple[int, ...] = (25, 50, 100, 200)


QUICK = Plan(
    repeats=1, scaling_repeats=1, replay_repeats=1, raw_count=300, raw_rounds=3, scaling=(25, 50)
)


# ---- the measurements ------------------------------------------------------------------------


def measure_limit(bench: Bench, plan: Plan) -> tuple[Row, Row]:
    before, started = bench.server_cpu(), time.perf_counter()
    best = best_rates(bench.base_url, plan.raw_count, plan.raw_rounds)
    busy = (bench.server_cpu() - before) / (time.perf_counter() - started)
    rows = []
    for name, client in (
        ("physical limit: requests.Session", "raw"),
        ("  same through regconform Target", "transport"),
    ):
        rates = best[client]
        note = "course {course:.0f}/s, track {track:.0f}/s".format(**rates)
        rows.append(Row(name, None, rate=combined(rates), note=note, extra={"rates": rates}))
    rows[0].note += f"; best of {plan.raw_rounds} bursts; server busy {busy:.0%} meanwhile"
    return rows[0], rows[1]


def regconform_row(name: str, runs: list[tuple[Measured, dict[str, Any]]], note: str = "") -> Row:
    """The fastest of several runs (load on the machine only slows a run down), with the peak
    memory of all of them; results.json keeps every run's wall and CPU time."""
    measured, report = min(runs, key=lambda run: run[0].wall)
    probe = report["probe"]
    suite = probe["suite_seconds"]
    return Row(
        name,
        measured.wall,
        cases=probe["judged"],
        rate=probe["judged"] / suite if suite else None,
        rate_wall=probe["judged"] / measured.wall,
        cpu=measured.cpu,
        server_cpu=measured.server_cpu,
        peak_mb=max(m.peak_tree_rss_mb for m, _ in runs),
        connections=measured.connections if measured.server_cpu is not None else None,
        note=note or f"{report['requests_sent']} requests sent (report.json)",
        extra={
            "walls": [m.wall for m, _ in runs],
            "cpus": [m.cpu for m, _ in runs],
            "suite_seconds": suite,
            "phases": phases(measured, probe["marks"]),
            "requests_sent_report": report["requests_sent"],
            "requests_sent_probe": probe["sent"],
            "max_rss_mb": max(m.max_rss_mb for m, _ in runs),
            "verdicts": verdicts(report),
            "tests": probe.get("tests", {}),
        },
    )


def verdicts(report: dict[str, Any]) -> dict[str, list[Any]]:
    return {rid: [r["verdict"], r["checked"]] for rid, r in report["requirements"].items()}


def measure_against_peer(bench: Bench, plan: Plan) -> tuple[Row, Row]:
    """The default run and the peer, interleaved (the machine's load drifts; interleaving
    spreads it evenly over both)."""
    default, peer = [], []
    for _ in range(plan.repeats):
        default.append(bench.regconform())
        peer.append([bench.peer(contract) for contract in (COURSE_OPENAPI, EVENT_TRACK_OPENAPI)])
    return regconform_row("regconform run --profile P (default)", default), peer_row(peer)


def peer_row(repeats: list[list[tuple[Measured, int]]]) -> Row:
    """Both contracts' st runs count as one run; the fastest of the repeats."""
    totals = sorted(
        ((sum(m.wall for m, _ in runs), sum(m.cpu for m, _ in runs), runs) for runs in repeats),
        key=lambda total: total[0],
    )
    wall, cpu, runs = totals[0]
    cases = sum(n for _, n in runs)
    return Row(
        "peer: st run --checks all (2 contracts)",
        wall,
        cases=cases,
        rate_wall=cases / wall,
        cpu=cpu,
        server_cpu=sum(m.server_cpu or 0.0 for m, _ in runs),
        peak_mb=max(m.peak_tree_rss_mb for runs in repeats for m, _ in runs),
        connections=sum(m.connections for m, _ in runs),
        note=f"schemathesis CLI, seed {PEER_SEED}, its default max-examples",
        extra={
            "walls": [w for w, _, _ in totals],
            "cpus": [c for _, c, _ in totals],
            "cases_per_contract": [n for _, n in runs],
        },
    )


def measure_embedded(bench: Bench) -> Row:
    return regconform_row(
        "regconform run (no target: embedded)",
        [bench.regconform(target=False)],
        note="includes starting its own server",
    )


def replay_available(bench: Bench) -> bool:
    command = [sys.executable, "-m", "regconform", "run", "--help"]
    shown = subprocess.run(command, env=bench.env, capture_output=True, text=True, check=False)
    return "--replay" in shown.stdout


def measure_replay(bench: Bench, plan: Plan) -> list[Row]:
    """Replay the committed cassettes (with none committed, record some first and time that)."""
    name = "replay of committed cassettes"
    if not replay_available(bench):
        return [Row(name, None, note="n/a: no `run --replay` yet")]
    rows, folder = [], COMMITTED_CASSETTES
    try:
        if not (folder / CASSETTE_METADATA).exists():
            name, folder = "replay of cassettes the bench recorded", bench.work / "cassettes"
            recorded = bench.regconform("--record", "--cassettes", str(folder))
            rows.append(regconform_row("  recording them (--record)", [recorded]))
        replay = ("--replay", "--cassettes", str(folder))
        replayed = [bench.regconform(*replay, target=False) for _ in range(plan.replay_repeats)]
    except RuntimeError as exc:
        said = [line for line in str(exc).splitlines() if line.strip()]
        return [*rows, Row(name, None, note=f"n/a: {said[-1][:120] if said else exc}")]
    row = regconform_row(name, replayed, note="regconform run --replay: no server")
    return [row, *rows]


def measure_scaling(bench: Bench, plan: Plan, default: Row) -> tuple[list[Row], dict[str, Any]]:
    """The default run with more examples; the 25-example point is the default run itself."""
    rows, by_examples = [], {}
    for n in plan.scaling:
        row = default
        if n != 25:
            runs = [bench.regconform("--max-examples", str(n)) for _ in range(plan.scaling_repeats)]
            row = regconform_row(f"  --max-examples {n}", runs)
            rows.append(row)
        by_examples[n] = row
    first, last = by_examples[plan.scaling[0]], by_examples[plan.scaling[-1]]
    marginal = None
    if first.wall and last.wall and last.wall > first.wall and first.cases and last.cases:
        marginal = (last.cases - first.cases) / (last.wall - first.wall)
    return rows, {
        "marginal_cases_per_s": marginal,
        "points": [
            {"max_examples": n, "wall": r.wall, "cpu": r.cpu, "judged": r.cases}
            for n, r in by_examples.items()
        ],
        "wall": fit([(n, r.wall) for n, r in by_examples.items()]),
        "cpu": fit([(n, r.cpu) for n, r in by_examples.items()]),
    }


def fit(points: Sequence[tuple[int, float | None]]) -> dict[str, float]:
    """Least squares y = fixed + per_example * max_examples; R² says how linear it is."""
    xs, ys = [float(x) for x, _ in points], [float(y or 0.0) for _, y in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs) or 1.0
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
    fixed = mean_y - slope * mean_x
    residual = sum((y - fixed - slope * x) ** 2 for x, y in zip(xs, ys, strict=True))
    total = sum((y - mean_y) ** 2 for y in ys) or 1.0
    return {"fixed_seconds": fixed, "seconds_per_example": slope, "r_squared": 1 - residual / total}


def measure_xdist(bench: Bench) -> tuple[Row, Row, dict[str, Any]]:
    serial = regconform_row("  -n 0 (xdist, serial)", [bench.regconform("--", "-n", "0")])
    parallel = regconform_row("  -n 2 (xdist, 2 workers)", [bench.regconform("--", "-n", "2")])
    parallel.note = (
        f"report.json requests_sent={parallel.extra['requests_sent_report']}, "
        f"probe counted {parallel.extra['requests_sent_probe']}"
    )
    assert serial.wall and parallel.wall
    first, second = serial.extra["verdicts"], parallel.extra["verdicts"]
    return (
        serial,
        parallel,
        {
            "speedup": serial.wall / parallel.wall,
            "verdicts_identical": {k: v[0] for k, v in first.items()}
            == {k: v[0] for k, v in second.items()},
            "checked_counts_identical": first == second,
            # Under the user's own -n K read-back is left out (README): those ids differ.
            "verdicts_differ_on": sorted(
                k for k in first if first[k][0] != second.get(k, ("",))[0]
            ),
        },
    )


# ---- the whole run ---------------------------------------------------------------------------


def environment() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE", ""),
        "load_average_at_end": os.getloadavg(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def ratios(
    rows: dict[str, Row], xdist: dict[str, Any], scaling: dict[str, Any]
) -> dict[str, float | None]:
    default, peer, limit = rows["default"], rows["peer"], rows["limit"]
    assert default.wall and peer.wall and limit.rate and default.rate and default.rate_wall
    return {
        "regconform_wall_over_peer_wall": default.wall / peer.wall,
        "regconform_cpu_over_peer_cpu": (default.cpu or 0) / (peer.cpu or 1),
        "peer_cases_per_wall_s_over_regconform": (peer.rate_wall or 0) / default.rate_wall,
        "validated_rate_over_raw_rate": default.rate / limit.rate,
        "validated_per_wall_s_over_raw_rate": default.rate_wall / limit.rate,
        # what each further --max-examples step adds: cases per extra wall second, over raw
        "marginal_validated_rate_over_raw_rate": (scaling["marginal_cases_per_s"] or 0)
        / limit.rate,
        "transport_rate_over_raw_rate": (rows["transport"].rate or 0) / limit.rate,
        "xdist_2_speedup": xdist["speedup"],
    }


def progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def measure_all(bench: Bench, plan: Plan) -> dict[str, Any]:
    progress("physical limit")
    limit, transport = measure_limit(bench, plan)
    progress(f"default run and the peer, interleaved, {plan.repeats}x")
    default, peer = measure_against_peer(bench, plan)
    progress("the no-argument run")
    embedded = measure_embedded(bench)
    progress("replay")
    replay, *replay_rows = measure_replay(bench, plan)
    progress("scaling with --max-examples")
    scaled, scaling = measure_scaling(bench, plan, default)
    progress("xdist -n 0 / -n 2")
    serial, parallel, xdist = measure_xdist(bench)
    table = [limit, transport, default, embedded, peer, replay, *replay_rows]
    table += [*scaled, serial, parallel]
    named = {"default": default, "peer": peer, "limit": limit, "transport": transport}
    peaks = [r.peak_mb for r in (default, embedded, replay) if r.peak_mb]
    return {
        "rows": table,
        "ratios": ratios(named, xdist, scaling),
        "goals": goals(default, peer, limit, replay, peaks),
        "scaling": scaling,
        "xdist": xdist,
    }


def load_note(start: tuple[float, ...], end: tuple[float, ...]) -> str:
    cpus = os.cpu_count() or 1
    note = f"load average {start[0]:.1f} at the start, {end[0]:.1f} at the end, {cpus} CPUs"
    if max(start[0], end[0]) > cpus:
        note += ": the machine was busy, wall times are inflated (CPU seconds much less so)"
    return note


def report(found: dict[str, Any], seconds: float) -> str:
    scaling, xdist = found["scaling"], found["xdist"]
    lines = [render(found["rows"]), "", "ratios (same run):"]
    lines += [f"  {name}: {value:.3f}" for name, value in found["ratios"].items() if value]
    for kind in ("wall", "cpu"):
        line = scaling[kind]
        lines.append(
            f"scaling ({kind}): {line['fixed_seconds']:.2f} s + "
            f"{line['seconds_per_example'] * 1000:.1f} ms x max-examples "
            f"(R² {line['r_squared']:.3f})"
        )
    lines.append(
        f"xdist -n 2 vs -n 0: speedup {xdist['speedup']:.2f}x, verdicts identical: "
        f"{xdist['verdicts_identical']}, checked counts identical: "
        f"{xdist['checked_counts_identical']}"
        + (
            f" (verdicts differ on {', '.join(xdist['verdicts_differ_on'])})"
            if xdist.get("verdicts_differ_on")
            else ""
        )
    )
    for row in found["rows"]:
        if row.extra.get("phases") and not row.name.startswith("  -"):
            spent = ", ".join(f"{k} {v:.2f}" for k, v in row.extra["phases"].items())
            lines.append(f"phases of {row.name.strip()}: {spent}")
    lines += where_the_loop_goes(found["rows"])
    lines += ["goals:", render_goals(found["goals"]), *catching(), found["load_note"]]
    lines.append(f"bench took {seconds:.0f} s")
    return "\n".join(lines)


def catching() -> list[str]:
    """The "while catching more" half of the speed goal, from bench/peer_kill_matrix.py's last
    run (it takes minutes, so it is a command of its own)."""
    if not PEER_KILL_MATRIX.exists():
        return ["  catching: run bench/peer_kill_matrix.py to compare the kill matrices"]
    found = json.loads(PEER_KILL_MATRIX.read_text(encoding="utf-8"))
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(PEER_KILL_MATRIX.stat().st_mtime))
    return [
        f"  catching (bench/peer_kill_matrix.py, {when}): the peer caught "
        f"{found['peer_caught']}/{found['mutants']} mutants, regconform "
        f"{found['regconform_caught']}/{found['mutants']}"
    ]


def where_the_loop_goes(rows: list[Row]) -> list[str]:
    """The default run's tests by the time their calls took, each with its cases per second
    against the physical limit: which tests keep up with the server and which generate."""
    default = next(r for r in rows if r.name.startswith("regconform run --profile P"))
    limit = rows[0].rate or 0.0
    tests = sorted(default.extra.get("tests", {}).items(), key=lambda t: -t[1]["seconds"])
    lines = ["where the default run's test loop goes (calls only; rate / physical limit):"]
    for name, test in tests:
        per_case = test["seconds"] / test["judged"] if test["judged"] else None
        share = f"{1 / per_case / limit:4.0%}" if per_case and limit else " n/a"
        lines.append(
            f"  {test['seconds'] * 1000:6.0f} ms {test['judged']:4d} cases "
            f"{(per_case or 0) * 1000:5.2f} ms/case {share}  {name}"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat, fewer points (~25 s)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where results go")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else Plan()
    started, load = time.perf_counter(), os.getloadavg()
    os.environ.setdefault(TOKEN_ENV, DEFAULT_TOKEN)
    with (
        tempfile.TemporaryDirectory(prefix="regconform-bench-") as work,
        embedded_server() as (base_url, profile),
    ):
        progress(f"reference server at {base_url}")
        found = measure_all(Bench(base_url, profile, Path(work)), plan)
    seconds = time.perf_counter() - started
    found["load_note"] = load_note(load, os.getloadavg())
    print(report(found, seconds))
    record = {**found, "rows": [asdict(r) for r in found["rows"]], "plan": asdict(plan)}
    record |= {"environment": environment() | {"load_average_at_start": load}}
    record["bench_seconds"] = seconds
    args.output.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
