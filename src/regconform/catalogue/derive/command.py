"""`regconform derive`: (re)write the course contracts, or check that they have not drifted."""

from __future__ import annotations

from pathlib import Path

import click

from regconform.catalogue.contracts import contracts_dir
from regconform.catalogue.derive import check_drift, write_course_contracts
from regconform.errors import EXIT_NONCONFORMANT, ConfigError


@click.command()
@click.option(
    "--contracts",
    "contracts_root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The contracts folder (default: REGCONFORM_CONTRACTS or the repository's contracts/).",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a derived file differs.")
def derive(contracts_root: Path | None, check: bool) -> None:
    """Derive the course-registration OpenAPI and JSON Schema from the source document."""
    root = contracts_root or contracts_dir()
    try:
        if check:
            drifted = check_drift(root)
        else:
            for path in write_course_contracts(root):
                click.echo(f"wrote {path}")
            return
    except ConfigError as exc:
        click.echo(f"regconform derive: {exc}", err=True)
        raise SystemExit(exc.exit_code) from None
    for name in drifted:
        click.echo(f"drifted: {root / name} differs from its source; run `regconform derive`")
    if drifted:
        raise SystemExit(EXIT_NONCONFORMANT)
