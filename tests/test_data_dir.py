"""One function finds the data: the checkout's contracts/ and suites/, or the wheel's copy."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from regconform.catalogue.contracts import contracts_dir
from regconform.catalogue.data import PACKAGED, checkout, data_dir, suites_dir
from runner import REPO

DATA = ("contracts", "suites")


def test_data_dir_is_the_checkouts_own_in_a_source_checkout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Run from this checkout (an editable install), the data is the repository's folders."""
    monkeypatch.delenv("REGCONFORM_CONTRACTS", raising=False)
    assert checkout() == REPO
    assert [data_dir(name) for name in DATA] == [REPO / name for name in DATA]
    assert suites_dir() == REPO / "suites"
    assert contracts_dir() == REPO / "contracts"


def test_data_dir_is_the_packaged_copy_in_an_installed_wheel(tmp_path: Path) -> None:
    """Installed in site-packages, the data is the copy under regconform/_data, even with a
    contracts/ folder where a checkout would keep it."""
    package = tmp_path / "venv" / "lib" / "python3.11" / "site-packages" / "regconform"
    for name in DATA:
        (package / PACKAGED / name).mkdir(parents=True)
        (package.parents[1] / name).mkdir()
    assert checkout(package) is None
    assert [data_dir(name, package) for name in DATA] == [package / PACKAGED / n for n in DATA]


def test_contracts_env_override_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """REGCONFORM_CONTRACTS points the contracts elsewhere, in a checkout or a wheel."""
    monkeypatch.setenv("REGCONFORM_CONTRACTS", str(tmp_path))
    assert contracts_dir() == tmp_path


def test_wheel_carries_the_data_where_data_dir_looks() -> None:
    """pyproject.toml's force-include puts contracts/ and suites/ under regconform/_data."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    forced = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert forced == {name: f"regconform/{PACKAGED}/{name}" for name in DATA}
