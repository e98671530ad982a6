"""The metadata file of a cassette folder: how the recording was made and what it concluded.

It holds the settings a replay must reuse (seed, max examples, level, request budget, the
profile with its base_url but never the token), the versions of the libraries that generate the
requests (a replay needs the same ones), the contract hashes the recording was judged against,
each cassette's size, and the per-requirement verdicts of the recorded run.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

from regconform.cassettes._cassette import RERECORD, Interaction, read_cassette
from regconform.cassettes._folder import METADATA_FILE
from regconform.cassettes._scrub import Scrubber
from regconform.errors import ConfigError
from regconform.settings.profile import Profile

FORMAT = "regconform-cassettes/2"  # 2: the generating libraries' versions (`generation`)
FORMAT_NAME = FORMAT.split("/")[0]
# The libraries that decide the bytes sent for a seed: a new release may draw other requests.
GENERATION = ("hypothesis", "schemathesis")


@dataclass(frozen=True)
class Recording:
    """A cassette folder, read and checked: its metadata and every cassette's interactions."""

    folder: Path
    metadata: dict[str, Any]
    cassettes: dict[str, list[Interaction]] = field(default_factory=dict)

    @property
    def seed(self) -> int:
        return int(self.metadata["seed"])

    @property
    def max_examples(self) -> int:
        return int(self.metadata["max_examples"])

    @property
    def level(self) -> str:
        return str(self.metadata["level"])

    @property
    def max_requests(self) -> int | None:
        value = self.metadata.get("max_requests")
        return None if value is None else int(value)

    @property
    def profile(self) -> dict[str, Any]:
        return dict(self.metadata["profile"])

    @property
    def suites(self) -> tuple[str, ...]:
        return tuple(self.metadata["suites"])

    @property
    def verdicts(self) -> dict[str, str]:
        return {rid: str(v["verdict"]) for rid, v in self.metadata["verdicts"].items()}


_REQUIRED = {
    "format": str,
    "seed": int,
    "max_examples": int,
    "level": str,
    "profile": dict,
    "generation": dict,
    "contract_hashes": dict,
    "suites": list,
    "cassettes": dict,
    "verdicts": dict,
}


def load_recording(folder: Path, *, read_cassettes: bool = True) -> Recording:
    """Read a cassette folder; a missing, foreign or corrupt one is a one-line ConfigError."""
    if not folder.is_dir():
        raise ConfigError(f"cassette folder {folder} does not exist; record with: {RERECORD}")
    meta_path = folder / METADATA_FILE
    if not meta_path.is_file():
        raise ConfigError(
            f"{folder} is not a regconform cassette folder (no {METADATA_FILE}); "
            f"record one with: {RERECORD} --cassettes {folder}"
        )
    try:
        metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"corrupt {meta_path}: {first}") from None
    written = metadata.get("format") if isinstance(metadata, dict) else None
    if isinstance(written, str) and written.startswith(f"{FORMAT_NAME}/") and written != FORMAT:
        raise ConfigError(
            f"{meta_path} is in the format {written}, this regconform reads {FORMAT}; "
            f"re-record with: {RERECORD} --cassettes {folder}"
        )
    if written != FORMAT:
        raise ConfigError(f"{meta_path} is not a {FORMAT} metadata file")
    for key, kind in _REQUIRED.items():
        if not isinstance(metadata.get(key), kind):
            raise ConfigError(f"corrupt {meta_path}: `{key}` is missing or not a {kind.__name__}")
    recording = Recording(folder, metadata)
    if read_cassettes:
        for name in sorted(metadata["cassettes"]):
            recording.cassettes[name] = read_cassette(folder / name)
    return recording


REPLAYED_SETTINGS = ("seed", "max_examples", "level", "max_requests")


def check_settings(recording: Recording, given: dict[str, Any]) -> None:
    """A replay reuses the recorded settings that decide which requests are sent; a setting
    given again must repeat the recorded value (None: not given)."""
    for name in REPLAYED_SETTINGS:
        value, recorded = given.get(name), getattr(recording, name)
        if value is not None and value != recorded:
            raise ConfigError(
                f"the cassettes were recorded with {name.replace('_', '-')} {recorded}, "
                f"not {value}: a replay reuses the recorded settings (drop the option)"
            )


def generation_versions() -> dict[str, str]:
    """The installed versions of the libraries that generate the requests."""
    return {name: installed_version(name) for name in GENERATION}


def check_generation(recording: Recording, installed: dict[str, str]) -> None:
    """A replay sends the recorded requests again only with the libraries that generated them."""
    recorded: dict[str, Any] = recording.metadata["generation"]
    differ = [
        f"{name} {recorded.get(name)} (installed: {name} {version})"
        for name, version in installed.items()
        if recorded.get(name) != version
    ]
    if differ:
        folder = recording.folder
        raise ConfigError(
            f"the cassettes in {folder} were recorded with {', '.join(differ)}: another version "
            f"generates other requests, so the recording cannot be replayed; re-record with: "
            f"{RERECORD} --cassettes {folder}"
        )


def changed_contracts(recording: Recording, current: dict[str, str]) -> list[str]:
    """The contract files whose hash differs from the recording's."""
    recorded: dict[str, str] = recording.metadata["contract_hashes"]
    return sorted(name for name in {*recorded, *current} if recorded.get(name) != current.get(name))


def contracts_changed_error(recording: Recording, changed: list[str]) -> ConfigError:
    folder = recording.folder
    return ConfigError(
        f"the contracts changed since the cassettes in {folder} were recorded "
        f"({', '.join(changed)}): re-judge the recorded responses with "
        f"`regconform revalidate --cassettes {folder}`, or re-record with "
        f"`{RERECORD} --cassettes {folder}`"
    )


def profile_data(profile: Profile) -> dict[str, Any]:
    """The profile as TOML-ready data (what `parse_profile` reads back); it holds no token."""
    raw: dict[str, Any] = {"base_url": profile.base_url, "token_env": profile.token_env}
    sections = {"course_registrations": profile.course, "event_track_registrations": profile.tracks}
    for key, section in sections.items():
        if section is not None:
            values = asdict(section)
            raw[key] = {
                k: list(v) if isinstance(v, tuple) else v
                for k, v in values.items()
                if v is not None and v != () and v != {}
            }
    return {k: v for k, v in raw.items() if v is not None}


def _scrubbed_profile(metadata: dict[str, Any], scrubber: Scrubber) -> Any:
    profile = metadata.get("profile")
    if not isinstance(profile, dict):
        return profile
    redact = scrubber.redactor
    out = {k: v if k == "base_url" else redact.values(v) for k, v in profile.items()}
    if isinstance(out.get("base_url"), str):
        out["base_url"] = redact.url(out["base_url"])
    return out


def write_metadata(folder: Path, metadata: dict[str, Any], scrubber: Scrubber) -> Path:
    """Write the metadata file; the profile in it is scrubbed value by value, like every
    cassette (a replay sends its ids again, scrubbed like the recorded paths they match)."""
    path = folder / METADATA_FILE
    folder.mkdir(parents=True, exist_ok=True)
    data = {"format": FORMAT, **metadata, "profile": _scrubbed_profile(metadata, scrubber)}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
