"""The target profile: a TOML file naming the server and the records the suite may touch."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from regconform.catalogue.contracts import course_request_properties
from regconform.errors import ConfigError, read_user_file
from regconform.settings.auth import AuthSpec, parse_auth
from regconform.settings.fields import existing_file, reject_unknown, string, strings, table
from regconform.settings.read_paths import (
    COURSE_PLACEHOLDERS,
    DEFAULT_STATUS_POINTER,
    TRACK_PLACEHOLDERS,
    check_pointer,
    check_read_path,
)

DEFAULT_TOKEN_ENV = "REGCONFORM_TOKEN"
COURSE = "course_registrations"
TRACKS = "event_track_registrations"
TLS_KEYS = ("ca_bundle", "client_cert", "client_key")
KNOWN_KEYS = {"base_url", "token_env", "rate_limit", *TLS_KEYS, "auth", COURSE, TRACKS}
COURSE_KEYS = {
    "tenant_id",
    "registration_ids",
    "locked_registration_id",
    "other_tenant_id",
    "other_tenant_record_id",
    "fixed_fields",
    "baseline_bodies",
    "read_path",
}
TRACK_KEYS = {
    "event_id",
    "track_id",
    "registration_ids",
    "statuses",
    "failed_ids_pointer",
    "restore_status",
    "read_path",
    "status_pointer",
}


class SequenceShares:
    """A section's registration_ids split between the stateful suite and the other tests."""

    registration_ids: tuple[str, ...]

    @property
    def sequence_ids(self) -> tuple[str, ...]:
        """The records (course) or registrations (track) the stateful suite keeps to itself:
        the later half of registration_ids, when there are two or more. No other test writes
        them, so under --concurrency the section's sequences run beside its other tests
        (run.plugin.workers) and their read-backs still see only their own writes. With one
        there is none to keep."""
        ids = self.registration_ids
        return ids[len(ids) // 2 :] if len(ids) > 1 else ()

    @property
    def update_ids(self) -> tuple[str, ...]:
        """The records or registrations every other test of the section writes: the rest
        (all of them, with one)."""
        return self.registration_ids[: len(self.registration_ids) - len(self.sequence_ids)]


@dataclass(frozen=True)
class CourseSection(SequenceShares):
    tenant_id: str
    registration_ids: tuple[str, ...]
    locked_registration_id: str | None = None
    other_tenant_id: str | None = None  # whose record other_tenant_record_id is (for messages)
    # A record of another tenant that does not exist under tenant_id: sent under tenant_id's
    # path, it must be refused (CR-045). Never the other way round: where record ids are per
    # tenant, tenant_id's ids may well exist under the other tenant, and a PUT there would
    # change a record the profile never gave us.
    other_tenant_record_id: str | None = None
    # Values a real server validates (e.g. course_id must name an existing course); sent as given.
    fixed_fields: dict[str, Any] = field(default_factory=dict)
    # A body per record to put back at the end of a run, so records are left as found.
    baseline_bodies: dict[str, dict[str, Any]] = field(default_factory=dict)
    # A GET returning the stored record, e.g. "/courseRegistrations/{tenantId}/{id}" (read-back).
    read_path: str | None = None


@dataclass(frozen=True)
class TrackSection(SequenceShares):
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
class TlsFiles:
    """Files for TLS to the target: a private CA, and a client certificate (and its key)."""

    ca_bundle: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None


@dataclass(frozen=True)
class Profile:
    base_url: str | None
    token_env: str
    course: CourseSection | None
    tracks: TrackSection | None
    path: Path | None = None
    tls: TlsFiles = field(default_factory=TlsFiles)
    auth: AuthSpec | None = None  # how to mint the token; None: read it from token_env
    rate_limit: float | None = None  # the target's documented requests per second: a ceiling


def check_base_url(url: str) -> str:
    """Return `url` without a trailing slash, or raise ConfigError if it is not an http(s) URL
    of a host and an optional path prefix (no user name or password, query or fragment)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"base URL {url!r} is not an http:// or https:// URL with a host")
    if "@" in parts.netloc:
        shown = f"{parts.scheme}://***@{parts.netloc.rpartition('@')[2]}"
        raise ConfigError(
            f"base URL {shown} carries a user name or password: credentials go in the token "
            "variable or [auth], never in the URL (it is written into every report)"
        )
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise ConfigError(
            f"base URL {url!r} has a query or fragment: give the scheme, host and path prefix only"
        )
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ConfigError(f"base URL {url!r} has an invalid port") from None
    return url.rstrip("/")


def _read_path(section: str, raw: dict[str, Any], placeholders: tuple[str, ...]) -> str | None:
    value = raw.get("read_path")
    return None if value is None else check_read_path(section, value, placeholders)


def _course(raw: dict[str, Any]) -> CourseSection:
    name = COURSE
    reject_unknown(name, raw, COURSE_KEYS)
    baselines = table(name, "baseline_bodies", raw)
    registration_ids = strings(name, "registration_ids", raw.get("registration_ids"))
    for record_id, body in baselines.items():
        if not isinstance(body, dict):
            raise ConfigError(f"profile [{name}.baseline_bodies] {record_id} must be a table")
        if record_id not in registration_ids:
            raise ConfigError(
                f"profile [{name}.baseline_bodies] names {record_id!r}, "
                "which is not in registration_ids"
            )
    fixed_fields = table(name, "fixed_fields", raw)
    reject_unknown(f"{name}.fixed_fields", fixed_fields, set(course_request_properties()))
    locked = string(name, "locked_registration_id", raw, required=False)
    foreign = string(name, "other_tenant_record_id", raw, required=False)
    if foreign is not None and foreign in (*registration_ids, locked):
        raise ConfigError(
            f"profile [{name}] other_tenant_record_id {foreign!r} must be a record that does "
            "not exist under tenant_id, not one of its records"
        )
    return CourseSection(
        tenant_id=str(string(name, "tenant_id", raw)),
        registration_ids=registration_ids,
        locked_registration_id=locked,
        other_tenant_id=string(name, "other_tenant_id", raw, required=False),
        other_tenant_record_id=foreign,
        fixed_fields=fixed_fields,
        baseline_bodies=baselines,
        read_path=_read_path(name, raw, COURSE_PLACEHOLDERS),
    )


def _tracks(raw: dict[str, Any]) -> TrackSection:
    name = TRACKS
    reject_unknown(name, raw, TRACK_KEYS)
    statuses = raw.get("statuses")
    return TrackSection(
        event_id=str(string(name, "event_id", raw)),
        track_id=str(string(name, "track_id", raw)),
        registration_ids=strings(name, "registration_ids", raw.get("registration_ids")),
        statuses=strings(name, "statuses", statuses) if statuses is not None else (),
        failed_ids_pointer=str(raw.get("failed_ids_pointer", "/failed_registration_ids")),
        restore_status=string(name, "restore_status", raw, required=False),
        read_path=_read_path(name, raw, TRACK_PLACEHOLDERS),
        status_pointer=check_pointer(
            name, "status_pointer", raw.get("status_pointer", DEFAULT_STATUS_POINTER)
        ),
    )


def _tls(raw: dict[str, Any], path: Path | None) -> TlsFiles:
    """The TLS files, each checked to exist (a relative path is read from the profile's folder)."""
    folder = path.parent if path else None
    files = TlsFiles(*(existing_file("", key, raw, folder) for key in TLS_KEYS))
    if files.client_key and not files.client_cert:
        raise ConfigError("profile client_key needs client_cert (the certificate it belongs to)")
    return files


def _rate_limit(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError("profile rate_limit must be a positive number (requests per second)")
    return float(value)


def parse_profile(raw: dict[str, Any], path: Path | None = None) -> Profile:
    """Validate a decoded profile; every problem is a one-line ConfigError."""
    reject_unknown("", raw, KNOWN_KEYS)
    base_url = raw.get("base_url")
    if base_url is not None:
        if not isinstance(base_url, str):
            raise ConfigError("profile base_url must be a string")
        base_url = check_base_url(base_url)
    token_env = raw.get("token_env", DEFAULT_TOKEN_ENV)
    if not isinstance(token_env, str) or not token_env.isidentifier():
        raise ConfigError("profile token_env must name an environment variable")
    sections = {key: raw.get(key) for key in (COURSE, TRACKS)}
    for key, value in sections.items():
        if value is not None and not isinstance(value, dict):
            raise ConfigError(f"profile {key} must be a table")
    course, tracks = sections[COURSE], sections[TRACKS]
    if course is None and tracks is None:
        raise ConfigError(f"profile has neither [{COURSE}] nor [{TRACKS}]")
    return Profile(
        base_url=base_url,
        token_env=token_env,
        course=_course(course) if course is not None else None,
        tracks=_tracks(tracks) if tracks is not None else None,
        path=path,
        tls=_tls(raw, path),
        auth=parse_auth(raw["auth"]) if "auth" in raw else None,
        rate_limit=_rate_limit(raw.get("rate_limit")),
    )


def load_profile(path: Path) -> Profile:
    """Read and validate a profile file."""
    text = read_user_file(path, "profile")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"profile {path} is not valid TOML: {exc}") from None
    return parse_profile(raw, path)
