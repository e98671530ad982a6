"""All checks, registered by importing their modules; see _registry for the shape of one."""

from regconform.judging.checks import common, course, event_track, storage
from regconform.judging.checks._registry import (
    REGISTRY,
    Check,
    NotApplicable,
    Outcome,
    Violation,
    check,
    ids,
)

__all__ = [
    "REGISTRY",
    "Check",
    "NotApplicable",
    "Outcome",
    "Violation",
    "check",
    "common",
    "course",
    "event_track",
    "ids",
    "storage",
]
