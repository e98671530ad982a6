"""One budget and one pace per run, whatever sends (threads, xdist workers); the back-off of a
429 without Retry-After is bounded, exponential and the same for the same request."""

from __future__ import annotations

import fcntl
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest

from regconform.errors import ConfigError
from regconform.settings.config import Overrides, build_config
from regconform.settings.profile import parse_profile
from regconform.target.pacing import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    BudgetUsedUp,
    Pacing,
    backoff,
    create_ledger,
)


def _spend(ledger: str, tries: int) -> int:
    """In another process: take up to `tries` requests from the ledger; how many were given."""
    pacing = Pacing(max_requests=12, rate_limit=None, ledger=Path(ledger))
    given = 0
    for _ in range(tries):
        try:
            pacing.take()
        except BudgetUsedUp:
            continue
        given += 1
    return given


def test_processes_sharing_a_ledger_share_one_budget(tmp_path: Path) -> None:
    """Three processes asking 10 requests each from a ledger of 12 get 12 between them."""
    ledger = create_ledger(tmp_path / "ledger", 12)
    with ProcessPoolExecutor(3) as pool:
        given = list(pool.map(_spend, [str(ledger)] * 3, [10] * 3))
    assert sum(given) == 12, given


@pytest.mark.parametrize("shared", [False, True], ids=["threads", "ledger"])
def test_threads_and_processes_keep_one_pace(tmp_path: Path, shared: bool) -> None:
    """Four callers at 40 requests per second, 24 sends: about 0.6 s, never bursts of four."""
    ledger = create_ledger(tmp_path / "ledger", None) if shared else None
    one = Pacing(rate_limit=40, ledger=ledger)
    pacings = [Pacing(rate_limit=40, ledger=ledger) for _ in range(4)] if shared else [one] * 4
    sent: list[float] = []

    def send(pacing: Pacing) -> None:
        for _ in range(6):
            pacing.wait_for_slot()
            sent.append(time.monotonic())

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(send, pacings))
    sent.sort()
    assert sent[-1] - sent[0] >= 23 / 40 * 0.95
    assert min(b - a for a, b in zip(sent, sent[4:], strict=False)) >= 4 / 40 * 0.7


def test_one_budget_is_used_up_once_by_threads() -> None:
    """A budget of 10 taken by 4 threads, 5 tries each: 10 given, 10 refused."""
    pacing = Pacing(max_requests=10)
    outcomes: list[bool] = []

    def take() -> None:
        try:
            pacing.take()
            outcomes.append(True)
        except BudgetUsedUp:
            outcomes.append(False)

    with ThreadPoolExecutor(4) as pool:
        for _ in range(20):
            pool.submit(take)
    assert outcomes.count(True) == 10 and outcomes.count(False) == 10


@pytest.mark.requirement("GEN-007")
def test_back_off_is_exponential_bounded_and_the_same_for_the_same_request() -> None:
    """Retry n waits min(cap, base * 2^n) times a jitter in [0.5, 1) drawn from the request:
    the same request waits the same, other requests spread out."""
    key = b"/courseRegistrations/acme/cr-1 {}"
    waits = [backoff(attempt, key) for attempt in range(6)]
    assert waits == [backoff(attempt, key) for attempt in range(6)]
    for attempt, wait in enumerate(waits):
        ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)
        assert 0.5 * ceiling <= wait < ceiling
    assert max(waits) < BACKOFF_CAP
    spread = {round(backoff(0, key + bytes([i])), 6) for i in range(20)}
    assert len(spread) == 20


@pytest.mark.parametrize("shared", [False, True], ids=["threads", "ledger"])
def test_a_hold_keeps_every_sender_waiting(tmp_path: Path, shared: bool) -> None:
    """After `hold(0.3)` (a 429's wait), no caller's slot comes before the hold ends, with no
    rate limit set, in one process or across a ledger; without a hold nobody waits."""
    ledger = create_ledger(tmp_path / "ledger", None) if shared else None
    pacing = Pacing(ledger=ledger)
    started = time.monotonic()
    pacing.wait_for_slot()
    assert time.monotonic() - started < 0.1
    pacing.hold(0.3)
    ends = Pacing(ledger=ledger) if shared else pacing  # another worker's view of the run
    with ThreadPoolExecutor(3) as pool:
        slots = list(pool.map(lambda _: (ends.wait_for_slot(), time.monotonic())[1], range(3)))
    assert min(slots) >= started + 0.3


def _raw(**top: object) -> dict[str, object]:
    course = {"tenant_id": "t", "registration_ids": ["r"]}
    return {"base_url": "http://127.0.0.1:1", "course_registrations": course, **top}


def test_profile_rate_limit_is_a_ceiling_the_flag_cannot_raise(tmp_path: Path) -> None:
    """The profile's top-level rate_limit holds unless --rate-limit asks for less."""
    assert parse_profile(_raw(rate_limit=4)).rate_limit == 4.0
    path = tmp_path / "p.toml"
    path.write_text(
        'base_url = "http://127.0.0.1:1"\nrate_limit = 4\n'
        '[course_registrations]\ntenant_id = "t"\nregistration_ids = ["r"]\n'
    )
    env = {"REGCONFORM_TOKEN": "x"}
    assert build_config(Overrides(profile_path=path), env).rate_limit == 4.0
    assert build_config(Overrides(profile_path=path, rate_limit=10), env).rate_limit == 4.0
    assert build_config(Overrides(profile_path=path, rate_limit=2), env).rate_limit == 2.0


@pytest.mark.parametrize("bad", [0, -1, "4", True])
def test_profile_rate_limit_must_be_a_positive_number(bad: object) -> None:
    """A rate_limit that is not a positive number is a one-line configuration error."""
    with pytest.raises(ConfigError, match="rate_limit must be a positive number"):
        parse_profile(_raw(rate_limit=bad))


def _count(counter: str, step: int) -> int:
    """Add `step` to the number in the file `counter`, under its lock; the new number."""
    with Path(counter).open("r+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        now = int(handle.read() or 0) + step
        handle.seek(0)
        handle.truncate()
        handle.write(str(now))
        handle.flush()  # before the lock goes
        fcntl.flock(handle, fcntl.LOCK_UN)
    return now


def _hold_slots(ledger: str, concurrency: int, sends: int, counter: str) -> int:
    """In another process: `sends` sends on four threads, each holding an in-flight slot for
    20 ms; the most slots held at once, run-wide, as the shared file `counter` shows."""
    pacing = Pacing(ledger=Path(ledger))
    most = 0

    def send() -> None:
        nonlocal most
        with pacing.in_flight(concurrency):
            most = max(most, _count(counter, +1))
            time.sleep(0.02)
            _count(counter, -1)

    with ThreadPoolExecutor(4) as pool:
        for _ in range(sends):
            pool.submit(send)
    return most


def test_processes_sharing_a_ledger_have_at_most_n_requests_in_flight(tmp_path: Path) -> None:
    """Three processes of four sending threads each, --concurrency 3: never more than three
    in flight between them (each process alone would hold four), and three are reached."""
    ledger = create_ledger(tmp_path / "ledger", None)
    counter = tmp_path / "counter"
    counter.write_text("0")
    with ProcessPoolExecutor(3) as pool:
        most = list(pool.map(_hold_slots, [str(ledger)] * 3, [3] * 3, [12] * 3, [str(counter)] * 3))
    assert max(most) == 3, most
    assert counter.read_text() == "0"  # every slot given back
