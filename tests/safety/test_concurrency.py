"""--concurrency N: independent requests of one example in flight together, judged in order,
within the run's budget and pace; the verdicts are those of a sequential run."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from safety_runs import TOKEN, regconform

import runner
from in_flight import InFlight, LockFirst, Overlap, PutsAtOnce
from regconform.errors import EXIT_INCOMPLETE
from regconform.harness.controls import spread_writes
from regconform.mutants.variants.catalogue import VARIANTS
from regconform.reference import ServerSettings, running_server
from regconform.target.concurrency import in_order

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
    assert "3 workers" in out[6] and "workers" not in out[1]


def test_one_budget_for_every_worker_with_the_embedded_servers_own_token(tmp_path: Path) -> None:
    """No token in the environment (the embedded server's own goes to the workers in memory):
    --concurrency 4 --max-requests 30 sends 30 requests in all, not 30 a worker (each worker
    kept its own budget once, when the controller could not build the config without a token)."""
    run = runner.regconform(
        *("run", "--concurrency", "4", "--max-requests", "30"), token=None, report_dir=tmp_path
    )
    assert run.code == EXIT_INCOMPLETE, run.explain()
    assert "3 workers" in run.stdout
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


def test_an_examples_writes_go_to_distinct_records_a_round_at_a_time() -> None:
    """The first write to the drawn record, the next ones each to another record, then a new
    round; with one record, one write a round (as a sequential run sends them)."""
    assert spread_writes(("a", "b", "c"), "b", 5) == [
        ("b", 0),
        ("c", 0),
        ("a", 0),
        ("b", 1),
        ("c", 1),
    ]
    assert spread_writes(("a",), "a", 3) == [("a", 0), ("a", 1), ("a", 2)]
