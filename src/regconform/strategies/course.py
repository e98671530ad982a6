"""Course-registration requests: valid updates and one-violation-at-a-time invalid ones."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from regconform.catalogue.contracts import COURSE_PATH, COURSE_REQUEST_SCHEMA, Contracts
from regconform.settings.profile import CourseSection
from regconform.strategies._schemathesis import body_strategy

# Never generated in valid updates: `sys_locked: true` could lock a real record for good, and a
# random `sys_version` would make a concurrency-checking server answer 409 (CR-042 tests it).
NOT_GENERATED = ("sys_locked", "sys_version")

# The requirement each one-field violation breaks (see contracts/requirements.yaml).
MISSING_FIELD_IDS = {
    "course_id": "CR-001",
    "course_offering_id": "CR-002",
    "id": "CR-003",
    "name": "CR-004",
    "student_id": "CR-005",
    "sys_created_at": "CR-006",
    "sys_created_by_id": "CR-007",
    "sys_last_modified_at": "CR-008",
    "sys_last_modified_by_id": "CR-009",
}
ENUM_IDS = {
    "order_status": "CR-011",
    "status": "CR-012",
    "training_provider_billing_status": "CR-013",
}
WRONG_TYPE_ID, ID_MISMATCH_ID, NESTED_MISSING_ID = "CR-014", "CR-015", "CR-010"
INVALID_BODY_IDS = sorted(
    {
        *MISSING_FIELD_IDS.values(),
        *ENUM_IDS.values(),
        WRONG_TYPE_ID,
        ID_MISMATCH_ID,
        NESTED_MISSING_ID,
    }
)

# A value of every JSON type but the documented one.
WRONG_VALUES: dict[str, tuple[Any, ...]] = {
    "string": (12345, True, ["x"], {"x": 1}),
    "number": ("10", True, [1], {"n": 1}),
    "boolean": ("true", 1, ["x"]),
    "array": ("x", 7, {"x": 1}),
    "object": ("x", 7, ["x"]),
}
OUT_OF_RANGE = ("pending", "ARCHIVED", "Completed", "")


@dataclass(frozen=True)
class BodyViolation:
    requirement: str
    description: str
    apply: Callable[[dict[str, Any]], dict[str, Any]]


def _without(field: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda body: {k: v for k, v in body.items() if k != field}


def _with(field: str, value: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda body: {**body, field: value}


def body_violations(contracts: Contracts) -> list[BodyViolation]:
    """Every single-field violation the request schema allows us to make, with its requirement."""
    schema = contracts.course_openapi["components"]["schemas"][COURSE_REQUEST_SCHEMA]
    found = [
        BodyViolation(rid, f"without `{f}`", _without(f)) for f, rid in MISSING_FIELD_IDS.items()
    ]
    found.append(
        BodyViolation(
            NESTED_MISSING_ID,
            "a `substitutions` item without `date`",
            _with("substitutions", [{"notes": "no date given"}]),
        )
    )
    found.append(
        BodyViolation(
            ID_MISMATCH_ID,
            "body `id` differs from the path id",
            _with("id", "regconform-other-record"),
        )
    )
    for field, rid in ENUM_IDS.items():
        found += [BodyViolation(rid, f"`{field}` = {v!r}", _with(field, v)) for v in OUT_OF_RANGE]
    for field, prop in schema["properties"].items():
        for value in WRONG_VALUES.get(prop.get("type", ""), ()):
            found.append(
                BodyViolation(WRONG_TYPE_ID, f"`{field}` = {value!r}", _with(field, value))
            )
        if prop.get("format") == "date-time":
            found.append(
                BodyViolation(
                    WRONG_TYPE_ID, f"`{field}` = '22/11/2026'", _with(field, "22/11/2026")
                )
            )
    return found


class CourseRequests:
    """Strategies for the course suite, bound to a profile section.

    Each strategy is built once: hypothesis validates every new strategy object on its first
    draw, and rebuilding them per example cost ~0.7 ms an example (bench/README.md).
    """

    def __init__(self, contracts: Contracts, section: CourseSection) -> None:
        self.section = section
        drop = tuple((COURSE_REQUEST_SCHEMA, f) for f in NOT_GENERATED)
        bodies = body_strategy(contracts.course_openapi, COURSE_PATH, drop_properties=drop)
        self._negative = body_strategy(contracts.course_openapi, COURSE_PATH, negative=True)
        self.violations = body_violations(contracts)
        self._valid_updates = st.tuples(st.sampled_from(section.registration_ids), bodies).map(
            lambda pair: (pair[0], self.for_record(*pair))
        )
        self._one_violation_each = st.tuples(
            *(
                st.sampled_from([v for v in self.violations if v.requirement == rid])
                for rid in INVALID_BODY_IDS
            )
        )

    def for_record(self, record_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """A generated body aimed at `record_id`, with the profile's fixed reference values."""
        return {**body, **self.section.fixed_fields, "id": record_id}

    def valid_updates(self) -> st.SearchStrategy[tuple[str, dict[str, Any]]]:
        """(record id, valid update of it) for the profile's records."""
        return self._valid_updates

    def one_violation_each(self) -> st.SearchStrategy[tuple[BodyViolation, ...]]:
        """One single-field violation per invalid-body requirement, in INVALID_BODY_IDS order.

        Each is applied to the same generated valid body and sent on its own: generating an
        81-field body costs several times a loopback request, so one body serves them all.
        """
        return self._one_violation_each

    def schema_violating_bodies(self) -> st.SearchStrategy[Any]:
        """Schemathesis's negative bodies: each breaks the request schema somewhere."""
        return self._negative
