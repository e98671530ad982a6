"""The README's test command, timed, beside a measure of the machine taken in the same run.

    .venv/bin/python bench/selftests.py     # the self-tests once (~4-7 minutes) and 6 default runs

Issue 19 asks for the self-tests in <= 4 minutes "on a quiet 2-core machine". A wall time alone
says as much about the machine as about the tests: this 2-core machine, idle both times, ran the
self-tests in 212 s one day (979 tests) and in 352-371 s another (1017 tests), when its default
run took 4.9 s, where the brief has it at ~2 s. So the row comes with:

- the machine's speed, measured here: the no-argument `regconform run` (its embedded server,
  sequential, CPU-bound), the fastest of 3 just before the self-tests and 3 just after;
- how busy the machine was while the self-tests ran (/proc/stat): busy CPU seconds over wall x
  cores (1.0: both cores busy the whole time; the self-tests are CPU-bound, so a low figure
  means they waited on something) and the steal share (a host taking the cores away).

It prints the self-tests' wall over the default run's, and what that ratio gives on a machine
whose default run takes 2.0 s (the quiet machine: the brief's "the default run in ~2 s"): an
estimate, labelled as one. Nothing here asserts a timing. Writes bench/selftests.json.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
QUIET_DEFAULT_RUN_S = 2.0  # the default run on a quiet day of this machine (the brief: "~2 s")
GOAL_S = 240.0
ENV = {k: v for k, v in os.environ.items() if not k.startswith("REGCONFORM_")}
ENV.pop("PYTEST_ADDOPTS", None)


def cpu_times() -> tuple[float, float, float]:
    """(busy, steal, total) seconds of every core since boot, from /proc/stat's `cpu` line."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    busy = user + nice + system + irq + softirq
    return busy / tick, steal / tick, (busy + idle + iowait + steal) / tick


def timed(command: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.monotonic()
    done = subprocess.run(command, cwd=cwd, env=ENV, capture_output=True, text=True, check=False)
    return time.monotonic() - started, done


def default_run() -> float:
    """The fastest of 3 no-argument runs (other load only ever slows a run down)."""
    walls = []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as folder:
            command = [sys.executable, "-m", "regconform", "run", "--report-dir", folder]
            wall, done = timed(command, REPO)
        if done.returncode != 0:
            sys.exit(f"the default run exited {done.returncode}:\n{done.stdout[-2000:]}")
        walls.append(wall)
    return min(walls)


def main() -> None:
    before = default_run()
    busy0, steal0, total0 = cpu_times()
    # The README's command; -rfE lists what failed (it changes nothing else).
    wall, done = timed([sys.executable, "-m", "pytest", "-rfE"], REPO)
    busy1, steal1, total1 = cpu_times()
    after = default_run()
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-500:]
    if done.returncode != 0:
        failed = [line for line in done.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
        sys.exit("\n".join([f"the self-tests exited {done.returncode}: {summary}", *failed]))
    passed = re.search(r"(\d+) passed", summary)
    machine = min(before, after)
    elapsed = total1 - total0
    row = {
        "self-tests wall_s": round(wall, 1),
        "tests passed": int(passed.group(1)) if passed else None,
        "summary": summary,
        "default run wall_s (fastest of 3, before)": round(before, 2),
        "default run wall_s (fastest of 3, after)": round(after, 2),
        "cores": os.cpu_count(),
        "busy share of the cores": round((busy1 - busy0) / elapsed, 2) if elapsed else None,
        "steal share": round((steal1 - steal0) / elapsed, 3) if elapsed else None,
        "self-tests / default run": round(wall / machine, 1),
        "estimate at a 2.0 s default run": round(wall / machine * QUIET_DEFAULT_RUN_S, 1),
    }
    for name, value in row.items():
        print(f"{name:<45} {value}")
    estimate = row["estimate at a 2.0 s default run"]
    print(
        f"goal: README test command <= {GOAL_S:.0f} s on a quiet 2-core machine: "
        f"{wall:.0f} s here (default run {machine:.2f} s); estimated {estimate} s where the "
        f"default run takes {QUIET_DEFAULT_RUN_S} s (an estimate: the ratio, not a measurement)"
    )
    (BENCH / "selftests.json").write_text(json.dumps(row, indent=2) + "\n")


if __name__ == "__main__":
    main()
