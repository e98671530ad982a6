"""Track-registration requests: mixes of known and unknown ids, and one-violation variants."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from regconform.catalogue.requirements import ids_of, one_id
from regconform.settings.profile import TrackSection
from regconform.target.transport import AllowList

# Every registration status value used across the vendor's API (which PUT accepts: INFERRED).
STATUSES = ("REGISTERED", "PENDING", "CANCELED", "EXPIRED", "IN_PROGRESS", "FAILED")
TRACK = "event_track_registrations"
# How many unknown uuids a request lists, the simplest draw first: two, so that the first
# example of a test (all a quick run sends) shows whether a 207 lists every failed id or only
# one (ETR-010), and whether an all-unknown 207 lists them all (ETR-013).
UNKNOWN_COUNTS = (2, 0, 1, 3)
FLAGS = ("increase_count", "increase_item_count", "return_items_to_inventory")
# Clearly not booleans in any framework's lenient parsing ("1", "yes", "on" often are).
NOT_BOOLEANS = ("maybe", "2", "truthy")


@dataclass(frozen=True)
class TrackRequest:
    known: list[str]
    unknown: list[str]
    body: dict[str, Any]
    query: dict[str, str]


@dataclass(frozen=True)
class TrackViolation:
    requirement: str
    description: str
    body: Callable[[dict[str, Any]], Any]
    query: dict[str, str]


def _flags() -> st.SearchStrategy[dict[str, str]]:
    as_text = st.booleans().map(lambda b: "true" if b else "false")
    return st.fixed_dictionaries({}, optional={flag: as_text for flag in FLAGS})


def _drop(key: str) -> Callable[[dict[str, Any]], Any]:
    return lambda body: {k: v for k, v in body.items() if k != key}


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], Any]:
    return lambda body: {**body, key: value}


def _same(body: dict[str, Any]) -> Any:
    return body


def track_violations() -> list[TrackViolation]:
    """Every single violation of the request, each with the requirement it breaks (found in
    the catalogue by rule family and field)."""
    required, types = ids_of("request-required", TRACK), ids_of("request-type", TRACK)
    non_empty, enum = ids_of("request-non-empty", TRACK), ids_of("request-enum", TRACK)
    boolean = one_id("query-boolean", TRACK)
    found = [
        TrackViolation(required[key], f"without {key}", _drop(key), {})
        for key in ("registration_ids", "registration_status")
    ]
    found.append(
        TrackViolation(
            non_empty["registration_ids"], "registration_ids = []", _set("registration_ids", []), {}
        )
    )
    not_string_lists: tuple[Any, ...] = ("4460bdcd", 5, [1, 2], {"id": "x"}, None)
    not_strings: tuple[Any, ...] = (5, True, ["CANCELED"], None)
    wrong = [("registration_ids", v) for v in not_string_lists]
    wrong += [("registration_status", v) for v in not_strings]
    for key, value in wrong:
        found.append(TrackViolation(types[key], f"{key} = {value!r}", _set(key, value), {}))
    for value in ("cancelled", "DONE", ""):
        found.append(
            TrackViolation(
                enum["registration_status"],
                f"registration_status = {value!r}",
                _set("registration_status", value),
                {},
            )
        )
    for flag in FLAGS:
        for value in NOT_BOOLEANS:
            found.append(TrackViolation(boolean, f"?{flag}={value}", _same, {flag: value}))
    return found


class TrackRequests:
    """Strategies for the track suite, bound to a profile section and the allow-list.

    Each strategy is built once (see CourseRequests for why).
    """

    def __init__(self, section: TrackSection, allow: AllowList) -> None:
        self.section = section
        self.allow = allow
        self.statuses = section.statuses or STATUSES
        self.violations = track_violations()
        fresh = st.binary(min_size=16, max_size=16).map(allow.synthetic_uuid)
        lists = {n: st.lists(fresh, min_size=n, max_size=n, unique=True) for n in UNKNOWN_COUNTS}
        self._unknown = {
            low: st.sampled_from([n for n in UNKNOWN_COUNTS if n >= low]).flatmap(lists.__getitem__)
            for low in (0, 1)
        }
        self._status = st.sampled_from(self.statuses)
        self._flags = _flags()
        # records -> (valid bodies, mixed requests) over them: built once (each new strategy
        # costs a check on its first draw)
        self._shares: dict[tuple[str, ...], tuple[st.SearchStrategy[Any], ...]] = {}
        requirements = sorted({v.requirement for v in self.violations})
        self._one_violation_each = st.tuples(
            *(
                st.sampled_from([v for v in self.violations if v.requirement == rid])
                for rid in requirements
            )
        )

    def _share(self, ids: tuple[str, ...]) -> tuple[st.SearchStrategy[Any], ...]:
        """The valid-body and mixed-request strategies over `ids`."""
        valid_body = st.fixed_dictionaries(
            {
                "registration_ids": st.lists(st.sampled_from(ids), min_size=1, unique=True),
                "registration_status": self._status,
            }
        )
        known = st.lists(st.sampled_from(ids), unique=True)
        return valid_body, st.composite(self._draw_mixed)(known)

    def _of(self, ids: tuple[str, ...] | None) -> tuple[st.SearchStrategy[Any], ...]:
        ids = self.section.update_ids if ids is None else ids  # the sequences' are theirs
        if ids not in self._shares:
            self._shares[ids] = self._share(ids)
        return self._shares[ids]

    def unknown_ids(self, min_size: int = 0) -> st.SearchStrategy[list[str]]:
        """Up to three fresh uuids no track holds (at least `min_size`: 0 or 1; UNKNOWN_COUNTS)."""
        return self._unknown[min_size]

    def mixed(self, ids: tuple[str, ...] | None = None) -> st.SearchStrategy[TrackRequest]:
        """Random subsets of the registrations the track tests update (the profile's, but those
        the stateful suite keeps: TrackSection.update_ids), or of `ids` (a lane's share),
        mixed with random unknown uuids, in random order."""
        strategy: st.SearchStrategy[TrackRequest] = self._of(ids)[1]
        return strategy

    def _draw_mixed(self, draw: st.DrawFn, known_ids: st.SearchStrategy[list[str]]) -> TrackRequest:
        known = draw(known_ids)
        unknown = draw(self._unknown[0 if known else 1])  # never an empty list of ids
        status, query = draw(self._status), draw(self._flags)
        ids = draw(st.permutations(known + unknown))
        body = {"registration_ids": ids, "registration_status": status}
        return TrackRequest(known, unknown, body, query)

    def changing(self, status: str, held: Collection[Any]) -> str:
        """The status drawn as `status` once the statuses the registrations are known to hold
        (`held`) go last: the same spread of draws, but the simplest one (the first status)
        asks for a change, which a read-back can tell from an update ignored (ETR-020/021)."""
        order = [s for s in self.statuses if s not in held] + [
            s for s in self.statuses if s in held
        ]
        return order[self.statuses.index(status)] if status in self.statuses else status

    def valid_body(self, ids: tuple[str, ...] | None = None) -> st.SearchStrategy[dict[str, Any]]:
        """A valid body listing some of the registrations the track tests update (or `ids`)."""
        strategy: st.SearchStrategy[dict[str, Any]] = self._of(ids)[0]
        return strategy

    def one_violation_each(self) -> st.SearchStrategy[tuple[TrackViolation, ...]]:
        """One violation per invalid-request requirement (ETR-001..007), in id order; each is
        applied to the same drawn valid body and sent on its own."""
        return self._one_violation_each
