"""ISO 8601 dates and date-times, as wide as the course document's "ISO-8601 date format" is.

RFC 3339 (what JSON Schema's `date-time` checks) is one profile of ISO 8601; the document names
ISO 8601 itself, so a value is only non-conforming (CR-034) when ISO 8601 has no reading of it.
Accepted: calendar, week and ordinal dates, in basic (`20250418`) or extended (`2025-04-18`)
format, alone or with a time of day (`T10`, `T10:00`, `T10:00:00`, a decimal fraction of the
last part with `.` or `,`), with or without a UTC offset (`Z`, `+02`, `+0200`, `+02:00`); a
year and month (`2025-04`) too. One leniency: a space or lowercase `t`/`z`, which RFC 3339 ("a
profile of the ISO 8601 standard") lets through, is read like `T`/`Z`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone

_EXTENDED = re.compile(
    r"(?P<year>\d{4})-(?:(?P<month>\d{2})-(?P<day>\d{2})|W(?P<week>\d{2})-(?P<weekday>\d)"
    r"|(?P<ordinal>\d{3}))"
    r"(?:[Tt ](?P<hour>\d{2})(?::(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?"
    r"(?:[.,](?P<fraction>\d+))?(?P<zone>[Zz]|[+-]\d{2}(?::\d{2})?)?)?"
)
_BASIC = re.compile(
    r"(?P<year>\d{4})(?:(?P<month>\d{2})(?P<day>\d{2})|W(?P<week>\d{2})(?P<weekday>\d)"
    r"|(?P<ordinal>\d{3}))"
    r"(?:[Tt ](?P<hour>\d{2})(?:(?P<minute>\d{2})(?P<second>\d{2})?)?"
    r"(?:[.,](?P<fraction>\d+))?(?P<zone>[Zz]|[+-]\d{2}(?:\d{2})?)?)?"
)
# A date of reduced precision: a year, or a year and month (never in basic format, where
# 202504 would read as a two-digit year's date). No time of day can follow.
_REDUCED = re.compile(r"(?P<year>\d{4})(?:-(?P<month>\d{2}))?")
_PATTERNS = (_EXTENDED, _BASIC, _REDUCED)


def parse_iso8601(value: object) -> datetime | None:
    """The moment an ISO 8601 date or date-time names (naive without an offset, a date alone at
    midnight), or None when `value` is no ISO 8601 representation of one."""
    if not isinstance(value, str):
        return None
    for pattern in _PATTERNS:
        match = pattern.fullmatch(value)
        if match is not None:
            try:
                return _moment(dict.fromkeys(_PARTS) | match.groupdict())
            except ValueError:  # a day, week, hour... out of range
                return None
    return None


# Every group of the patterns: a pattern without some of them leaves them None.
_PARTS: tuple[str, ...] = ("month", "day", "week", "weekday", "ordinal")
_PARTS += ("hour", "minute", "second", "fraction", "zone")


def _moment(parts: dict[str, str | None]) -> datetime:
    day = _day(parts)
    zone = _zone(parts["zone"])
    if parts["hour"] is None:
        return datetime.combine(day, time(), zone)
    hour, minute, second = (int(parts[k] or 0) for k in ("hour", "minute", "second"))
    if hour > 24 or minute > 59 or second > 60 or (hour == 24 and minute + second > 0):
        raise ValueError("time of day out of range")
    # The fraction belongs to the last part given: 10.5 is half past ten, 10:30.5 is 30 s more.
    unit = next(u for k, u in (("second", 1), ("minute", 60), ("hour", 3600)) if parts[k])
    fraction = float(f"0.{parts['fraction']}") if parts["fraction"] else 0.0
    # 24:00 is the end of the day and 60 a leap second: both counted on from midnight.
    offset = timedelta(hours=hour, minutes=minute, seconds=second + fraction * unit)
    return datetime.combine(day, time(), zone) + offset


def _day(parts: dict[str, str | None]) -> date:
    year = int(parts["year"] or 0)
    if parts["week"] is not None:
        return date.fromisocalendar(year, int(parts["week"]), int(parts["weekday"] or 0))
    if parts["ordinal"] is not None:
        ordinal = int(parts["ordinal"])
        first = date(year, 1, 1)
        if not 1 <= ordinal <= (date(year, 12, 31) - first).days + 1:
            raise ValueError("day of the year out of range")
        return first + timedelta(days=ordinal - 1)
    return date(year, int(parts["month"] or 1), int(parts["day"] or 1))


def _zone(text: str | None) -> timezone | None:
    if text is None:
        return None
    if text in ("Z", "z"):
        return UTC
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError("offset out of range")
    sign = -1 if text[0] == "-" else 1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
