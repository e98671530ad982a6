"""The totals of what a run sent, merged over xdist workers."""

from __future__ import annotations

from regconform.target.sent import SentTotals

A = SentTotals(3, "a" * 64, {"CR-001": 2, "GEN-005": 3}, throttled=1)
B = SentTotals(2, "b" * 64, {"CR-001": 1, "ETR-008": 2})


def test_workers_totals_add_up() -> None:
    merged = SentTotals.merged({"gw0": A, "gw1": B})
    assert merged.count == 5 and merged.throttled == 1
    assert merged.per_requirement == {"CR-001": 3, "GEN-005": 3, "ETR-008": 2}


def test_the_merged_digest_depends_on_what_each_worker_sent_not_on_arrival_order() -> None:
    assert SentTotals.merged({"gw0": A, "gw1": B}) == SentTotals.merged({"gw1": B, "gw0": A})
    swapped = SentTotals.merged({"gw0": B, "gw1": A})
    assert swapped.sha256 != SentTotals.merged({"gw0": A, "gw1": B}).sha256


def test_totals_travel_as_plain_data() -> None:
    """What a worker hands over (`workeroutput` carries plain data only) comes back equal."""
    assert SentTotals.from_dict(A.as_dict()) == A


def test_workers_that_never_handed_totals_over_are_counted_apart() -> None:
    """An interrupted run's worker may never say what it sent: the merge says how many did
    not, the count being what arrived (a floor), and it travels with the totals."""
    merged = SentTotals.merged({"gw0": A}, unreported=2)
    assert (merged.count, merged.unreported) == (3, 2)
    assert SentTotals.merged({"gw0": A}).unreported == 0
    assert SentTotals.from_dict(merged.as_dict()) == merged
