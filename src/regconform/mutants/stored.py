"""Servers that answer right but keep wrong, and one that forgives a wrong type deep in a body.

Each answers every request as the reference server would, or nearly: what it stores is where it
deviates. The documented PUTs alone cannot tell (the track's 200 has no body at all), so these
are caught by reading back what was stored (a profile's `read_path`) or by the model of what a
conforming server keeps (suites/test_stateful.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from regconform.catalogue.contracts import course_request_properties
from regconform.mutants.semantic import Record, RepairsCourseBody, has_type
from regconform.reference.semantics import Semantics

# A seeded record's sys_version is 1: its first update makes it 2, and there it stays.
VERSION_AFTER_FIRST_UPDATE = 2


class EchoesWithoutStoring(Semantics):
    """Answers every valid update as applied, and stores nothing (CR-048)."""

    def stored_course(self, answered: Record) -> Record | None:
        return None


class StoresWithoutArrays(Semantics):
    """Stores an update without its arrays (substitutions, custom field values...), though its
    answer carries them (CR-048)."""

    def stored_course(self, answered: Record) -> Record | None:
        return {key: value for key, value in answered.items() if not isinstance(value, list)}


class MergesLikePatch(Semantics):
    """Merges an update into the record: a field the update leaves out keeps its value (CR-049)."""

    def updated_course(self, record: Record, body: Record, now: datetime, actor: str) -> Record:
        kept = {key: value for key, value in record.items() if not key.startswith("sys_")}
        return super().updated_course(record, {**kept, **body}, now, actor)


class VersionStopsAfterFirstUpdate(Semantics):
    """`sys_version` goes up on a record's first update and never again (CR-038)."""

    def updated_course(self, record: Record, body: Record, now: datetime, actor: str) -> Record:
        updated = super().updated_course(record, body, now, actor)
        version = min(updated["sys_version"], VERSION_AFTER_FIRST_UPDATE)
        return {**updated, "sys_version": version}


class OkAppliesNothing(Semantics):
    """A 200 changes no registration's status, where a 207 changes those it does not name as
    failed (ETR-020)."""

    # ETR-020 alone: a server changing none breaks ETR-021 too, which the track sequences, each
    # starting with a 207, meet first; under --no-shrink its first failure is all a run reports.

    def applied_track_ids(self, succeeded: list[str], failed: list[str]) -> list[str]:
        return succeeded if failed else []


class MultiStatusAppliesNothing(Semantics):
    """A 207 changes none of the registrations it does not name as failed (ETR-021)."""

    def applied_track_ids(self, succeeded: list[str], failed: list[str]) -> list[str]:
        return [] if failed else succeeded


class AcceptsWrongNestedType(RepairsCourseBody):
    """A field of an array item of the wrong JSON type, or an item that is not an object, is
    dropped instead of refused (CR-014)."""

    def __init__(self) -> None:
        super().__init__()
        self.items = {
            field: prop["items"]["properties"]
            for field, prop in course_request_properties().items()
            if isinstance(prop.get("items"), dict) and "properties" in prop["items"]
        }

    def repair(self, body: Record, path_id: str, record: Record | None) -> Record:
        repaired = dict(body)
        for field, properties in self.items.items():
            if isinstance(body.get(field), list):
                repaired[field] = [
                    self._typed(item, properties) for item in body[field] if isinstance(item, dict)
                ]
        return repaired

    @staticmethod
    def _typed(item: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
        return {
            key: value
            for key, value in item.items()
            if key not in properties or has_type(value, properties[key]["type"])
        }


STORAGE: dict[str, type[Semantics]] = {
    "echoes-without-storing": EchoesWithoutStoring,
    "stores-without-arrays": StoresWithoutArrays,
    "merges-like-patch": MergesLikePatch,
    "version-stops-after-first-update": VersionStopsAfterFirstUpdate,
    "200-applies-nothing": OkAppliesNothing,
    "207-applies-nothing": MultiStatusAppliesNothing,
    "accepts-wrong-nested-type": AcceptsWrongNestedType,
}
