"""The transport's guards, in process: the allow-list, the budget and the restore allowance,
bounded 429 retries, the breaker, the whole-answer deadline, and what a restore reports."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from faulty_server import FaultyServer
from safety_runs import TOKEN, behind_proxy
from test_allow_list import BASELINES

from regconform.reference.fixtures import TRACK_REGISTRATION_IDS, fixture_profile
from regconform.settings.profile import Profile, parse_profile
from regconform.target.restore import Restored, restore_course, restore_tracks
from regconform.target.transport import (
    MAX_408_REPEATS,
    MAX_429_RETRIES,
    AllowList,
    BudgetExhausted,
    Target,
    TargetError,
    Throttled,
    UnsafeRequest,
)

CR_1 = ("courseRegistrations", "acme", "cr-1")
MADE_UP = "0d6b0f5e-7a53-4c0e-9a51-2f3c7d1e9b11"  # a uuid the reference server does not hold


def profile(base_url: str, **course: Any) -> Profile:
    """The reference fixtures' profile, given only cr-1 (plus `course` keys)."""
    raw = fixture_profile(base_url)
    raw["course_registrations"] |= {"registration_ids": ["cr-1"], **course}
    return parse_profile(raw)


@pytest.fixture
def target_of() -> Iterator[Any]:
    """Builds Targets for the test and closes them after it."""
    made: list[Target] = []

    def make(base_url: str, given: Profile | None = None, **options: Any) -> Target:
        made.append(Target(base_url, TOKEN, given or profile(base_url), **options))
        return made[-1]

    yield make
    for target in made:
        target.close()


def test_request_outside_the_profile_is_refused_unsent(target_of: Any) -> None:
    """A record the profile does not list is refused before anything leaves; nothing is logged."""
    with FaultyServer("forward") as server:
        target = target_of(server.url)
        with pytest.raises(UnsafeRequest, match="'cr-3' of tenant 'acme' is not in the profile"):
            target.put(("courseRegistrations", "acme", "cr-3"), checked_record=("acme", "cr-3"))
    assert server.connections == 0 and target.log.count == 0


def test_allow_list_admits_course_records_as_tenant_and_id_pairs() -> None:
    """A course record is allowed as the (tenant, id) pair the profile gives: tenant_id's ids and
    the other tenant's record under tenant_id's path; never tenant_id's ids under the other
    tenant's path (ids may be per tenant: cr-1 of globex is not ours)."""
    given = profile("http://127.0.0.1:9", other_tenant_record_id="cr-g1")
    allow = AllowList(given)
    made_up_tenant = allow.synthetic_name("tenant", b"\x01" * 6)
    made_up_record = allow.synthetic_name("record", b"\x02" * 6)
    for pair in [
        ("acme", "cr-1"),
        ("acme", "cr-locked"),
        ("acme", "cr-g1"),
        ("acme", made_up_record),
        (made_up_tenant, "cr-1"),
    ]:
        allow.require_record(*pair)
    for pair in [
        ("globex", "cr-1"),
        ("globex", "cr-g1"),
        ("acme", "cr-3"),
        ("globex", made_up_record),
    ]:
        with pytest.raises(UnsafeRequest, match="is not in the profile"):
            allow.require_record(*pair)
    with pytest.raises(UnsafeRequest):
        allow.require(["cr-1"])  # a bare course id admits nothing


def test_429_is_retried_a_bounded_number_of_times(target_of: Any) -> None:
    """A server answering only 429 gets the request 1 + MAX_429_RETRIES times, then Throttled."""
    with FaultyServer("429", retry_after=0) as server:
        target = target_of(server.url)
        with pytest.raises(Throttled):
            target.put(CR_1, body={}, checked_record=CR_1[1:])
    assert len(server.puts()) == 1 + MAX_429_RETRIES
    assert target.log.count == 1 and target.throttled == 1 + MAX_429_RETRIES


@pytest.mark.parametrize("retry_after", [0, None], ids=["with Retry-After", "without"])
def test_503_naming_a_wait_is_waited_out_like_429(target_of: Any, retry_after: int | None) -> None:
    """A 503 naming a Retry-After (RFC 9110 15.6.4: a moment's overload or maintenance) is sent
    again as a 429 is, then Throttled; a 503 naming no wait is an answer, judged like any."""
    with FaultyServer("503", retry_after=retry_after) as server:
        target = target_of(server.url)
        if retry_after is None:
            assert target.put(CR_1, body={}, checked_record=CR_1[1:]).status == 503
            assert len(server.puts()) == 1 and target.throttled == 0
            return
        with pytest.raises(Throttled, match="still 503 after"):
            target.put(CR_1, body={}, checked_record=CR_1[1:])
    assert len(server.puts()) == 1 + MAX_429_RETRIES == target.throttled


def test_spent_budget_sends_nothing_but_restores_still_go(target_of: Any) -> None:
    """--max-requests 1: the second request is refused unsent; the restore has its own allowance."""
    with behind_proxy() as proxy:
        target = target_of(proxy.url, max_requests=1)
        target.put(CR_1, body={}, checked_record=CR_1[1:])
        with pytest.raises(BudgetExhausted):
            target.put(CR_1, body={}, checked_record=CR_1[1:])
        section = profile(proxy.url, baseline_bodies={"cr-1": BASELINES["cr-1"]}).course
        assert section is not None
        restored = restore_course(target, section)
        with pytest.raises(BudgetExhausted):  # the allowance was the restore's alone
            target.put(CR_1, body={}, checked_record=CR_1[1:])
    assert restored == [Restored("course registration acme/cr-1", True, "HTTP 200")]
    assert len(proxy.puts()) == 2 and target.log.count == 2


@pytest.mark.parametrize("fault", ["early-hints", "interim-several"])
def test_informational_answers_are_read_past_on_a_kept_alive_connection(
    target_of: Any, fault: str
) -> None:
    """1xx answers sent before each answer (103 Early Hints; 100, 103, 103) are skipped as RFC
    9110 15.2 asks: over one kept-alive connection every request gets its own answer."""
    with FaultyServer(fault) as server:
        target = target_of(server.url)
        answers = [target.put(CR_1, body={"n": n}, checked_record=CR_1[1:]) for n in range(4)]
    assert [(a.status, a.body) for a in answers] == [
        (200, b'{"echo": {"n": %d}}' % n) for n in range(4)
    ]
    assert server.connections == 1 and len(server.puts()) == 4


def test_breaker_opens_after_two_failures_in_a_row(target_of: Any) -> None:
    """Two resets in a row open the breaker: the third request is not sent at all."""
    with FaultyServer("reset") as server:
        target = target_of(server.url)
        for _ in range(2):
            with pytest.raises(TargetError, match=r"connection failed \(connection reset\)"):
                target.put(CR_1, body={}, checked_record=CR_1[1:])
        with pytest.raises(TargetError, match="stopped answering"):
            target.put(CR_1, body={}, checked_record=CR_1[1:])
    assert len(server.puts()) == 2
    assert target.broken is not None and "2 failures in a row" in target.broken


@pytest.mark.parametrize("fault", ["closes-kept-alive", "resets-kept-alive", "408-kept-alive"])
def test_a_request_a_kept_alive_connections_close_meets_is_sent_again(
    target_of: Any, fault: str
) -> None:
    """A server may close a connection at any time (RFC 9112 9.5); this one closes each one
    (FIN, RST, or after a 408) when a second request comes on it. Each such request is sent
    again (PUT is idempotent: RFC 9110 9.2.2; a 408's request may be repeated: 15.5.9) and
    answered once: no failure, no breaker, the repeats counted apart."""
    with FaultyServer(fault) as server:
        target = target_of(server.url)
        answers = [target.put(CR_1, body={"n": n}, checked_record=CR_1[1:]) for n in range(4)]
    assert [a.status for a in answers] == [200] * 4
    assert len(server.unanswered) == target.reconnects == 3
    answered = [seen.body for seen in server.puts() if seen not in server.unanswered]
    assert answered == [b'{"n":%d}' % n for n in range(4)]
    assert target.broken is None and target.log.count == 4


def test_a_server_answering_only_408_has_its_408_judged(target_of: Any) -> None:
    """408 to everything: the request is repeated twice (MAX_408_REPEATS), then the third 408
    is the answer judged; a request that met a new connection's close is never repeated (the
    breaker test above)."""
    with FaultyServer("408") as server:
        target = target_of(server.url)
        answer = target.put(CR_1, body={}, checked_record=CR_1[1:])
    assert answer.status == 408
    assert len(server.puts()) == 1 + MAX_408_REPEATS == 1 + target.reconnects


@pytest.mark.parametrize("fault", ["trickle", "trickle-head"], ids=["body", "headers"])
def test_dribbled_answer_is_cut_at_the_timeout(target_of: Any, fault: str) -> None:
    """An answer sent a byte at a time, each within the read timeout, is cut at --timeout:
    its body, and its status line and headers (which http.client reads on its own)."""
    with FaultyServer(fault) as server:
        target = target_of(server.url, timeout=1.0)
        started = time.monotonic()
        with pytest.raises(TargetError, match="no complete answer within 1 s"):
            target.put(CR_1, body={}, checked_record=CR_1[1:])
    assert time.monotonic() - started < 2.5


@pytest.mark.parametrize(
    ("fault", "detail"),
    [("500", "refused: HTTP 500 application/json"), ("reset", "connection failed")],
)
def test_restore_says_why_a_record_was_not_restored(
    target_of: Any, fault: str, detail: str
) -> None:
    """A refused or failed restore is reported as not done, with the reason."""
    with FaultyServer(fault) as server:
        target = target_of(server.url)
        section = profile(server.url, baseline_bodies={"cr-1": {"id": "cr-1"}}).course
        assert section is not None
        (restored,) = restore_course(target, section)
    assert not restored.done and restored.detail.startswith(detail), restored


def test_track_restore_names_the_registrations_a_207_lists(target_of: Any) -> None:
    """A 207 to the restore: the ids it lists as failed are not restored, the rest are."""
    with behind_proxy() as proxy:
        raw = fixture_profile(proxy.url)
        raw["event_track_registrations"] |= {
            "registration_ids": [TRACK_REGISTRATION_IDS[0], MADE_UP],
            "restore_status": "REGISTERED",
        }
        given = parse_profile(raw)
        assert given.tracks is not None
        restored = restore_tracks(target_of(proxy.url, given), given.tracks)
    known = f"track registration {TRACK_REGISTRATION_IDS[0]}"
    assert restored == [
        Restored(known, True, "HTTP 207, not listed as failed"),
        Restored(f"track registration {MADE_UP}", False, "HTTP 207 lists it as failed"),
    ]
