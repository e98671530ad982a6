"""--concurrency N: independent requests of one example in flight together, judged in order,
within the run's budget and pace; the verdicts are those of a sequential run."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from safety_runs import TOKEN, regconform

import runner
from in_flight import InFlight, LockFirst, Overlap, PutsAtOnce
from regconform.errors import EXIT_INCOMPLETE
from regconform.harness.controls import spread_writes
from regconform.mutants.variants.catalogue import VARIANTS
from regconform.reference import ServerSettings, running_server
from regconform.reference.fixtures import fixture_profile
from regconform.settings.profile import parse_profile
from regconform.target.concurrency import SharedPathTraffic, in_lanes, in_order

DELAY = 0.03


def test_in_order_runs_n_at_once_and_yields_in_order() -> None:
    """Eight sends of 0.1 s on four threads: four at once, never more, the results in the order
    asked for."""
    overlap = Overlap()

    def send(i: int) -> int:
        with overlap:
            time.sleep(0.1)
        return i

    results = list(in_order(4, [lambda i=i: send(i) for i in range(8)]))
    assert results == list(range(8))
    assert overlap.most == 4


def test_in_order_raises_in_turn_after_the_answers_before() -> None:
    """A send that raises (a broken target) raises when its turn comes, after those before."""

    def boom() -> int:
        raise KeyboardInterrupt("target broke down")  # a BaseException, as TargetBrokeDown

    got: list[int] = []
    with pytest.raises(KeyboardInterrupt):
        for value in in_order(3, [lambda: 0, lambda: 1, boom, lambda: 3]):
            got.append(value)
    assert got == [0, 1]


def test_in_lanes_sends_a_lanes_writes_one_after_another_and_yields_in_order() -> None:
    """Writes to one record (a lane) never overlap and go in the order listed, whatever else is
    out; refusals (no lane) go beside them; the answers come back in the order asked for."""
    overlap, lane_out, started = Overlap(), {"a": 0, "b": 0}, []
    most_in_a_lane = [0]
    guard = threading.Lock()

    def send(lane: str | None, i: int) -> int:
        with guard:
            started.append(i)
            if lane is not None:
                lane_out[lane] += 1
                most_in_a_lane[0] = max(most_in_a_lane[0], lane_out[lane])
        with overlap:
            time.sleep(0.03)
        with guard:
            if lane is not None:
                lane_out[lane] -= 1
        return i

    lanes = ["a", None, "a", "b", None, "a", None, "b", None, None]
    sends = [(lane, lambda lane=lane, i=i: send(lane, i)) for i, lane in enumerate(lanes)]
    assert list(in_lanes(4, sends)) == list(range(len(lanes)))
    assert most_in_a_lane[0] == 1  # never two of one lane out together
    for lane in ("a", "b"):
        mine = [i for i in started if lanes[i] == lane]
        assert mine == sorted(mine), (lane, started)
    assert overlap.most == 4


def test_in_lanes_sends_a_write_whose_record_is_free_before_waiting_refusals() -> None:
    """Two threads, a record's two writes (quick) listed around three refusals (slow): the
    second write goes as soon as the first is answered, before the refusals listed before it
    (in_order would send it last), so the example's chain of writes is not kept waiting."""
    started: list[str] = []
    guard = threading.Lock()

    def send(name: str, seconds: float) -> str:
        with guard:
            started.append(name)
        time.sleep(seconds)
        return name

    listed = [("a", "write 1", 0.02), (None, "refusal 1", 0.2), (None, "refusal 2", 0.2)]
    listed += [(None, "refusal 3", 0.2), ("a", "write 2", 0.02)]
    sends = [(lane, lambda n=name, t=t: send(n, t)) for lane, name, t in listed]
    assert list(in_lanes(2, sends)) == [name for _, name, _ in listed]
    assert started.index("write 2") < started.index("refusal 2"), started


def test_in_lanes_raises_in_turn_and_leaves_no_thread() -> None:
    """A send that raises raises in its turn, after the answers before it; nothing is left
    running once the caller has it. One thread: each in the order listed."""

    def boom() -> int:
        raise KeyboardInterrupt("target broke down")

    sends = [("a", lambda: 0), (None, lambda: 1), ("a", boom), (None, lambda: 3)]
    got: list[int] = []
    with pytest.raises(KeyboardInterrupt):
        for value in in_lanes(3, sends):
            got.append(value)
    assert got == [0, 1]
    assert not [t for t in threading.enumerate() if t.name.startswith("regconform-send")]
    order: list[int] = []
    one_by_one = [(lane, lambda i=i: order.append(i) or i) for i, lane in enumerate("a-a-")]
    assert list(in_lanes(1, [(None if lane == "-" else lane, s) for lane, s in one_by_one]))
    assert order == [0, 1, 2, 3]


def test_concurrent_run_gives_the_sequential_verdicts(tmp_path: Path) -> None:
    """Against a server answering in 30 ms, --concurrency 6 sends the same requests as
    --concurrency 1 (the server sees the same multiset), per requirement too, reaches the same
    verdict on every requirement, with read-back kept (each suite on a worker of its own), and
    holds requests in flight together, never more than six, where --concurrency 1 holds one
    (bench/latency.py times it)."""
    records, held, seen, out = {}, {}, {}, {}
    for n in (1, 6):
        counter = InFlight()
        settings = ServerSettings(token=TOKEN, delay=DELAY, wrap=counter.wrap)
        with running_server(settings) as base_url:
            run = regconform(
                *("run", "--base-url", base_url, "--max-examples", "2", "--concurrency", str(n)),
                report_dir=tmp_path / f"c{n}",
            )
        assert run.code == 0, run.explain()
        records[n], held[n], seen[n], out[n] = run.report(), counter.most, counter.seen, run.stdout
    verdicts = {
        n: {k: r["verdict"] for k, r in rec["requirements"].items()} for n, rec in records.items()
    }
    assert verdicts[6] == verdicts[1]
    assert verdicts[6]["CR-048"] == verdicts[6]["ETR-020"] == "pass"  # read back, not skipped
    assert records[6]["requests_per_requirement"] == records[1]["requests_per_requirement"]
    assert records[6]["requests_sent"] == records[1]["requests_sent"] > 100
    assert seen[6] == seen[1]
    assert held[1] == 1 and 1 < held[6] <= 6, held
    assert "4 workers" in out[6] and "workers" not in out[1]


def test_one_budget_for_every_worker_with_the_embedded_servers_own_token(tmp_path: Path) -> None:
    """No token in the environment (the embedded server's own goes to the workers in memory):
    --concurrency 4 --max-requests 30 sends 30 requests in all, not 30 a worker (each worker
    kept its own budget once, when the controller could not build the config without a token)."""
    run = runner.regconform(
        *("run", "--concurrency", "4", "--max-requests", "30"), token=None, report_dir=tmp_path
    )
    assert run.code == EXIT_INCOMPLETE, run.explain()
    assert "4 workers" in run.stdout
    assert run.report()["requests_sent"] == 30


def test_a_server_locking_each_resource_is_not_blamed_for_our_concurrency(tmp_path: Path) -> None:
    """A server that answers 409 to a PUT meeting another on the same resource (it takes the
    lock before it reads the body: legal, and never seen one request at a time) is conformant
    at --concurrency 6 too: each such 409 is sent again alone and the answer to that judged,
    and the summary counts them. Without the re-send, the refusals sent together to one record
    (the single-violation test's) met 409 where 400 is due: a false alarm of our own making."""
    lock = LockFirst()
    with running_server(ServerSettings(token=TOKEN, delay=DELAY, wrap=lock.wrap)) as base_url:
        run = regconform(
            *("run", "--base-url", base_url, "--max-examples", "2", "--concurrency", "6"),
            report_dir=tmp_path,
        )
    assert run.code == 0, run.explain()
    flagged = {
        k for k, r in run.report()["requirements"].items() if r["verdict"] in ("fail", "warn")
    }
    assert flagged == set()
    assert lock.conflicts > 0  # the server did lock: we sent to one resource at once
    assert (
        f"{lock.conflicts} answered 409 beside another of ours and sent again alone" in run.stdout
    )


def test_a_locking_server_is_not_blamed_for_the_users_own_workers(tmp_path: Path) -> None:
    """`-- -n 2` (workers the user chose, one request at a time each): the two workers send to
    the same records and the track at once, and a server locking each resource answers 409
    where one of them met the other's request. Such a 409 is ours too (the workers note their
    paths beside their shared ledger): sent again alone, never judged. The run conforms."""
    lock = LockFirst()
    with running_server(ServerSettings(token=TOKEN, delay=DELAY, wrap=lock.wrap)) as base_url:
        run = regconform(
            *("run", "--base-url", base_url, "--max-examples", "2", "--", "-n", "2"),
            report_dir=tmp_path,
        )
    assert run.code == 0, run.explain()
    assert lock.conflicts > 0 and "2 workers" in run.stdout
    # Each lock's 409 was sent again; so may be a 409 of the server's own (a stale version: the
    # two workers write one record) that met another request of ours.
    assert run.report()["sent_again_alone_after_409"] >= lock.conflicts


def test_a_control_goes_with_its_refusals_and_no_two_writes_to_a_record_meet(
    tmp_path: Path,
) -> None:
    """The single-violation test at --concurrency 8, against a server that applies a body
    whatever its sys_ fields hold (a legal variant: the ignorable faults are writes too): the
    control meets its refusals at its record, the ignorable writes go to the other update
    records at once, and no two applied PUTs to one record are ever in the server together
    (a server may answer 409 to such a pair). The run conforms."""
    puts = PutsAtOnce()
    semantics = next(v for v in VARIANTS if v.name == "ignores-managed-fields").semantics
    settings = ServerSettings(token=TOKEN, delay=DELAY, semantics=semantics, wrap=puts.wrap)
    with running_server(settings) as base_url:
        run = regconform(
            *("run", "--base-url", base_url, "--suite", "course_registrations"),
            *("--max-examples", "2", "--concurrency", "8"),
            *("--", "-k", "test_each_single_violation_is_refused"),
            report_dir=tmp_path,
        )
    flagged = {k for k, r in run.report()["requirements"].items() if r["verdict"] == "fail"}
    assert flagged == set(), run.explain()
    together = puts.applied_together()
    assert together and all(a != b for a, b in together), together
    assert puts.beside_refusals() > 0


def test_an_examples_writes_go_to_each_record_in_turn() -> None:
    """The first write to the drawn record, each next one to the next record, round again; with
    one record, every write to it (in_lanes sends them one after another)."""
    assert spread_writes(("a", "b", "c"), "b", 5) == ["b", "c", "a", "b", "c"]
    assert spread_writes(("a",), "a", 3) == ["a", "a", "a"]


def test_the_track_sequences_write_registrations_no_other_track_test_writes(
    tmp_path: Path,
) -> None:
    """The track tests and the track sequences at --concurrency 4, each on a worker of its own
    (the profile keeps the later half of the track's registrations for the sequences): no PUT
    names registrations of both halves, both halves are written, the read-backs still pass."""
    seen = InFlight()
    with running_server(ServerSettings(token=TOKEN, wrap=seen.wrap)) as base_url:
        run = regconform(
            *("run", "--base-url", base_url, "--concurrency", "4", "--max-examples", "2"),
            *("--suite", "event_track_registrations", "--suite", "stateful"),
            report_dir=tmp_path,
        )
    assert run.code == 0, run.explain()
    assert "3 workers" in run.stdout, run.stdout  # course sequences, track tests, track sequences
    section = parse_profile(fixture_profile(base_url)).tracks
    assert section is not None
    halves = (set(section.update_ids), set(section.sequence_ids))
    named = [named_registrations(body) for method, _, _, body in seen.seen if method == "PUT"]
    written = [tuple(bool(ids & half) for half in halves) for ids in named if ids]
    assert (True, True) not in written, "a PUT named registrations of both halves"
    assert {(True, False), (False, True)} <= set(written)
    verdicts = {rid: r["verdict"] for rid, r in run.report()["requirements"].items()}
    assert verdicts["ETR-020"] == verdicts["ETR-021"] == "pass"


def named_registrations(body: bytes) -> set[str]:
    """The string ids a track PUT's body lists (none for a body that is not such JSON)."""
    try:
        listed = json.loads(body).get("registration_ids")
    except (ValueError, AttributeError):
        return set()
    return {one for one in listed if isinstance(one, str)} if isinstance(listed, list) else set()


def test_shared_path_traffic_sees_another_process_out_on_the_path(tmp_path: Path) -> None:
    """Two workers' views of one path (two SharedPathTraffic on one ledger, as two processes
    have): each flight that met the other is marked, whichever went first; one alone after
    them is not, and another path is never marked."""
    ledger = tmp_path / "ledger"
    mine, theirs = SharedPathTraffic(ledger), SharedPathTraffic(ledger)
    with mine.on("/a") as first, theirs.on("/a") as second, theirs.on("/b") as elsewhere:
        pass
    assert first.overlapped and second.overlapped and not elsewhere.overlapped
    with theirs.on("/a", alone=True) as alone, mine.on("/b") as other:
        pass
    assert not alone.overlapped and not other.overlapped


def test_shared_path_traffic_alone_waits_for_the_path_and_holds_it(tmp_path: Path) -> None:
    """A request sent alone waits until another worker's request on its path is answered, and
    nothing else goes to that path until it is answered in turn: never two at once."""
    ledger, overlap = tmp_path / "ledger", Overlap()

    def send(alone: bool) -> bool:
        with SharedPathTraffic(ledger).on("/a", alone=alone) as flight, overlap:
            time.sleep(0.05)
        return flight.overlapped

    with ThreadPoolExecutor(4) as pool:
        together = [pool.submit(send, False) for _ in range(3)]
        time.sleep(0.01)
        alone = pool.submit(send, True)
        marked = [future.result() for future in together]
    assert not alone.result() and all(marked) and overlap.most == 3


def test_a_dead_worker_does_not_hold_a_path(tmp_path: Path) -> None:
    """A worker that died with a request out (its locks are the kernel's to release): a
    request sent alone on that path goes, not waiting for an answer that never comes."""
    ledger = tmp_path / "ledger"
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from regconform.target.concurrency import SharedPathTraffic\n"
        "with SharedPathTraffic(Path(sys.argv[1])).on('/a'):\n"
        "    os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(ledger)], check=True, timeout=30)
    met: list[bool] = []

    def send_alone() -> None:
        with SharedPathTraffic(ledger).on("/a", alone=True) as flight:
            pass
        met.append(flight.overlapped)

    sender = threading.Thread(target=send_alone, daemon=True)  # a hang fails, never hangs
    sender.start()
    sender.join(timeout=10)
    assert met == [False]
