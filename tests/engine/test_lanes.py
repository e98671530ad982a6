"""A state machine's examples in lanes: each lane its own records, seed and score; at once under
--concurrency, one after the other without; the same scores and the same failure either way."""

from __future__ import annotations

import ast
import threading
import time
from typing import ClassVar

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import rule

from in_flight import Overlap
from regconform.catalogue.requirements import Level, load_catalogue
from regconform.harness.sequences import (
    Lane,
    SequenceMachine,
    _one_parse_at_a_time,
    run_lanes,
    shares,
)
from regconform.judging.checks import Violation
from regconform.judging.failure import Failure
from regconform.judging.verdicts import NonConformance, Verdicts
from regconform.settings.profile import CourseSection, TrackSection
from regconform.target.exchange import Exchange, SentRequest

IDS = tuple("abcdefgh")
ANSWER = Exchange(SentRequest("PUT", "http://127.0.0.1:1/x", {}, None), 200, {}, b"{}")


@pytest.mark.parametrize(
    ("ids", "examples", "expected"),
    [
        (IDS, 4, [(("a", "d", "g"), 2), (("b", "e", "h"), 2), (("c", "f"), 2)]),
        (IDS[:4], 4, [(("a", "d"), 2), (("b",), 2), (("c",), 2)]),
        (IDS[:2], 4, [(("a",), 3), (("b",), 2)]),
        (IDS[:1], 4, [(("a",), 4)]),  # one record: one lane, as before lanes
        (IDS, 1, [(IDS, 1)]),  # one example (the quick plan): one lane, every record
    ],
)
def test_lanes_share_the_records_and_the_drawn_examples(
    ids: tuple[str, ...], examples: int, expected: list[tuple[tuple[str, ...], int]]
) -> None:
    """Records dealt round; each lane has hypothesis's simplest example plus at least one of the
    test's others; every record in exactly one lane."""
    lanes = shares(ids, examples)
    assert lanes == expected
    assert sorted(rid for share, _ in lanes for rid in share) == sorted(ids)


class Touching(SequenceMachine):
    """A made-up machine over a lane's records: each step touches one (taking a moment), counts
    the lanes touching at once, and breaks CR-048 when it touches record "b"."""

    active: ClassVar[set[int]] = set()
    most: ClassVar[int] = 0
    lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, lane: Lane) -> None:
        super().__init__(lane.verdicts, lane.halt)
        self.lane = lane

    @rule(data=st.data())
    def touch_one(self, data: st.DataObject) -> None:
        self.step("touch", data.draw(st.sampled_from(self.lane.ids)))

    def touch(self, record: str) -> None:
        with Touching.lock:
            Touching.active.add(self.lane.number)
            Touching.most = max(Touching.most, len(Touching.active))
        time.sleep(0.01)
        with Touching.lock:
            Touching.active.discard(self.lane.number)
        self.verdicts.could_not_apply(["CR-049"], f"touched {record} in lane {self.lane.number}")
        if record == "b":
            broken = Violation("CR-048", f"lane {self.lane.number}")
            raise NonConformance([Failure.of(broken, ANSWER, "MUST")])


def lanes_run(concurrency: int, ids: tuple[str, ...]) -> tuple[Verdicts, NonConformance | None]:
    Touching.most = 0
    verdicts = Verdicts(load_catalogue(), Level.MUST)
    machine = settings(max_examples=4, stateful_step_count=3, database=None, deadline=None)
    try:
        run_lanes(Touching, ids, machine, 7, verdicts, concurrency)
    except NonConformance as failure:
        return verdicts, failure
    return verdicts, None


def test_lanes_run_at_once_and_score_as_one_after_the_other() -> None:
    """--concurrency 4: the three lanes touch at once; one after the other they never do. The
    same records are touched the same number of times, every lane's score reaches the test's."""
    together, _ = lanes_run(4, tuple("acdefgh"))  # no "b": nothing breaks
    held = Touching.most
    alone, _ = lanes_run(1, tuple("acdefgh"))
    assert held > 1 and Touching.most == 1
    assert together.tallies["CR-049"].inapplicable == alone.tallies["CR-049"].inapplicable
    lanes_seen = {reason.rsplit(" ", 1)[1] for reason in alone.tallies["CR-049"].inapplicable}
    assert lanes_seen == {"0", "1", "2"}


@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_failing_lane_fails_the_test_after_every_lane_ran(concurrency: int) -> None:
    """Record "b" is lane 1's: its failure is raised, after lanes 0 and 2 were scored too."""
    verdicts, failure = lanes_run(concurrency, IDS)
    assert failure is not None
    assert len(failure.failures) == 1 and "lane 1" in failure.failures[0].headline
    reasons = verdicts.tallies["CR-049"].inapplicable
    assert {reason.rsplit(" ", 1)[1] for reason in reasons} == {"0", "1", "2"}


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7])
@pytest.mark.parametrize("kind", ["course", "track"])
def test_the_sequences_keep_records_no_other_test_of_their_section_writes(
    count: int, kind: str
) -> None:
    """The later half of a section's records (course) or registrations (track) is the
    sequences' (none with one): the two shares are disjoint and together every one, so their
    workers never write the same one."""
    section: CourseSection | TrackSection = (
        CourseSection(tenant_id="acme", registration_ids=IDS[:count])
        if kind == "course"
        else TrackSection(event_id="e", track_id="t", registration_ids=IDS[:count])
    )
    kept, updated = section.sequence_ids, section.update_ids
    assert set(kept).isdisjoint(updated) and (*updated, *kept) == IDS[:count]
    assert len(kept) == (count - count // 2 if count > 1 else 0)
    assert updated  # the other course tests always have a record to update


def test_lanes_on_threads_parse_one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """While lanes run on threads, `ast.parse` (which hypothesis calls to describe a strategy,
    and which CPython 3.11 cannot run on two threads at once) lets one caller in at a time;
    afterwards it is the parse it was."""
    overlap = Overlap()

    def slow_parse(*args: object, **kwargs: object) -> None:
        with overlap:
            time.sleep(0.005)

    monkeypatch.setattr(ast, "parse", slow_parse)
    with _one_parse_at_a_time():
        threads = [
            threading.Thread(target=lambda: [ast.parse("x") for _ in range(5)]) for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert overlap.most == 1
    assert ast.parse is slow_parse
