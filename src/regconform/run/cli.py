"""The `regconform` command: a thin click group; each command lives in its own module.

Commands are imported only when invoked, so `regconform mutants` does not pay for importing
schemathesis, and a broken optional part cannot break the others.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from regconform._version import __version__

# name -> "module:attribute" of a click.Command
COMMANDS = {
    "run": "regconform.run.command:run",
    "serve": "regconform.reference.command:serve",
    "derive": "regconform.catalogue.derive.command:derive",
    "mutants": "regconform.mutants.command:mutants",
    "selftest": "regconform.mutants.command:selftest",
    "revalidate": "regconform.cassettes.command:revalidate",
    "report": "regconform.report.command:report",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command: Any = getattr(importlib.import_module(module_name), attribute)
        return command  # type: ignore[no-any-return]


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="regconform")
def main() -> None:
    """Conformance tests for the course-registration and event-track-registration APIs."""
