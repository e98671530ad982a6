"""Which shipped mutants does the peer catch? `st run --checks all` against every mutant, beside
regconform's own kill matrix: the "while catching more" half of the speed goal.

    .venv/bin/python bench/peer_kill_matrix.py [--jobs 2] [--only NAME ...]

For each mutant (and the reference server) the peer runs with bench/commands.py's settings
(tests/reference/schemathesis.toml, its default max-examples, a fixed seed) on the contract of
the mutant's endpoint (both for GEN-* mutants). The peer "catches" a mutant when a run reports a
failure (exit 1); regconform catches one when its report flags the mutant's own requirement
(`regconform selftest`, at --level all), which is the stricter test. Prints a table and writes
bench/peer-kill-matrix.json (git-ignored). Takes ~5-8 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from commands import BENCH, PEER_CONFIG, PEER_SEED, REPO
from regconform.catalogue.contracts import COURSE_OPENAPI, EVENT_TRACK_OPENAPI, contracts_dir
from regconform.mutants import MUTANTS, Mutant, get_mutant
from regconform.mutants.killmatrix import child_env, kill_matrix, served

RESULTS = BENCH / "peer-kill-matrix.json"
ST = Path(sys.executable).with_name("st")
PEER_TIMEOUT = 300.0
FAILURE_LINE = re.compile(r"^\s*❌ (ST\d+ .+): \d+$")  # the summary's "Failures:" lines


@dataclass(frozen=True)
class PeerOutcome:
    target: str  # a mutant's name, or "reference"
    requirement: str | None
    exit_codes: list[int]  # one per contract run: 0 passed, 1 failures, 2 errors
    failures: list[str]  # the check failures the peer named
    seconds: float

    @property
    def caught(self) -> bool:
        return 1 in self.exit_codes


def contracts_for(mutant: Mutant | None) -> list[str]:
    if mutant is None or mutant.requirement.startswith("GEN-"):
        return [COURSE_OPENAPI, EVENT_TRACK_OPENAPI]
    return [COURSE_OPENAPI if mutant.requirement.startswith("CR-") else EVENT_TRACK_OPENAPI]


def peer_run(mutant: Mutant | None) -> PeerOutcome:
    """Serve `mutant` (None: the reference server) and run the peer on its contract(s)."""
    started, codes, failures = time.monotonic(), [], []
    with (
        tempfile.TemporaryDirectory(prefix="regconform-peer-") as tmp,
        served(mutant, Path(tmp)) as (base_url, _profile),
    ):
        for contract in contracts_for(mutant):
            command = [str(ST), "--no-color", "--config-file", str(PEER_CONFIG), "run"]
            command += [str(contracts_dir() / contract), "--url", base_url]
            command += ["--checks", "all", "--seed", PEER_SEED]
            done = subprocess.run(
                command,
                cwd=REPO,  # the config names its hooks file relative to the repository
                env=child_env(),
                capture_output=True,
                text=True,
                timeout=PEER_TIMEOUT,
                check=False,
            )
            codes.append(done.returncode)
            found = (FAILURE_LINE.match(line) for line in done.stdout.splitlines())
            failures += [match.group(1) for match in found if match]
    name = mutant.name if mutant else "reference"
    requirement = mutant.requirement if mutant else None
    return PeerOutcome(name, requirement, codes, failures, time.monotonic() - started)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="targets at a time (default 2)")
    parser.add_argument("--only", nargs="*", default=None, help="these mutants only")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where results go")
    args = parser.parse_args(argv)
    mutants = [get_mutant(name) for name in args.only] if args.only else list(MUTANTS)
    started = time.monotonic()
    print(f"peer: st run --checks all on {len(mutants)} mutants", file=sys.stderr, flush=True)
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        peer = list(pool.map(peer_run, [None, *mutants]))
    print("regconform: the kill matrix (regconform selftest)", file=sys.stderr, flush=True)
    ours = kill_matrix(mutants, jobs=args.jobs)
    reference, peer_rows = peer[0], peer[1:]
    lines = [f"{'mutant':40} {'requirement':11} {'peer':7} regconform  peer's failures"]
    for outcome, row in zip(peer_rows, ours.rows, strict=True):
        peer_says = (
            "ERROR"
            if 2 in outcome.exit_codes and not outcome.caught
            else ("caught" if outcome.caught else "missed")
        )
        mine = "caught" if row.caught else ("ERROR" if row.error else "missed")
        named = ", ".join(sorted(set(outcome.failures)))[:70]
        lines.append(
            f"{outcome.target:40} {outcome.requirement:11} {peer_says:7} {mine:11} {named}"
        )
    peer_caught = sum(o.caught for o in peer_rows)
    only_ours = [
        o.target for o, r in zip(peer_rows, ours.rows, strict=True) if r.caught and not o.caught
    ]
    only_peer = [
        o.target for o, r in zip(peer_rows, ours.rows, strict=True) if o.caught and not r.caught
    ]
    lines += [
        "",
        f"reference server: peer exit codes {reference.exit_codes}, "
        f"regconform false alarms: {list(ours.false_alarms) or 'none'}",
        f"peer caught {peer_caught}/{len(peer_rows)}; "
        f"regconform caught {ours.caught}/{len(ours.rows)}",
        f"caught by regconform only ({len(only_ours)}): {', '.join(only_ours) or 'none'}",
        f"caught by the peer only ({len(only_peer)}): {', '.join(only_peer) or 'none'}",
        f"took {time.monotonic() - started:.0f} s",
    ]
    print("\n".join(lines))
    record = {
        "peer": [asdict(o) | {"caught": o.caught} for o in peer],
        "regconform": {r.label: {"caught": r.caught, "flagged": r.flagged} for r in ours.rows},
        "regconform_false_alarms": list(ours.false_alarms),
        "peer_caught": peer_caught,
        "regconform_caught": ours.caught,
        "mutants": len(peer_rows),
        "caught_by_regconform_only": only_ours,
        "caught_by_peer_only": only_peer,
    }
    args.output.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
