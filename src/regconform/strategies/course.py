"""Course-registration requests: valid updates and one-violation-at-a-time invalid ones."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from hypothesis import strategies as st
from jsonschema import Draft202012Validator, ValidationError

from regconform.catalogue.contracts import (
    COURSE_PATH,
    COURSE_REQUEST_SCHEMA,
    MANAGED_PREFIX,
    Contracts,
)
from regconform.catalogue.requirements import ids_of, one_id, refusal_ids
from regconform.settings.profile import CourseSection
from regconform.strategies._schemathesis import body_strategy

# Never generated in valid updates: `sys_locked: true` could lock a real record for good, and a
# random `sys_version` would make a concurrency-checking server answer 409 (CR-042 tests it).
NOT_GENERATED = ("sys_locked", "sys_version")
COURSE = "course_registrations"

# A value of every JSON type but the documented one.
WRONG_VALUES: dict[str, tuple[Any, ...]] = {
    "string": (12345, True, ["x"], {"x": 1}),
    "number": ("10", True, [1], {"n": 1}),
    "boolean": ("true", 1, ["x"]),
    "array": ("x", 7, {"x": 1}),
    "object": ("x", 7, ["x"]),
}
OUT_OF_RANGE = ("pending", "ARCHIVED", "Completed", "")
# Not ISO 8601 at all: what a field the document says is "expressed in ISO-8601" must not hold.
NOT_DATE_TIMES = ("22/11/2026", "2024-01-01T12:99:00Z")
PATH_ID = "{path id}"  # stands, in a description, for the id of the record the body goes to
# A valid value of each JSON type, for the required fields of an array item we make up.
SAMPLE_VALUES: dict[str, Any] = {
    "string": "2025-03-01",
    "number": 1,
    "boolean": True,
    "array": [],
    "object": {},
}


@dataclass(frozen=True)
class BodyViolation:
    requirement: str
    description: str  # what is wrong with the body; may name PATH_ID
    apply: Callable[[dict[str, Any]], dict[str, Any]]
    # A malformed value of a field the server manages itself: it may be refused (400) or
    # ignored, the update applied (CR-014). The others must be refused.
    ignorable: bool = False
    # Which violations are alternatives of one another: one per slot is sent for each body.
    # The slot of a requirement's violations is its id; a nested field is a slot of its own.
    slot: str = ""
    # What kind of fault it is, for those of a wrong value: a wrong JSON type ("type"), a
    # malformed date-time ("date-time"), a wrong array item or item field ("item").
    kind: str = ""

    @property
    def group(self) -> str:
        return self.slot or self.requirement

    def why(self, record_id: str) -> str:
        """The description, for a body sent to `record_id`."""
        return self.description.replace(PATH_ID, repr(record_id))


def _without(field: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda body: {k: v for k, v in body.items() if k != field}


def _with(field: str, value: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda body: {**body, field: value}


def invalid_body_ids() -> tuple[str, ...]:
    """The requirements a single-field violation of a course body breaks, in catalogue order."""
    return refusal_ids(COURSE)


def body_violations(contracts: Contracts) -> list[BodyViolation]:
    """Every single-field violation the request schema allows us to make, with its requirement
    (found in the catalogue by rule family and field)."""
    schema = contracts.course_openapi["components"]["schemas"][COURSE_REQUEST_SCHEMA]
    wrong_type_id = one_id("request-schema", COURSE)
    found = [
        BodyViolation(str(rid), f"without `{f}`", _without(str(f)))
        for f, rid in ids_of("request-required", COURSE).items()
    ]
    found.append(
        BodyViolation(
            ids_of("request-item-required", COURSE)["substitutions"],
            "a `substitutions` item without `date`",
            _with("substitutions", [{"notes": "no date given"}]),
        )
    )
    found.append(
        BodyViolation(
            one_id("request-id-matches-path", COURSE),
            f"a body `id` 'regconform-other-record' other than the path id {PATH_ID}",
            _with("id", "regconform-other-record"),
        )
    )
    for field, rid in ids_of("request-enum", COURSE).items():
        found += [
            BodyViolation(rid, f"`{field}` = {v!r}", _with(str(field), v)) for v in OUT_OF_RANGE
        ]
    for field, prop in schema["properties"].items():
        managed = field.startswith(MANAGED_PREFIX)
        for value in WRONG_VALUES.get(prop.get("type", ""), ()):
            found.append(
                BodyViolation(
                    wrong_type_id,
                    f"`{field}` = {value!r}",
                    _with(field, value),
                    ignorable=managed,
                    kind="type",
                )
            )
        if prop.get("format") == "date-time":
            found += [
                BodyViolation(
                    wrong_type_id,
                    f"`{field}` = {value!r}, not an ISO 8601 date-time",
                    _with(field, value),
                    ignorable=managed,
                    kind="date-time",
                )
                for value in NOT_DATE_TIMES
            ]
    return found + nested_violations(schema, wrong_type_id)


def _item_fields(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Array fields whose items are documented objects: field -> the item schema."""
    found = {}
    for field, prop in schema["properties"].items():
        items = prop.get("items")
        if prop.get("type") == "array" and isinstance(items, dict) and "properties" in items:
            found[field] = items
    return found


def _spoiled_item(
    field: str, made_up: dict[str, Any], key: str, value: Any
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The body with `key` of its first `field` item set to `value` (or, when the body has no
    item, a `made_up` one: its required fields valid)."""

    def apply(body: dict[str, Any]) -> dict[str, Any]:
        items = body.get(field)
        if isinstance(items, list) and items and isinstance(items[0], dict):
            return {**body, field: [{**items[0], key: value}, *items[1:]]}
        return {**body, field: [{**made_up, key: value}]}

    return apply


def nested_violations(schema: dict[str, Any], requirement: str) -> list[BodyViolation]:
    """A wrong JSON type at every typed field of an array item, and an item that is not an
    object, for every array of documented objects: each its own slot (all are sent per body),
    but those of a server-managed array, which a server may ignore (ignorable: one of them is
    sent per body, with the other ignorable faults)."""
    found = []
    for field, item in _item_fields(schema).items():
        managed = field.startswith(MANAGED_PREFIX)
        properties = item["properties"]
        made_up = {
            name: SAMPLE_VALUES[properties[name]["type"]] for name in item.get("required", [])
        }
        found += [
            BodyViolation(
                requirement,
                f"`{field}` item = {v!r}",
                _with(field, [v]),
                managed,
                f"{field}[]",
                kind="item",
            )
            for v in WRONG_VALUES["object"]
        ]
        for key, prop in properties.items():
            slot = f"{field}[].{key}"
            spoil = partial(_spoiled_item, field, made_up, key)
            found += [
                BodyViolation(requirement, f"`{slot}` = {v!r}", spoil(v), managed, slot, "item")
                for v in WRONG_VALUES.get(prop.get("type", ""), ())
            ]
    return found


def breaks_a_client_field(validator: Draft202012Validator) -> Callable[[Any], bool]:
    """Whether a negative body breaks the request schema somewhere a server must refuse: not
    only in the value of a field it manages itself (a sys_ field, at any depth), which it may
    ignore. A required sys_ field left out still counts: the document calls it required."""

    def check(body: Any) -> bool:
        if not isinstance(body, dict):
            return True
        return any(not _in_a_managed_value(error) for error in validator.iter_errors(body))

    return check


def _in_a_managed_value(error: ValidationError) -> bool:
    where = list(error.absolute_path)
    return bool(where) and str(where[0]).startswith(MANAGED_PREFIX)


def lists_filled(openapi: dict[str, Any]) -> dict[str, Any]:
    """The course contract with every client list field of a request required and never empty:
    valid bodies whose lists, the nested part of a record, are there to be stored."""
    spec = copy.deepcopy(openapi)
    schema = spec["components"]["schemas"][COURSE_REQUEST_SCHEMA]
    lists = [
        name
        for name, prop in schema["properties"].items()
        if prop.get("type") == "array" and not name.startswith(MANAGED_PREFIX)
    ]
    schema["required"] = [*schema.get("required", []), *lists]
    for name in lists:
        schema["properties"][name]["minItems"] = 1
    return spec


class CourseRequests:
    """Strategies for the course suite, bound to a profile section.

    Each strategy is built once: hypothesis validates every new strategy object on its first
    draw, and rebuilding them per example cost ~0.7 ms an example (bench/README.md).
    """

    def __init__(self, contracts: Contracts, section: CourseSection) -> None:
        self.section = section
        drop = tuple((COURSE_REQUEST_SCHEMA, f) for f in NOT_GENERATED)
        bodies = body_strategy(contracts.course_openapi, COURSE_PATH, drop_properties=drop)
        schema = contracts.component(contracts.course_openapi, COURSE_REQUEST_SCHEMA)
        formats = Draft202012Validator.FORMAT_CHECKER
        refusable = breaks_a_client_field(Draft202012Validator(schema, format_checker=formats))
        negative = body_strategy(contracts.course_openapi, COURSE_PATH, negative=True)
        self._negative = negative.filter(refusable)
        self.violations = body_violations(contracts)
        self._bodies = bodies
        self._filled = body_strategy(
            lists_filled(contracts.course_openapi), COURSE_PATH, drop_properties=drop
        )
        # (records, lists filled) -> its updates: built once, each new strategy costs a check
        self._shares: dict[tuple[tuple[str, ...], bool], st.SearchStrategy[Any]] = {}
        refused = [v for v in self.violations if not v.ignorable]
        slots = [*invalid_body_ids(), *(v.slot for v in refused if v.slot)]
        ignorable = [v for v in self.violations if v.ignorable]
        self._one_violation_each = st.tuples(
            *(
                st.sampled_from([v for v in refused if v.group == slot])
                for slot in dict.fromkeys(slots)
            ),
            *(
                # one of each kind of server-managed fault per body
                st.sampled_from([v for v in ignorable if v.kind == kind])
                for kind in dict.fromkeys(v.kind for v in ignorable)
            ),
        )

    def for_record(self, record_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """A generated body aimed at `record_id`, with the profile's fixed reference values."""
        return {**body, **self.section.fixed_fields, "id": record_id}

    def _updates_of(
        self, ids: tuple[str, ...], lists: bool = False
    ) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
        if (ids, lists) not in self._shares:
            bodies = self._filled if lists else self._bodies
            self._shares[ids, lists] = st.tuples(st.sampled_from(ids), bodies).map(
                lambda pair: (pair[0], self.for_record(*pair))
            )
        strategy: st.SearchStrategy[tuple[str, dict[str, Any]]] = self._shares[ids, lists]
        return strategy

    def updates_with_lists(
        self, ids: tuple[str, ...]
    ) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
        """(record id, valid update of it) for `ids`, every client list field in it non-empty."""
        return self._updates_of(ids, lists=True)

    def valid_updates(
        self, ids: tuple[str, ...] | None = None
    ) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
        """(record id, valid update of it) for the records the course tests update (the
        profile's, but those the stateful suite keeps: CourseSection.update_ids), or for `ids`
        (a state machine lane's share: harness.sequences)."""
        return self._updates_of(self.section.update_ids if ids is None else ids)

    def one_violation_each(self) -> st.SearchStrategy[tuple[BodyViolation, ...]]:
        """One single-field violation per invalid-body requirement, in catalogue order, then one
        per typed field of an array item (and per array: an item that is not an object), then
        one malformed value of a server-managed (sys_) field of each kind (a date-time, a type,
        an item of a sys_ array): refused, or ignored and the update applied.

        Each is applied to the same generated valid body and sent on its own: generating an
        81-field body costs several times a loopback request, so one body serves them all.
        """
        return self._one_violation_each

    def schema_violating_bodies(self) -> st.SearchStrategy[Any]:
        """Schemathesis's negative bodies: each breaks the request schema somewhere, and not
        only in the value of a server-managed field (one_violation_each sends those)."""
        return self._negative
