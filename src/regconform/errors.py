"""Errors a user can cause, each with the exit code the CLI documents."""

from __future__ import annotations

# Exit codes of `regconform run` (documented in the README). They line up with pytest's own
# codes on purpose, so a run through plain `pytest suites` means the same thing.
EXIT_CONFORMANT = 0
EXIT_NONCONFORMANT = 1
EXIT_INTERRUPTED = 2
EXIT_INTERNAL = 3
EXIT_USAGE = 4


class RegconformError(Exception):
    """Base class: a problem reported to the user as one line."""

    exit_code = EXIT_INTERNAL


class ConfigError(RegconformError):
    """Bad profile, contract, URL, token variable, cassette or unreachable target."""

    exit_code = EXIT_USAGE
