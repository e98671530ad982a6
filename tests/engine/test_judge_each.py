"""One generated body, many requests: `Verdicts.judge_each` judges every exchange of an example
before failing, and the failure names each broken requirement."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_checks import exchange

from regconform.catalogue.requirements import Level, load_catalogue
from regconform.judging.checks import common
from regconform.judging.verdicts import Judged, NonConformance, Verdicts
from regconform.target.exchange import Exchange, SentRequest


def refusals(*statuses: int) -> Iterator[Judged]:
    """Answers to invalid requests, judged by the 400 rule of CR-001, CR-002, ... in turn."""
    for number, status in enumerate(statuses, start=1):
        rule = common.rejected_as_bad_request.bind(requirement=f"CR-00{number}")
        yield exchange(status, {"error_key": "x"}), (rule, common.invalid_request_not_5xx)


def test_every_exchange_is_judged_and_the_failure_names_each_broken_requirement() -> None:
    verdicts = Verdicts(load_catalogue(), Level.MUST)
    with pytest.raises(NonConformance) as failure:
        verdicts.judge_each(refusals(200, 400, 500, 400))
    message = str(failure.value)
    assert "CR-001 [MUST]" in message and "CR-003 [MUST]" in message
    assert "CR-002" not in message and "CR-004" not in message
    assert "GEN-005 [MUST]" in message  # the 500 broke the never-5xx rule too
    checked = {rid: tally.checked for rid, tally in verdicts.tallies.items()}
    assert checked == {"CR-001": 1, "CR-002": 1, "CR-003": 1, "CR-004": 1, "GEN-005": 4}
    violated = {rid: t.violated for rid, t in verdicts.tallies.items() if t.violated}
    assert violated == {"CR-001": 1, "CR-003": 1, "GEN-005": 1}


def test_only_nonconformances_wait_for_the_end() -> None:
    """A target that breaks down mid-example stops it at once: the error propagates, and what
    was judged before it stays tallied."""

    def breaking_down() -> Iterator[Judged]:
        yield from refusals(200)
        raise ConnectionError("the target broke down")

    verdicts = Verdicts(load_catalogue(), Level.MUST)
    with pytest.raises(ConnectionError):
        verdicts.judge_each(breaking_down())
    assert verdicts.tallies["CR-001"].violated == 1


def test_a_clean_sequence_passes() -> None:
    verdicts = Verdicts(load_catalogue(), Level.MUST)
    verdicts.judge_each(refusals(400, 400))
    assert all(not tally.violated for tally in verdicts.tallies.values())


def test_dry_run_exchanges_are_not_judged() -> None:
    verdicts = Verdicts(load_catalogue(), Level.MUST)
    dry = Exchange(exchange(0).request, 0, {}, b"", dry_run=True)
    verdicts.judge_each([(dry, (common.invalid_request_not_5xx,))])
    assert verdicts.tallies == {}


def test_a_rule_judged_in_passing_counts_only_when_it_applies() -> None:
    """A test citing GEN-001 judges GEN-003 in passing: on a 401 without a challenge GEN-003
    counts, on a 200 its "not applicable" is no evidence and leaves no tally."""
    waived = frozenset({"GEN-003"})  # tallied, never raised, whatever its level
    verdicts = Verdicts(load_catalogue(), Level.MUST, waived, cited=frozenset({"GEN-001"}))
    verdicts.judge_each([(exchange(200, {}), (common.unauthorized_has_challenge,))])
    assert "GEN-003" not in verdicts.tallies
    verdicts.judge_each([(exchange(401, {}), (common.unauthorized_has_challenge,))])
    assert verdicts.tallies["GEN-003"].violated == 1
    cited = Verdicts(load_catalogue(), Level.MUST, cited=frozenset({"GEN-003"}))
    cited.judge_each([(exchange(200, {}), (common.unauthorized_has_challenge,))])
    assert cited.tallies["GEN-003"].inapplicable == {"answered 200, not 401": 1}


def test_the_copies_hypothesis_sends_while_shrinking_are_not_counted() -> None:
    """After an example failed, its smaller copies are no new evidence: "checked", violations
    and the statuses seen count the first failing example once, however often it is replayed."""
    verdicts = Verdicts(load_catalogue(), Level.MUST)
    sent = SentRequest("PUT", "http://127.0.0.1:1/courseRegistrations/acme/cr-1", {}, b"{}")
    answer = Exchange(sent, 500, {"content-type": "application/json"}, b"{}")
    for _replay in range(4):  # the failure, then three shrink attempts answered alike
        with pytest.raises(NonConformance):
            verdicts.judge_each([(answer, (common.invalid_request_not_5xx,))])
    assert verdicts.tallies["GEN-005"].checked == 1
    assert verdicts.tallies["GEN-005"].violated == 1
    assert verdicts.coverage.as_dict()["statuses"] == {"course_registrations": {"500": 1}}
