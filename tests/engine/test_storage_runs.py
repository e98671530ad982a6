"""What the storage requirements see, end to end: `regconform run` against servers that answer
right but keep wrong (shipped mutants, over loopback HTTP), with and without read-back.

The kill matrix (tests/test_kill_matrix.py) proves every mutant is caught by its own id; these
show what a user reads: the shortest failing sequence as curl lines, and what a profile without
`read_path` leaves out.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path

import tomli_w

from regconform.reference.fixtures import DEFAULT_TOKEN
from regconform.target.embedded import embedded_server
from runner import Run, regconform

READ_BACK = ("CR-048", "ETR-020", "ETR-021")


def run(profile: Path, report_dir: Path, *args: str) -> Run:
    """`regconform run` against `profile`, five examples a test, reports in `report_dir`."""
    return regconform(
        "run", "--profile", profile, *args, "--max-examples", "5", report_dir=report_dir
    )


def without_read_paths(profile: Path, to: Path) -> Path:
    raw = tomllib.loads(profile.read_text())
    for section in ("course_registrations", "event_track_registrations"):
        raw[section].pop("read_path")
    to.write_text(tomli_w.dumps(raw))
    return to


def test_echo_without_storing_fails_cr_048_with_its_shortest_sequence(tmp_path: Path) -> None:
    """With read-back, a server that stores nothing fails CR-048 in the stateful suite; the
    failure lists the sequence that shows it, in order, as curl lines: the update, then its
    read-back (cut to those two: no step of it can be left out)."""
    with embedded_server(("--mutant", "echoes-without-storing")) as (_, profile):
        done = run(profile, tmp_path, "--suite", "stateful")
    assert done.code == 1, done.explain()
    failures = done.stdout.split("= FAILURES =")[1].split("regconform: requirements")[0]
    block = failures[failures.index("CR-048 [MUST]") :]
    lines = block.splitlines()
    start = lines.index("  sequence: 2 request(s), in order")
    put, get = lines[start + 1 : start + 3]
    written = re.match(r"    1\. curl -X PUT '?(\S+?/courseRegistrations/acme/[\w-]+)'? ", put)
    assert written is not None, put
    assert get == f"    2. curl -X GET {written[1]} -H 'Accept: application/json' " + (
        "-H 'Authorization: Bearer ***'"
    )
    assert DEFAULT_TOKEN not in done.stdout
    failure = done.report()["requirements"]["CR-048"]["failure"]
    assert [line.split()[2] for line in failure["sequence"]] == ["PUT", "GET"]
    assert failure["request"] == failure["sequence"][-1]
    assert "sequence: 2 request(s), in order" in (tmp_path / "report.html").read_text()


def test_echo_without_storing_without_read_path_is_only_a_warning(tmp_path: Path) -> None:
    """Without read_path, the read-back requirements are skipped, saying why, never passed;
    what the answers alone show of a server that stores nothing is a sys_version that never
    goes up (CR-038, SHOULD) and an older sys_version accepted (CR-042, INFERRED): warnings,
    so the run exits 0 at the default level."""
    with embedded_server(("--mutant", "echoes-without-storing")) as (_, profile):
        bare = without_read_paths(profile, tmp_path / "no-read-back.toml")
        done = run(bare, tmp_path)
    assert done.code == 0, done.explain()
    found = done.report()["requirements"]
    for rid in READ_BACK:
        assert found[rid]["verdict"] == "skipped", rid
        assert "the profile leaves read-back out" in found[rid]["note"]
    assert found["CR-038"]["verdict"] == "warn"
    assert found["CR-036"]["verdict"] == "pass"  # every answer carries what was sent


def test_merging_server_fails_cr_049_with_the_sequence_in_order(tmp_path: Path) -> None:
    """A server merging updates (PATCH-like) fails CR-049 at --level should; the sequence shows
    why, in order: an update, its read-back, then an update leaving out a field the record
    carried, answered with that field's earlier value."""
    with embedded_server(("--mutant", "merges-like-patch")) as (_, profile):
        done = run(profile, tmp_path, "--suite", "stateful", "--level", "should")
    assert done.code == 1, done.explain()
    failure = done.report()["requirements"]["CR-049"]["failure"]
    field = re.search(r"`(\w+)` = ", failure["message"])
    assert field is not None, failure["message"]
    sequence = failure["sequence"]
    assert [line.split()[2] for line in sequence] == ["PUT", "GET", "PUT"]
    assert len({line.split()[3] for line in sequence}) == 1  # one record, throughout
    last_body = json.loads(shlex.split(sequence[-1])[-1])
    assert field[1] not in last_body and failure["request"] == sequence[-1]
    assert failure["status"] == 200 and f'"{field[1]}":' in failure["body"]  # kept, answered
    # The FAILURES section only: under CI (a `CI` variable) pytest repeats each message whole
    # in its short test summary, after the requirements.
    shown = done.stdout.split("= FAILURES =")[1].split("regconform: requirements")[0]
    numbered = [line.split()[:4] for line in shown.splitlines() if re.match(r" {4}\d\. curl", line)]
    assert [n[0] for n in numbered] == ["1.", "2.", "3."]
