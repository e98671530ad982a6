"""Where regconform's data folders are: the checkout's own, or the copy packaged in the wheel.

The repository keeps `contracts/` and `suites/` at its top level; a wheel carries them as
`regconform/_data/contracts` and `regconform/_data/suites` (pyproject.toml, force-include).
Every reader finds them through `data_dir`, so an editable install reads the files being
edited and an installed wheel reads its own copy, wherever the command is run from.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # the `regconform` package folder
PACKAGED = "_data"  # its data folder inside a wheel


def checkout(package: Path = PACKAGE) -> Path | None:
    """The source checkout regconform runs from (src layout: an editable install), else None."""
    root = package.parent.parent
    if package.parent.name == "src" and (root / "pyproject.toml").is_file():
        return root
    return None


def data_dir(name: str, package: Path = PACKAGE) -> Path:
    """Data folder `name` ("contracts", "suites"): the checkout's, else the packaged copy."""
    root = checkout(package)
    if root is not None and (root / name).is_dir():
        return root / name
    return package / PACKAGED / name


def suites_dir() -> Path:
    """The folder of the conformance suites."""
    return data_dir("suites")


def workspace() -> Path:
    """Where `reports/` and `cassettes/` go by default: the checkout, else the current folder."""
    return checkout() or Path.cwd()
