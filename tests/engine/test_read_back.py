"""Read-back, in process: the profile's read paths, the checks of what is stored, requirements a
test leaves out, the sequence a failure carries, and how a failing sequence is cut short."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import rule

from regconform.catalogue.requirements import Level, load_catalogue
from regconform.errors import ConfigError
from regconform.harness.models import CourseRecord, TrackStatuses
from regconform.harness.sequences import SequenceMachine, Step, replay, run, shortest
from regconform.judging.checks import Violation, storage
from regconform.judging.failure import Failure
from regconform.judging.results import PROPERTY, RunResults
from regconform.judging.verdicts import NonConformance, Verdicts
from regconform.reference.fixtures import course_record, fixture_profile
from regconform.settings.profile import TrackSection, parse_profile
from regconform.settings.read_paths import COURSE_PLACEHOLDERS, check_read_path, fill
from regconform.strategies.event_track import TrackRequest, TrackRequests
from regconform.target.exchange import Exchange, SentRequest
from regconform.target.transport import AllowList

COURSE = "course_registrations"


def answer(status: int, body: Any, method: str = "GET") -> Exchange:
    sent = SentRequest(method, "http://127.0.0.1:1/courseRegistrations/acme/cr-1", {}, None)
    raw = json.dumps(body).encode() if body is not None else b""
    return Exchange(sent, status, {"content-type": "application/json"}, raw)


def found(check: Any, exchange: Exchange) -> list[str]:
    return [v.requirement for v in check.run(exchange)]


# The profile's read paths


def test_fixture_profile_names_both_read_paths_with_the_default_status_pointer() -> None:
    """The reference server's profile reads back both endpoints; the status is at the default."""
    profile = parse_profile(fixture_profile("http://127.0.0.1:1"))
    assert profile.course is not None and profile.course.read_path
    assert profile.tracks is not None and profile.tracks.read_path
    assert profile.tracks.status_pointer == "/registration_status"


def test_profile_without_read_path_has_none() -> None:
    """read_path is optional: left out, read-back is off."""
    raw = fixture_profile("http://127.0.0.1:1")
    del raw["course_registrations"]["read_path"], raw["event_track_registrations"]["read_path"]
    profile = parse_profile(raw)
    assert profile.course is not None and profile.course.read_path is None
    assert profile.tracks is not None and profile.tracks.read_path is None


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("courseRegistrations/{tenantId}/{id}", "must be a path starting with '/'"),
        ("/records/{tenantId}", "must name the record read with {id}"),
        ("/records/{tenant}/{id}", "unknown placeholder {tenant}"),
        ("/records/reg-{id}", "a placeholder must be a whole segment"),
        ("/records/{id}?full=true", "may hold no query"),
        ("/records//{id}", "empty segment"),
        (42, "must be a path starting with '/'"),
    ],
)
def test_bad_read_path_is_a_one_line_config_error(template: object, message: str) -> None:
    """A read path that cannot be filled safely from the profile's ids is refused at load."""
    with pytest.raises(ConfigError, match=message):
        check_read_path(COURSE, template, COURSE_PLACEHOLDERS)


def test_bad_status_pointer_is_a_config_error() -> None:
    """status_pointer must be a JSON pointer."""
    raw = fixture_profile("http://127.0.0.1:1")
    raw["event_track_registrations"]["status_pointer"] = "registration_status"
    with pytest.raises(ConfigError, match="status_pointer must be a JSON pointer"):
        parse_profile(raw)


def test_read_path_is_filled_segment_by_segment() -> None:
    """Placeholders take the given values; literal segments stay as written."""
    parts = fill("/api/v2/{tenantId}/records/{id}", {"tenantId": "acme", "id": "cr 1/x"})
    assert parts == ("api", "v2", "acme", "records", "cr 1/x")  # the transport quotes each


# Checks of what is stored


def test_stored_as_answered_holds_when_the_read_back_equals_the_answer() -> None:
    """The same record, a time stamp written another way: held."""
    answered = {**course_record("acme", "cr-1", 1), "sys_last_modified_at": "2025-02-01T14:00Z"}
    stored = {**answered, "sys_last_modified_at": "2025-02-01T14:00:00.000000Z", "notes": None}
    check = storage.stored_as_answered.bind(answered=answered)
    outcome = check.outcome(answer(200, stored))
    assert outcome.held() == ["CR-048"]


def test_fields_the_server_adds_undocumented_are_neither_compared_nor_left_out() -> None:
    """A field no document names (an etag, a link) may come and go: the documents never say
    "only these fields", so it is no evidence of what was stored or merged."""
    answered = {**course_record("acme", "cr-1", 1), "etag": "v1", "links": {"self": "/x"}}
    stored = {**course_record("acme", "cr-1", 1), "etag": "other"}
    assert found(storage.stored_as_answered.bind(answered=answered), answer(200, stored)) == []
    assert storage.left_out_values(answered, {"name": "n"}).keys().isdisjoint({"etag", "links"})
    basic = {**answered, "sys_last_modified_at": "20250201T140000Z"}
    extended = {**answered, "sys_last_modified_at": "2025-02-01T14:00:00Z"}
    assert found(storage.stored_as_answered.bind(answered=basic), answer(200, extended)) == []


@pytest.mark.parametrize(
    "stored_change",
    [
        lambda r: r.update(name="someone else"),  # a client field stored otherwise
        lambda r: r.pop("email_address"),  # a client field not stored
        lambda r: r.update(sys_version=0),  # a server field disagrees (and no later version)
        lambda r: r.update(sys_created_by_id="x"),
    ],
    ids=["other-value", "missing", "older-version", "created-by"],
)
def test_stored_as_answered_is_violated_when_the_read_back_differs(stored_change: Any) -> None:
    """What was stored differs from what the last 200 answered: CR-048."""
    answered = course_record("acme", "cr-1", 1)
    stored = dict(answered)
    stored_change(stored)
    assert found(storage.stored_as_answered.bind(answered=answered), answer(200, stored)) == [
        "CR-048"
    ]


@pytest.mark.parametrize(
    ("answered", "read", "reason"),
    [
        (None, answer(200, {}), "no 200 answer"),
        (course_record("acme", "cr-1", 1), answer(404, {"error_key": "x"}), "is read_path right"),
        (
            course_record("acme", "cr-1", 1),
            answer(200, {**course_record("acme", "cr-1", 1), "sys_version": 5, "name": "z"}),
            "moved on since",
        ),
    ],
    ids=["nothing-answered", "read-refused", "another-writer"],
)
def test_stored_as_answered_does_not_apply_when_it_cannot_compare(
    answered: dict[str, Any] | None, read: Exchange, reason: str
) -> None:
    """No answer yet, a read that brought no record, or a later version: not applicable."""
    outcome = storage.stored_as_answered.bind(answered=answered).outcome(read)
    assert not outcome.violations and reason in outcome.inapplicable["CR-048"]


def test_left_out_values_are_the_distinctive_client_fields_an_update_omits() -> None:
    """Nulls, empties, booleans, zeros, enums and sys_ fields are no evidence of a merge."""
    previous = {
        "notes": "kept?",
        "city": "",
        "number": 0,
        "order_total": 12.5,
        "status": "completed",
        "substitutions": [{"date": "d"}],
        "exam_offering_ids": [],
        "sys_version": 3,
        "name": "sent again",
    }
    left = storage.left_out_values(previous, {"name": "sent again"})
    assert left == {"notes": "kept?", "order_total": 12.5, "substitutions": [{"date": "d"}]}


def test_left_out_field_that_survives_violates_cr_049() -> None:
    """A field left out comes back with its earlier value: merged, not replaced."""
    check = storage.left_out_fields_do_not_survive.bind(left_out={"notes": "old"})
    assert found(check, answer(200, {"notes": "old"})) == ["CR-049"]
    assert found(check, answer(200, {"notes": "new"})) == []
    assert found(check, answer(200, {})) == []
    assert (
        "no field"
        in storage.left_out_fields_do_not_survive.bind(left_out={})
        .outcome(answer(200, {}))
        .inapplicable["CR-049"]
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [({"registration_status": "CANCELED"}, []), ({"registration_status": "PENDING"}, ["ETR-021"])],
)
def test_status_reads_back_names_the_requirement_it_is_bound_to(
    body: dict[str, Any], expected: list[str]
) -> None:
    """A registration reading back another status breaks the requirement that expected it."""
    check = storage.status_reads_back.bind(
        requirement="ETR-021",
        expected="CANCELED",
        why="w",
        pointer="/registration_status",
        asked="CANCELED",
        before="PENDING",
    )
    assert found(check, answer(200, body)) == expected
    assert check.outcome(answer(200, {"status": "x"})).inapplicable  # nothing at the pointer
    null = check.outcome(answer(200, {"registration_status": None}))
    assert [v.requirement for v in null.violations] == ["ETR-021"]  # null is a status, read back


@pytest.mark.parametrize(
    ("sent", "before", "reason"),
    [
        ("CANCELED", "CANCELED", "the status it already had"),
        ("CANCELED", None, "is not known"),
    ],
)
def test_a_status_read_back_that_could_not_have_changed_is_no_pass(
    sent: str, before: str | None, reason: str
) -> None:
    """Reading back the status sent shows an update applied only when the registration had
    another one before: asked for the status it had (or one never read), a server ignoring the
    update reads back the same, so ETR-020 is not exercised, and says why; a wrong status read
    back is still a violation."""
    check = storage.status_reads_back.bind(
        requirement="ETR-020",
        expected=sent,
        why="the 200 updated it",
        pointer="/registration_status",
        asked=sent,
        before=before,
    )
    outcome = check.outcome(answer(200, {"registration_status": sent}))
    assert outcome.violations == () and reason in outcome.inapplicable["ETR-020"]
    assert found(check, answer(200, {"registration_status": "PENDING"})) == ["ETR-020"]


def test_a_value_the_server_filled_in_is_no_merge_when_left_out_again() -> None:
    """CR-049 is about what an earlier update *set*: a field the client never sent, filled in
    by the server (a default currency), may stay; one the client sent and left out may not."""
    record = CourseRecord()
    first = {"name": "a", "notes": "mine"}
    record.learn(first, answer(200, {**first, "order_currency_code": "USD"}, "PUT"))
    assert record.left_out == {}
    record.learn({"name": "b"}, answer(200, {"name": "b", "order_currency_code": "USD"}, "PUT"))
    assert record.left_out == {"notes": "mine"}
    assert storage.set_by({"notes": "x"}, {"notes": "y"}) == {}  # answered otherwise: not set
    assert storage.set_by(b"raw", {"notes": "y"}) == {}


# The models


def test_course_record_model_keeps_the_last_200_and_what_was_left_out() -> None:
    """A 200 becomes what the record keeps; fields an update leaves out must stay out."""
    record = CourseRecord()
    first = {"name": "a", "notes": "n1", "city": "c"}
    record.learn(first, answer(200, {**first, "sys_version": 2}, "PUT"))
    record.learn({"name": "b"}, answer(200, {"name": "b", "sys_version": 3}, "PUT"))
    assert record.version == 3 and record.left_out == {"notes": "n1", "city": "c"}
    record.learn({"name": "c", "city": "d"}, answer(409, {}, "PUT"))  # refused: nothing learnt
    record.learn({"name": "c", "city": "d"}, answer(200, {"name": "c", "city": "d"}, "PUT"))
    assert record.left_out == {"notes": "n1"}


def test_track_model_expects_each_listed_registration_by_its_answer() -> None:
    """After a 200 every known id has the new status (ETR-020); after a 207 the ones it does not
    name have it and the ones it names keep theirs (ETR-021)."""
    model = TrackStatuses("/failed_registration_ids")
    body = {"registration_ids": ["a", "b"], "registration_status": "CANCELED"}
    first = model.after(TrackRequest(["a", "b"], [], body, {}), answer(200, None, "PUT"))
    assert {rid: (e.status, e.requirement) for rid, e in first.items()} == {
        "a": ("CANCELED", "ETR-020"),
        "b": ("CANCELED", "ETR-020"),
    }
    body = {"registration_ids": ["a", "b", "u"], "registration_status": "PENDING"}
    failed = answer(207, {"failed_registration_ids": ["b", "u"]}, "PUT")
    second = model.after(TrackRequest(["a", "b"], ["u"], body, {}), failed)
    assert {rid: (e.status, e.requirement) for rid, e in second.items()} == {
        "a": ("PENDING", "ETR-021"),
        "b": ("CANCELED", "ETR-021"),
    }


# Requirements a running test leaves out


def test_left_out_requirements_are_skipped_with_the_reason_never_passed() -> None:
    """A test that ran but left read-back out reports its requirements skipped, saying why;
    another test that judged one makes it pass."""
    catalogue = load_catalogue()
    results = RunResults(catalogue, Level.MUST)
    reason = "the profile leaves read-back out (no read_path in [course_registrations])"
    verdicts = Verdicts(catalogue, Level.MUST)
    verdicts.leave_out(["CR-048", "ETR-020"], reason)
    properties = [("requirement", "CR-048"), (PROPERTY, json.dumps(verdicts.as_dict()))]
    results.add_report("suites/x.py::test_machine", "passed", properties, "")
    assert results.by_id["CR-048"].verdict(Level.MUST) == "skipped"
    assert results.by_id["CR-048"].note(Level.MUST) == reason
    assert "CR-048" not in results.incomplete()


# The sequence a failure carries, and the shortest failing sequence


def test_failure_lists_its_sequence_in_order_and_keeps_it_in_the_record() -> None:
    """Every request of the sequence, numbered in order, whole; report.json keeps them."""
    violation = Violation("CR-048", "`name` answered 'a' but stored 'b'")
    sequence = ("curl -X PUT http://h/x --data-raw '{}'", "curl -X GET http://h/x")
    failure = Failure.of(violation, answer(200, {}), "MUST", sequence)
    lines = failure.block("statement")
    start = lines.index("  sequence: 2 request(s), in order")
    assert lines[start + 1 :] == [f"    1. {sequence[0]}", f"    2. {sequence[1]}"]
    assert Failure.from_dict(json.loads(json.dumps(failure.as_dict()))) == failure
    assert "sequence" not in "\n".join(Failure.of(violation, answer(200, {}), "MUST").block("s"))


class Counter(SequenceMachine):
    """A made-up machine: it fails on the third `bump` of the same name."""

    def __init__(self, verdicts: Verdicts) -> None:
        super().__init__(verdicts)
        self.counts: dict[str, int] = {}

    def bump(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1
        if self.counts[name] == 3:
            failure = Failure.of(Violation("CR-048", name), answer(200, {}), "MUST")
            raise NonConformance([failure])

    def noise(self) -> None:
        pass

    @rule()
    def a_rule(self) -> None:  # hypothesis refuses a machine without one; replays never run it
        self.step("noise")


def test_shortest_drops_every_step_the_failure_does_not_need() -> None:
    """Of a failing sequence only the steps it needs are kept, in their order."""
    verdicts = Verdicts(load_catalogue(), Level.MUST)
    steps = [
        Step("noise", ()),
        Step("bump", ("a",)),
        Step("bump", ("b",)),
        Step("bump", ("a",)),
        Step("noise", ()),
        Step("bump", ("a",)),
    ]
    failure = replay(lambda: Counter(verdicts), steps)
    assert failure is not None
    assert shortest(lambda: Counter(verdicts), steps, failure) == [Step("bump", ("a",))] * 3


class OnceBroken(SequenceMachine):
    """A made-up machine over a made-up server that breaks only on its first few writes, then
    keeps working: as a real server's state does, it makes every replay differ from the
    sequence that failed (hypothesis calls that flaky)."""

    writes: ClassVar[list[int]] = []  # the "server's" state, outliving every machine

    @rule(value=st.integers(0, 3))
    def write(self, value: int) -> None:
        self.step("put", value)

    def put(self, value: int) -> None:
        OnceBroken.writes.append(value)
        if len(OnceBroken.writes) == 2:  # only the server's second write ever fails
            failure = Failure.of(Violation("ETR-021", f"write {value}"), answer(200, {}), "MUST")
            raise NonConformance([failure])


def test_a_failure_the_server_state_hides_on_replay_is_still_reported() -> None:
    """Replays cannot fail again (the server moved on), so hypothesis raises Flaky: the first
    failing sequence is reported all the same, never an internal error."""
    OnceBroken.writes.clear()
    verdicts = Verdicts(load_catalogue(), Level.MUST)
    machine_settings = settings(max_examples=20, stateful_step_count=4, database=None)
    with pytest.raises(NonConformance) as caught:
        run(lambda: OnceBroken(verdicts), machine_settings, seed=1)
    assert [f.requirement for f in caught.value.failures] == ["ETR-021"]


def test_a_drawn_status_asks_for_a_change_first() -> None:
    """TrackRequests.changing puts the statuses the registrations hold last: the simplest draw
    (the first status) becomes the first one none holds, and every draw still maps to one
    status of its own (the same spread)."""
    section = TrackSection("e", "t", ("a",), statuses=("REGISTERED", "PENDING", "CANCELED"))
    requests = TrackRequests(
        section, AllowList(parse_profile(fixture_profile("http://127.0.0.1:1")))
    )
    held = {"REGISTERED", None}
    assert requests.changing("REGISTERED", held) == "PENDING"
    assert sorted(requests.changing(s, held) for s in section.statuses) == sorted(section.statuses)
    assert requests.changing("REGISTERED", {None}) == "REGISTERED"  # nothing known: as drawn
    assert requests.changing("bogus", held) == "bogus"  # a violation's value is left alone
