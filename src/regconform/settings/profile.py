"""The target profile: a TOML file naming the server and the records the suite may touch."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from regconform.errors import ConfigError, read_user_file
from regconform.settings.read_paths import (
    COURSE_PLACEHOLDERS,
    DEFAULT_STATUS_POINTER,
    TRACK_PLACEHOLDERS,
    check_pointer,
    check_read_path,
)

DEFAULT_TOKEN_ENV = "REGCONFORM_TOKEN"


@dataclass(frozen=True)
class CourseSection:
    tenant_id: str
    registration_ids: tuple[str, ...]
    locked_registration_id: str | None = None
    other_tenant_id: str | None = None
    # Values a real server validates (e.g. course_id must name an existing course); sent as given.
    fixed_fields: dict[str, Any] = field(default_factory=dict)
    # A body per record to put back at the end of a run, so records are left as found.
    baseline_bodies: dict[str, dict[str, Any]] = field(default_factory=dict)
    # A GET returning the stored record, e.g. "/courseRegistrations/{tenantId}/{id}" (read-back).
    read_path: str | None = None


@dataclass(frozen=True)
class TrackSection:
    event_id: str
    track_id: str
    registration_ids: tuple[str, ...]
    # Status values the suite may set; all six by default.
    statuses: tuple[str, ...] = ()
    # JSON pointer to the list of failed ids in a 207 body.
    failed_ids_pointer: str = "/failed_registration_ids"
    # Status to put every registration back to at the end of a run, if given.
    restore_status: str | None = None
    # A GET returning one registration, and where its status is in the answer (read-back).
    read_path: str | None = None
    status_pointer: str = DEFAULT_STATUS_POINTER


@dataclass(frozen=True)
class Profile:
    base_url: str | None
    token_env: str
    course: CourseSection | None
    tracks: TrackSection | None
    path: Path | None = None


def check_base_url(url: str) -> str:
    """Return `url` without a trailing slash, or raise ConfigError if it is not an http(s) URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"base URL {url!r} is not an http:// or https:// URL with a host")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ConfigError(f"base URL {url!r} has an invalid port") from None
    return url.rstrip("/")


def _strings(section: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"profile [{section}] {key} must be a non-empty list of strings")
    return tuple(value)


def _string(section: str, key: str, raw: dict[str, Any], required: bool = True) -> str | None:
    value = raw.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"profile [{section}] needs {key} as a non-empty string")
    return value


def _table(section: str, key: str, raw: dict[str, Any]) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"profile [{section}] {key} must be a table")
    return value


def _read_path(section: str, raw: dict[str, Any], placeholders: tuple[str, ...]) -> str | None:
    value = raw.get("read_path")
    return None if value is None else check_read_path(section, value, placeholders)


def _course(raw: dict[str, Any]) -> CourseSection:
    name = "course_registrations"
    baselines = _table(name, "baseline_bodies", raw)
    registration_ids = _strings(name, "registration_ids", raw.get("registration_ids"))
    for record_id, body in baselines.items():
        if not isinstance(body, dict):
            raise ConfigError(f"profile [{name}.baseline_bodies] {record_id} must be a table")
        if record_id not in registration_ids:
            raise ConfigError(
                f"profile [{name}.baseline_bodies] names {record_id!r}, "
                "which is not in registration_ids"
            )
    return CourseSection(
        tenant_id=str(_string(name, "tenant_id", raw)),
        registration_ids=registration_ids,
        locked_registration_id=_string(name, "locked_registration_id", raw, required=False),
        other_tenant_id=_string(name, "other_tenant_id", raw, required=False),
        fixed_fields=_table(name, "fixed_fields", raw),
        baseline_bodies=baselines,
        read_path=_read_path(name, raw, COURSE_PLACEHOLDERS),
    )


def _tracks(raw: dict[str, Any]) -> TrackSection:
    name = "event_track_registrations"
    statuses = raw.get("statuses")
    return TrackSection(
        event_id=str(_string(name, "event_id", raw)),
        track_id=str(_string(name, "track_id", raw)),
        registration_ids=_strings(name, "registration_ids", raw.get("registration_ids")),
        statuses=_strings(name, "statuses", statuses) if statuses is not None else (),
        failed_ids_pointer=str(raw.get("failed_ids_pointer", "/failed_registration_ids")),
        restore_status=_string(name, "restore_status", raw, required=False),
        read_path=_read_path(name, raw, TRACK_PLACEHOLDERS),
        status_pointer=check_pointer(
            name, "status_pointer", raw.get("status_pointer", DEFAULT_STATUS_POINTER)
        ),
    )


KNOWN_KEYS = {"base_url", "token_env", "course_registrations", "event_track_registrations"}


def parse_profile(raw: dict[str, Any], path: Path | None = None) -> Profile:
    """Validate a decoded profile; every problem is a one-line ConfigError."""
    unknown = sorted(set(raw) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"profile has unknown key(s): {', '.join(unknown)}")
    base_url = raw.get("base_url")
    if base_url is not None:
        if not isinstance(base_url, str):
            raise ConfigError("profile base_url must be a string")
        base_url = check_base_url(base_url)
    token_env = raw.get("token_env", DEFAULT_TOKEN_ENV)
    if not isinstance(token_env, str) or not token_env.isidentifier():
        raise ConfigError("profile token_env must name an environment variable")
    sections = {key: raw.get(key) for key in ("course_registrations", "event_track_registrations")}
    for key, value in sections.items():
        if value is not None and not isinstance(value, dict):
            raise ConfigError(f"profile {key} must be a table")
    course, tracks = sections["course_registrations"], sections["event_track_registrations"]
    if course is None and tracks is None:
        raise ConfigError(
            "profile has neither [course_registrations] nor [event_track_registrations]"
        )
    return Profile(
        base_url=base_url,
        token_env=token_env,
        course=_course(course) if course is not None else None,
        tracks=_tracks(tracks) if tracks is not None else None,
        path=path,
    )


def load_profile(path: Path) -> Profile:
    """Read and validate a profile file."""
    text = read_user_file(path, "profile")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"profile {path} is not valid TOML: {exc}") from None
    return parse_profile(raw, path)
