"""Errors a user can cause, each with the exit code the CLI documents."""

from __future__ import annotations

import os
from pathlib import Path

# Exit codes of `regconform run` (documented in the README). They line up with pytest's own
# codes on purpose, so a run through plain `pytest suites` means the same thing.
EXIT_CONFORMANT = 0
EXIT_NONCONFORMANT = 1
EXIT_INTERRUPTED = 2
EXIT_INTERNAL = 3
EXIT_USAGE = 4
EXIT_INCOMPLETE = 5  # nothing broken, but a MUST requirement was not exercised or not run


class RegconformError(Exception):
    """Base class: a problem reported to the user as one line."""

    exit_code = EXIT_INTERNAL


class ConfigError(RegconformError):
    """Bad profile, contract, URL, token variable, cassette or unreachable target."""

    exit_code = EXIT_USAGE


def read_user_file(path: Path, what: str) -> str:
    """The text of a file the user named (`what`: "profile", "baseline"), or a one-line
    ConfigError saying it does not exist or why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{what} {path} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc.strerror}") from None


def check_output_folder(path: Path, what: str) -> Path:
    """`path` as a folder regconform may write into (it need not exist yet), or a one-line
    ConfigError: checked before the first request, so a run never ends in a failed write."""
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{what} {path} is a file, not a folder")
    existing = path
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(f"{what} {path} cannot be created: {existing} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(f"{what} {path} is not writable")
    return path
