"""`regconform serve`: run the reference server until interrupted."""

from __future__ import annotations

import importlib
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click
from starlette.types import ASGIApp

from regconform.errors import ConfigError, RegconformError
from regconform.reference.app import ServerSettings
from regconform.reference.fixtures import DEFAULT_TOKEN, write_profile
from regconform.reference.semantics import Semantics
from regconform.reference.server import serve_forever

Deviating = tuple[Semantics, Callable[[ASGIApp], ASGIApp] | None]


def load_mutant(name: str, kind: str = "mutant") -> Deviating:
    """The semantics and wrap of mutant `name` (or, kind "variant", of the legal variant), from
    regconform.mutants when it exists: the reference server never imports it."""
    package = "regconform.mutants" if kind == "mutant" else "regconform.mutants.variants"
    try:
        module: Any = importlib.import_module(package)
    except ModuleNotFoundError as exc:
        if exc.name not in ("regconform.mutants", package):
            raise
        raise ConfigError(f"unknown {kind} {name!r}") from None
    lookup = getattr(module, f"get_{kind}", None)
    if lookup is None:
        raise ConfigError(f"unknown {kind} {name!r}")
    try:
        found = lookup(name)
    except LookupError:
        raise ConfigError(f"unknown {kind} {name!r}") from None
    return found.semantics, found.wrap


def _announce(path: Path) -> Callable[[str], None]:
    def announce(base_url: str) -> None:
        try:
            write_profile(path, base_url)
        except OSError as exc:
            raise ConfigError(f"cannot write the profile {path}: {exc.strerror or exc}") from None
        # Two lines a script can read before the server's first request: URL, then profile.
        click.echo(f"base_url: {base_url}")
        click.echo(f"profile: {path}")
        sys.stdout.flush()  # a pipe is block-buffered

    return announce


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="0: any free port."
)
@click.option(
    "--db", default=":memory:", show_default=True, help="SQLite file; a new file is seeded."
)
@click.option("--reset", is_flag=True, help="Restore the seeded fixtures in --db.")
@click.option(
    "--token", default=DEFAULT_TOKEN, show_default=True, help="The accepted bearer token."
)
@click.option(
    "--rate-limit",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Requests per second before answering 429 (default: unlimited).",
)
@click.option(
    "--profile-out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the target profile (default: a file in a temporary folder).",
)
@click.option("--mutant", default=None, hidden=True, help="Serve a deliberately broken variant.")
@click.option("--variant", default=None, hidden=True, help="Serve a legal variant.")
@click.option(  # the embedded server of `regconform run`: never outlive the run
    "--with-parent", is_flag=True, hidden=True, help="Stop when the parent process is gone."
)
@click.option(  # test-only: how a run fares against a staging server answering in 100-300 ms
    "--delay", type=click.FloatRange(min=0), default=0.0, hidden=True, help="Seconds per answer."
)
def serve(
    host: str,
    port: int,
    db: str,
    reset: bool,
    token: str,
    rate_limit: float | None,
    profile_out: Path | None,
    mutant: str | None,
    variant: str | None,
    delay: float,
    with_parent: bool,
) -> None:
    """Run the reference server; print its base URL and the path of its target profile."""
    try:
        if mutant and variant:
            raise ConfigError("--mutant and --variant exclude each other")
        semantics, wrap = (
            load_mutant(mutant)
            if mutant
            else load_mutant(variant, "variant")
            if variant
            else (Semantics(), None)
        )
        settings = ServerSettings(
            host=host,
            port=port,
            db=db,
            reset=reset,
            token=token,
            rate_limit=rate_limit,
            semantics=semantics,
            wrap=wrap,
            delay=delay,
        )
        with ExitStack() as stack:
            if profile_out is None:  # in a temporary folder, removed when the server stops
                temporary = tempfile.TemporaryDirectory(prefix="regconform-serve-")
                profile_out = Path(stack.enter_context(temporary)) / "profile.toml"
            serve_forever(settings, _announce(profile_out), with_parent)
    except RegconformError as exc:
        click.echo(f"regconform serve: {exc}", err=True)
        raise SystemExit(exc.exit_code) from None
