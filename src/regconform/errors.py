"""Errors a user can cause, each with the exit code the CLI documents."""

from __future__ import annotations

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
