"""The `regconform` command: a thin click group; each command lives in its own module.

Commands are imported only when invoked, so `regconform mutants` does not pay for importing
schemathesis, and a broken optional part cannot break the others.

One exit-code contract for every command (the README's table): a usage error of any command
(unknown command or option, bad option value, missing argument) is one line and exit 4, where
click says 2; Ctrl-C anywhere is exit 2, where click says 1.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any

import click

from regconform._version import __version__
from regconform.errors import EXIT_INTERRUPTED, EXIT_USAGE

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


class Regconform(LazyGroup):
    """The top-level group: click's own error handling, with our exit codes and one line."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            code = _usage_error(exc)
        except click.ClickException as exc:
            click.echo(f"regconform: error: {_one_line(exc.format_message())}", err=True)
            code = EXIT_USAGE
        except (click.Abort, KeyboardInterrupt):
            click.echo("regconform: interrupted", err=True)
            code = EXIT_INTERRUPTED
        else:
            code = result if isinstance(result, int) else 0
        if not standalone_mode:
            return code
        sys.exit(code)


def _usage_error(exc: click.UsageError) -> int:
    """One line naming the command and what was wrong with its use; exit 4."""
    ctx = exc.ctx
    where = ctx.command_path.partition(" ")[2] if ctx is not None else ""
    if isinstance(exc, click.exceptions.NoArgsIsHelpError):
        group = ctx.command if ctx is not None else None
        listed = group.list_commands(ctx) if ctx and isinstance(group, click.Group) else []
        commands = ", ".join(listed)
        message = f"a command is needed ({commands}); see --help"
    else:
        message = _one_line(exc.format_message())
    click.echo(f"regconform: error: {where + ': ' if where else ''}{message}", err=True)
    return EXIT_USAGE


def _one_line(text: str) -> str:
    return " ".join(text.split())


@click.group(cls=Regconform, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="regconform")
def main() -> None:
    """Conformance tests for the course-registration and event-track-registration APIs."""
