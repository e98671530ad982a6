"""The commands the bench measures, against its one server: `regconform run` (probed) and the
peer's `st run`."""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench_probe import PROBE_DIR_ENV
from measure import Measured, child_pids, cpu_seconds, run_measured
from regconform.catalogue.contracts import contracts_dir
from regconform.reference.fixtures import DEFAULT_TOKEN, TOKEN_ENV

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PEER_CONFIG = REPO / "tests" / "reference" / "schemathesis.toml"
PEER_SEED = "20250418"  # the seed of tests/reference/test_schemathesis_agrees.py
# Settings a user's environment could carry into a measured run; the bench wants defaults.
SCRUBBED_ENV: tuple[str, ...] = (
    "REGCONFORM_BASE_URL",
    "REGCONFORM_SEED",
    "REGCONFORM_MAX_EXAMPLES",
)
SCRUBBED_ENV += ("REGCONFORM_LEVEL", "PYTEST_ADDOPTS", "HYPOTHESIS_PROFILE")


class Bench:
    """Runs every measurement against one server, in one environment."""

    def __init__(self, base_url: str, profile: Path, work: Path) -> None:
        self.base_url, self.profile, self.work = base_url, profile, work
        self.port = urlsplit(base_url).port
        self.server_pid = server_pid()
        self.env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
        self.env[TOKEN_ENV] = DEFAULT_TOKEN
        path = [str(BENCH), self.env.get("PYTHONPATH", "")]
        self.env["PYTHONPATH"] = os.pathsep.join(p for p in path if p)
        self._runs = 0

    def server_cpu(self) -> float:
        return cpu_seconds(self.server_pid) if self.server_pid else 0.0

    def measure(self, command: list[str], env: dict[str, str], ours: bool = True) -> Measured:
        """Run a command; count connections and server CPU when it targets our server."""
        before = self.server_cpu()
        port = self.port if ours else None
        measured = run_measured(command, env=env, cwd=REPO, server_port=port)
        if ours and self.server_pid:
            measured.server_cpu = self.server_cpu() - before
        return measured

    def regconform(self, *args: str, target: bool = True) -> tuple[Measured, dict[str, Any]]:
        """`regconform run ARGS`, probed; its measurement and report.json (plus probe totals)."""
        self._runs += 1
        report_dir = self.work / f"run-{self._runs}"
        probe_dir = report_dir / "probe"
        probe_dir.mkdir(parents=True)
        where = ["--profile", str(self.profile)] if target else []
        command = [sys.executable, "-m", "regconform", "run", *where]
        command += ["--report-dir", str(report_dir), *args]
        command += [*([] if "--" in args else ["--"]), "-p", "bench_probe"]
        env = {**self.env, PROBE_DIR_ENV: str(probe_dir)}
        measured = self.measure(command, env, ours=target)
        if measured.returncode != 0:
            raise RuntimeError(
                f"{shlex.join(command)} exited {measured.returncode}:\n{tail(measured)}"
            )
        report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
        report["probe"] = merge_probes(probe_dir)
        return measured, report

    def peer(self, contract: str) -> tuple[Measured, int]:
        """`st run --checks all` on one contract; its measurement and the cases it reports."""
        command = [str(Path(sys.executable).with_name("st")), "--no-color"]
        command += ["--config-file", str(PEER_CONFIG), "run", str(contracts_dir() / contract)]
        command += ["--url", self.base_url, "--checks", "all", "--seed", PEER_SEED]
        measured = self.measure(command, self.env)
        found = re.search(r"(\d+) generated", measured.stdout)
        if measured.returncode != 0 or not found:
            raise RuntimeError(f"the peer failed on {contract}:\n{tail(measured)}")
        return measured, int(found.group(1))


def server_pid() -> int | None:
    """The reference server the bench started: its child running `regconform serve`."""
    for pid in child_pids(os.getpid()):
        try:
            if b"serve" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0"):
                return pid
        except OSError:
            continue
    return None


def tail(measured: Measured) -> str:
    return measured.stdout[-3000:]


def merge_probes(folder: Path) -> dict[str, Any]:
    """Judged and sent totals over every process (per test too); the main process's suite time."""
    records = [json.loads(p.read_text()) for p in sorted(folder.glob("probe-*.json"))]
    main = next((r for r in records if r["worker"] == "main"), None)
    marks = main["marks"] if main else {}
    loop = marks.get("loop_end", 0.0) - marks.get("loop_start", 0.0)
    return {
        "judged": sum(r["judged"] for r in records),
        "sent": sum(r["sent"] for r in records),
        "processes": len(records),
        "tests": {name: t for r in records for name, t in r.get("tests", {}).items()},
        "suite_seconds": loop if loop > 0 else None,
        "marks": marks,
    }


PHASES = (
    ("start-up to pytest", "imported"),
    ("plugins loaded", "configured"),
    ("collection", "collected"),
    ("test loop", "loop_end"),
)


def phases(measured: Measured, marks: dict[str, float]) -> dict[str, float]:
    """Seconds from the process start to pytest, loading plugins, collecting, testing, exit."""
    found, last = {}, measured.started_at
    for name, mark in PHASES:
        if mark not in marks:
            return {}
        found[name], last = marks[mark] - last, marks[mark]
    found["report and exit"] = measured.ended_at - last
    return found
