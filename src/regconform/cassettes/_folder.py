"""The cassette folder of a recording: its metadata file's name, and whether a recording may go
there (light: `regconform run` checks it before the first request, without importing vcrpy)."""

from __future__ import annotations

from pathlib import Path

from regconform.errors import ConfigError, check_output_folder

METADATA_FILE = "regconform-cassettes.json"


def check_record_folder(folder: Path) -> Path:
    """A folder a recording may go to: writable, and empty or an earlier recording's (checked
    before the first request; nothing is removed here)."""
    check_output_folder(folder, "--cassettes")
    if folder.is_dir() and not (folder / METADATA_FILE).is_file():
        foreign = sorted(p.name for p in folder.iterdir() if not _ours_to_keep(p))
        if foreign:
            raise ConfigError(
                f"{folder} holds {foreign[0]} but no {METADATA_FILE}: "
                "record into an empty folder or an earlier recording's"
            )
    return folder


def _ours_to_keep(path: Path) -> bool:
    return path.name.startswith((".", "README"))
