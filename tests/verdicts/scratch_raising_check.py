"""A scratch fault for one self-test, loaded into a run with PYTEST_PLUGINS: the CR-037 check
gets back the bug issue 14 found (it reads a 200 body as an object without looking), so a
200 whose body is an array makes it raise AttributeError inside the suite."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from regconform.judging.checks import Check
from regconform.judging.checks import course as cr
from regconform.judging.checks._registry import Finding
from regconform.target.exchange import Exchange


def _reads_any_body_as_an_object(exchange: Exchange, previous: Any) -> Iterator[Finding]:
    if exchange.status == 200 and exchange.is_json:
        exchange.json.get("sys_created_at")  # AttributeError on an array: the old bug
    yield from ()


def pytest_configure(config: pytest.Config) -> None:
    cr.created_fields_unchanged = Check(  # type: ignore[misc]
        "created_fields_unchanged", ("CR-037",), _reads_any_body_as_an_object
    )
