"""`regconform report`: HTML built from run records, one run (`html`) or several (`compare`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from regconform.errors import EXIT_USAGE
from regconform.report.compare import render_compare
from regconform.report.html import render_report


def _fail(message: str) -> NoReturn:
    click.echo(f"regconform: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def load_record(path: Path) -> dict[str, Any]:
    """A report.json; anything else exits 4 with one line."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror}")
    except ValueError as exc:
        _fail(f"{path} is not JSON: {exc}")
    if not isinstance(record, dict) or not isinstance(record.get("requirements"), dict):
        _fail(f"{path} is not a regconform report.json (no requirements)")
    return record


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot write {path}: {exc.strerror}")
    click.echo(f"wrote {path}")


@click.group()
def report() -> None:
    """HTML from report.json files: one run, or several targets side by side."""


@report.command()
@click.argument("record", type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), default=None, help="Default: beside it."
)
def html(record: Path, output: Path | None) -> None:
    """Rebuild the self-contained report.html of one run from its report.json."""
    _write(output or record.with_suffix(".html"), render_report(load_record(record)))


@report.command()
@click.argument("records", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=Path("compare.html"),
    show_default=True,
    help="The HTML page to write.",
)
@click.option(
    "--label",
    "labels",
    multiple=True,
    help="Column header, one per report in order (default: each run's base URL).",
)
def compare(records: tuple[Path, ...], output: Path, labels: tuple[str, ...]) -> None:
    """Compare runs side by side: one column per report.json, one row per requirement."""
    if labels and len(labels) != len(records):
        _fail(f"give one --label per report ({len(records)}), or none; got {len(labels)}")
    loaded = [load_record(path) for path in records]
    names = labels or tuple(
        str(r.get("base_url") or path) for r, path in zip(loaded, records, strict=True)
    )
    _write(output, render_compare(list(zip(names, loaded, strict=True))))
