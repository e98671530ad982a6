"""Does the server keep what it answers? Random sequences of requests over the profile's records.

Each answer is judged against a model of what a conforming server must keep (harness.models):
versions, created and modified stamps, fields left out, statuses. Where the profile names a
`read_path`, what was stored is read back and compared with that model; without one, the
read-back requirements are left out (`skipped`, saying why). A failing sequence is cut to its
shortest (harness.sequences), and its failure lists each of its requests, in order, as curl
lines.

Each rule draws what its step needs and hands it to `step`; the step itself (a method named
like it) sends and judges, so a sequence can be replayed without drawing it again. A machine
works on its lane's records only (harness.sequences.run_lanes), and on the records (or
registrations) the profile keeps for the sequences (`sequence_ids` of its section), no other
test's.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import initialize, precondition, rule

from regconform.catalogue.contracts import course_request_properties
from regconform.harness.clients import CourseClient, TrackClient
from regconform.harness.controls import (
    APPLIED_UPDATE,
    TRACK_OUTCOME,
    all_known,
    applied_checks,
    course_documented,
    sent_track_request,
    track_outcome_checks,
)
from regconform.harness.models import CourseRecord, TrackStatuses, reads_back
from regconform.harness.sequences import Lane, SequenceMachine
from regconform.judging.checks import course as cr
from regconform.judging.checks import ids, storage
from regconform.judging.verdicts import Judged, Verdicts
from regconform.strategies.event_track import TrackRequest
from regconform.target.concurrency import in_order
from regconform.target.exchange import Exchange

# Rules a sequence runs (hypothesis' stateful_step_count); with the examples each test allows,
# what the stateful suite costs a run (README, "The stateful suite").
COURSE_STEPS = 8
TRACK_STEPS = 6

COURSE_READ_IDS = ids(storage.stored_as_answered)
# What every course sequence judges: its first step is an update, read back. The refused
# attempts (stale, locked, other tenant) are judged when a sequence draws them, but are not
# claimed here: hypothesis may draw none, and the course suite claims them (and says when the
# profile leaves them out).
COURSE_IDS = ids(*APPLIED_UPDATE, storage.stored_as_answered)
# An optional free-text field of the course contract. Set to a value of ours and then left
# out, it shows whether a PUT replaces the record or merges into it (CR-049), whatever values
# hypothesis draws: a field only counts once an update of ours has set it (storage.set_by).
MARKED_FIELD = "notes"
TRACK_READ_IDS = ids(storage.status_reads_back)
TRACK_IDS = ids(*TRACK_OUTCOME, storage.status_reads_back)


class CourseRecords(SequenceMachine):
    """Updates, stale-version, locked and other-tenant attempts, and read-backs, in any order."""

    def __init__(self, course: CourseClient, lane: Lane, reads: bool) -> None:
        super().__init__(lane.verdicts, lane.halt)
        self.course = course
        self.ids = lane.ids  # the records this lane's sequences update
        self.reads = reads
        self.records: dict[str, CourseRecord] = {}

    def record(self, record_id: str) -> CourseRecord:
        return self.records.setdefault(record_id, CourseRecord())

    def versioned(self) -> list[str]:
        return sorted(rid for rid, record in self.records.items() if record.version is not None)

    def answered(self) -> list[str]:
        return sorted(rid for rid, record in self.records.items() if record.answered)

    def refusals(self) -> list[str]:
        """The refused attempts the profile and this sequence's answers allow."""
        section = self.course.section
        kinds = ["stale"] if self.versioned() else []
        kinds += ["locked"] if section.locked_registration_id is not None else []
        return kinds + (["other_tenant"] if section.other_tenant_record_id is not None else [])

    def update_of(
        self, data: st.DataObject, record_id: str | None = None, lists: bool = False
    ) -> tuple[str, Any]:
        requests = self.course.requests
        drawn = requests.updates_with_lists(self.ids) if lists else requests.valid_updates(self.ids)
        drawn_id, body = data.draw(drawn, label="update")
        record_id = record_id or drawn_id
        return record_id, self.course.requests.for_record(record_id, body)

    def put(self, record_id: str, body: dict[str, Any]) -> Exchange:
        exchange = self.sent(self.course.put(record_id, body))
        self.course.remember(record_id, exchange, body)  # the session's too, for the others
        return exchange

    # Rules. Every sequence starts with an update (hypothesis may leave any rule out of a
    # sequence, "swarm testing", never an initialize rule), so each exercises what an update
    # does. Hypothesis orders the others by name and shrinks a step towards the first:
    # apply_update < read_back < refused_update, so a failing sequence shrinks to updates.

    @initialize(data=st.data())
    def first_update(self, data: st.DataObject) -> None:
        # Every client list field non-empty: each sequence, the simplest too, stores and reads
        # back the nested part of a record (CR-048), which drawn bodies leave out or empty
        # most of the time.
        self.step("update", *self.update_of(data, lists=True))

    @rule(data=st.data())
    def apply_update(self, data: st.DataObject) -> None:
        self.step("update", *self.update_of(data))

    @precondition(lambda self: self.reads and self.answered())
    @rule(data=st.data())
    def read_back(self, data: st.DataObject) -> None:
        self.step("read", data.draw(st.sampled_from(self.answered()), label="record"))

    def can_mark(self) -> bool:
        fixed = self.course.section.fixed_fields
        return MARKED_FIELD in course_request_properties() and MARKED_FIELD not in fixed

    @precondition(lambda self: self.can_mark())
    @rule(data=st.data())
    def marked_then_left_out(self, data: st.DataObject) -> None:
        self.step("set_then_omit", *self.update_of(data))

    @precondition(lambda self: self.refusals())
    @rule(data=st.data())
    def refused_update(self, data: st.DataObject) -> None:
        kind = data.draw(st.sampled_from(self.refusals()), label="refusal")
        if kind == "stale":
            record_id = data.draw(st.sampled_from(self.versioned()), label="record")
            self.step("stale", *self.update_of(data, record_id))
        else:  # "locked" or "other_tenant": the step of that name, with a drawn update
            update = data.draw(self.course.requests.valid_updates(self.ids), label="update")
            self.step(kind, update[1])

    # Steps.

    def update(self, record_id: str, body: dict[str, Any]) -> None:
        """A valid update: applied as sent, versions, stamps and left-out fields as modelled,
        and (where the profile allows) stored as answered, read back at once."""
        exchange = self.put(record_id, body)
        model = self.record(record_id)
        checks = applied_checks(self.course, body, model.answered, model.set_last)
        model.learn(body, exchange)
        self.judge(exchange, *checks)
        if self.reads and model.answered:
            self.read(record_id)

    def read(self, record_id: str) -> None:
        """A record read back, whatever came between: what its last 200 answered, and nothing
        left out since."""
        model = self.record(record_id)
        if model.answered is None:
            return  # a replay without the update it followed: nothing to compare with
        exchange = self.sent(self.course.read(record_id))
        self.judge(
            exchange,
            storage.stored_as_answered.bind(answered=model.answered),
            storage.left_out_fields_do_not_survive.bind(left_out=model.left_out),
        )

    def set_then_omit(self, record_id: str, body: dict[str, Any]) -> None:
        """An update setting MARKED_FIELD to a value of ours, then one leaving it out: the
        second answer (and read-back) must not keep it (CR-049)."""
        self.update(record_id, {**body, MARKED_FIELD: f"regconform-set-{record_id}"})
        self.update(record_id, {k: v for k, v in body.items() if k != MARKED_FIELD})

    def stale(self, record_id: str, body: dict[str, Any]) -> None:
        """An update written against the version before the one last answered: 409."""
        model = self.record(record_id)
        if model.version is None:
            return  # a replay without the update that gave the version
        stale = {**body, "sys_version": model.version - 1}
        exchange = self.put(record_id, stale)
        model.learn(stale, exchange)  # a server that took it moved on: the model follows
        self.judge(exchange, cr.stale_version_is_409, course_documented(self.course))

    def locked(self, body: dict[str, Any]) -> None:
        """An update of the locked record: refused (4xx, 409 by our reading)."""
        locked = self.course.section.locked_registration_id
        assert locked is not None
        exchange = self.put(locked, self.course.requests.for_record(locked, body))
        refused = (cr.locked_record_refused, cr.locked_refusal_is_409)
        self.judge(exchange, *refused, course_documented(self.course))

    def other_tenant(self, body: dict[str, Any]) -> None:
        """An update of another tenant's record through our tenant's path: 404 or 403."""
        section = self.course.section
        foreign = section.other_tenant_record_id
        assert foreign is not None
        # Sent, not remembered: another tenant's record is no state of ours.
        exchange = self.sent(
            self.course.put(foreign, self.course.requests.for_record(foreign, body))
        )
        owner = cr.other_tenant_refused.bind(owner=section.other_tenant_id)
        self.judge(exchange, owner, course_documented(self.course))


class TrackRegistrations(SequenceMachine):
    """Bulk status changes of known ids, and of known and unknown ids mixed; each listed
    registration of the track read back after its answer, where the profile allows."""

    def __init__(self, tracks: TrackClient, lane: Lane, reads: bool, seen: dict[str, Any]) -> None:
        super().__init__(lane.verdicts, lane.halt)
        self.tracks = tracks
        self.ids = lane.ids  # the registrations this lane's sequences change
        self.reads = reads
        self.model = TrackStatuses(tracks.pointer)
        # The status each registration read back last, in any sequence of the test (a lane's
        # registrations are its own): a read-back is evidence only of a status that changed.
        self.seen = seen

    @initialize(data=st.data())
    def first_partial_update(self, data: st.DataObject) -> None:
        """Known ids and at least one unknown (every sequence starts so: a 207, whose listed
        registrations it does not name read back in the new status)."""
        body = self.changing(data.draw(self.tracks.requests.valid_body(self.ids), label="body"))
        unknown = data.draw(self.tracks.requests.unknown_ids(min_size=1), label="unknown")
        ids = data.draw(st.permutations(body["registration_ids"] + unknown), label="order")
        known = body["registration_ids"]
        self.step("update", TrackRequest(known, unknown, {**body, "registration_ids": ids}, {}))

    @rule(data=st.data())
    def update_known(self, data: st.DataObject) -> None:
        """Only registrations of the track: 200, and each reads back in the new status."""
        body = data.draw(self.tracks.requests.valid_body(self.ids), label="body")
        self.step("update", all_known(self.changing(body)))

    @rule(data=st.data())
    def update_mixed(self, data: st.DataObject) -> None:
        """Known and unknown ids: the ones a 207 does not name read back in the new status."""
        request = data.draw(self.tracks.requests.mixed(self.ids), label="request")
        self.step("update", dataclasses.replace(request, body=self.changing(request.body)))

    def changing(self, body: dict[str, Any]) -> dict[str, Any]:
        """`body` with its drawn status asking for a change where the simplest draw would not
        (TrackRequests.changing: the statuses its registrations read back go last). Those not
        read yet in this test are read first, once: an update's read-back is evidence only
        against the status a registration had before it."""
        listed = [rid for rid in body["registration_ids"] if rid in self.ids]
        unseen = [rid for rid in listed if rid not in self.seen]
        if self.reads and unseen:
            for rid, answer in zip(unseen, self.read_each(unseen), strict=True):
                self.seen[rid] = storage.status_read(answer, self.tracks.section.status_pointer)
        held = {self.seen.get(rid) for rid in listed}
        status = self.tracks.requests.changing(body["registration_status"], held)
        return {**body, "registration_status": status}

    def read_each(self, ids: list[str]) -> Iterator[Exchange]:
        """GET each registration of `ids`, answers in order, as they are taken (a failure
        judged on one leaves the rest unsent when one at a time). The reads depend on no answer
        of each other: --concurrency sends them at once."""
        reads = [functools.partial(self.tracks.read, rid) for rid in ids]
        return in_order(self.tracks.target.concurrency, reads)

    def update(self, request: TrackRequest) -> None:
        self.verdicts.judge_each(self.answered_then_read(request))

    def answered_then_read(self, request: TrackRequest) -> Iterator[Judged]:
        exchange = self.sent(sent_track_request(self.tracks, request))
        expected = self.model.after(request, exchange)
        yield exchange, track_outcome_checks(self.tracks, request)
        if not self.reads:
            return
        pointer = self.tracks.section.status_pointer
        asked = request.body["registration_status"]
        for rid in set(request.known) - set(expected):  # changed or not, it is not read now
            self.seen.pop(rid, None)
        answers = self.read_each(list(expected))
        for (rid, must), answer in zip(expected.items(), answers, strict=True):
            read = self.sent(answer)
            check = storage.status_reads_back.bind(
                requirement=must.requirement,
                expected=must.status,
                why=must.why,
                pointer=pointer,
                asked=asked,
                before=self.seen.get(rid),
            )
            self.seen[rid] = storage.status_read(read, pointer)
            yield read, (check,)


@pytest.mark.suite("course_registrations")
@pytest.mark.own_records  # the profile's sequence_ids, if it has any: a worker of its own
@pytest.mark.requirement(*COURSE_IDS)
@pytest.mark.examples(4)
def test_course_records_keep_what_they_answer(
    request: pytest.FixtureRequest, course: CourseClient, verdicts: Verdicts, run_machine: Any
) -> None:
    """Sequences of updates, stale, locked and other-tenant attempts and read-backs of the
    profile's records: every answer as the model says, every read-back as last answered."""
    section = "course_registrations"
    reads = reads_back(request.node, verdicts, course.section.read_path, section, COURSE_READ_IDS)
    ids = course.section.sequence_ids or course.section.registration_ids  # its own, if any
    run_machine(lambda lane: CourseRecords(course, lane, reads), COURSE_STEPS, ids)


@pytest.mark.suite("event_track_registrations")
@pytest.mark.own_records  # the profile's sequence_ids, if it has any: a worker of its own
@pytest.mark.requirement(*TRACK_IDS)
@pytest.mark.examples(4)
def test_track_statuses_keep_what_they_answer(
    request: pytest.FixtureRequest, tracks: TrackClient, verdicts: Verdicts, run_machine: Any
) -> None:
    """Sequences of bulk status changes (known ids, known and unknown mixed): 200 or the exact
    207, and each listed registration read back in the status its answer gave it."""
    section = "event_track_registrations"
    reads = reads_back(request.node, verdicts, tracks.section.read_path, section, TRACK_READ_IDS)
    ids = tracks.section.sequence_ids or tracks.section.registration_ids  # its own, if any
    seen: dict[str, Any] = {}
    run_machine(lambda lane: TrackRegistrations(tracks, lane, reads, seen), TRACK_STEPS, ids)
