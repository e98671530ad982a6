"""A scratch fault for one self-test, loaded into a run with PYTEST_PLUGINS: the allow-list
refuses every made-up course record (the probe sends none), as if a suite had built a path the
profile does not give: the transport raises UnsafeRequest inside a suite test, nothing sent."""

from __future__ import annotations

import pytest

from regconform.target.transport import AllowList, UnsafeRequest

_require_record = AllowList.require_record


def _refusing_made_up_records(self: AllowList, tenant: str, record_id: str) -> None:
    if record_id.startswith("regconform-"):
        raise UnsafeRequest(f"refusing to send: record {record_id!r} (scratch fault)")
    _require_record(self, tenant, record_id)


def pytest_configure(config: pytest.Config) -> None:
    AllowList.require_record = _refusing_made_up_records  # type: ignore[method-assign]
