"""ISO 8601 as wide as the course document's word: every form it has, and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from regconform.judging.checks._iso8601 import parse_iso8601

TEN = datetime(2025, 4, 18, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2025-04-18T10:00:00Z", TEN),
        ("20250418T100000Z", TEN),
        ("20250418T100000.000Z", TEN),
        ("2025-04-18T12:00:00+02:00", TEN),
        ("2025-04-18T12:00+02", TEN),
        ("20250418T1200+0200", TEN),
        ("2025-04-18T09:30:00,5-00:30", TEN + timedelta(seconds=0.5)),
        ("2025-04-18T10.5Z", TEN + timedelta(minutes=30)),
        ("2025-04-18T10:00:00", datetime(2025, 4, 18, 10)),
        ("2025-W16-5T10:00Z", TEN),
        ("2025-108T10Z", TEN),
        ("2025-04-18", datetime(2025, 4, 18)),
        ("2025-04", datetime(2025, 4, 1)),
        ("2025-04-18 10:00:00z", TEN),
        ("2025-04-17T24:00:00Z", TEN - timedelta(hours=10)),
    ],
)
def test_iso8601_forms_name_their_moment(text: str, moment: datetime) -> None:
    """Basic and extended format, offsets or none, fractions, week and ordinal dates."""
    assert parse_iso8601(text) == moment


@pytest.mark.parametrize(
    "text",
    [
        "22/11/2026",
        "Wed, 15 Jan 2025 09:30:00 GMT",
        "2024-01-01T12:99:00Z",
        "2025-02-30",
        "20250418T10:00:00Z",
        "2025-04-18T10:00:00+0200",
        "2025-04T10:00",
        "202504",
        "2025-366",
        "",
        "1744970400",
    ],
)
def test_what_is_no_iso8601_form_is_refused(text: str) -> None:
    """Other notations, impossible dates and times, and basic mixed with extended format."""
    assert parse_iso8601(text) is None


def test_offset_is_kept() -> None:
    """A date-time with an offset is aware, one without is naive."""
    aware = parse_iso8601("2025-04-18T10:00:00-05:00")
    assert aware is not None and aware.utcoffset() == -timedelta(hours=5)
    assert aware.tzinfo == timezone(-timedelta(hours=5))
    naive = parse_iso8601("2025-04-18T10:00:00")
    assert naive is not None and naive.tzinfo is None
