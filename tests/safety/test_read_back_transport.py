"""Read-backs leave through the same guards as every PUT: the allow-list, the budget, pacing and
the request log; a dry run sends none."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from faulty_server import FaultyServer
from safety_runs import TOKEN, behind_proxy

from regconform.reference.fixtures import fixture_profile
from regconform.settings.profile import parse_profile
from regconform.settings.read_paths import fill
from regconform.target.transport import BudgetExhausted, Target, UnsafeRequest

CR_1 = ("courseRegistrations", "acme", "cr-1")


def target(base_url: str, **options: Any) -> Target:
    """A Target given the reference fixtures' profile, but only the course record cr-1."""
    raw = fixture_profile(base_url)
    raw["course_registrations"]["registration_ids"] = ["cr-1"]
    return Target(base_url, TOKEN, parse_profile(raw), **options)


@pytest.fixture
def proxied() -> Iterator[FaultyServer]:
    with behind_proxy() as proxy:
        yield proxy


def read_path_of(record_id: str) -> tuple[str, ...]:
    template = fixture_profile("http://h")["course_registrations"]["read_path"]
    return fill(template, {"tenantId": "acme", "id": record_id})


def test_read_back_is_a_logged_get_of_the_stored_record(proxied: FaultyServer) -> None:
    """A GET through the read path reaches the server once, with the token, and is logged."""
    sender = target(proxied.url)
    exchange = sender.get(read_path_of("cr-1"), checked_record=("acme", "cr-1"))
    sender.close()
    assert exchange.status == 200 and exchange.json["id"] == "cr-1"
    assert [(seen.method, seen.path) for seen in proxied.requests] == [
        ("GET", "/courseRegistrations/acme/cr-1")
    ]
    assert exchange.request.curl().startswith("curl -X GET ")
    assert "Bearer ***" in exchange.request.curl() and TOKEN not in exchange.request.curl()
    assert sender.log.count == 1


def test_read_back_of_a_record_outside_the_profile_is_refused_unsent() -> None:
    """A read of a record the profile does not give is refused before anything leaves."""
    with FaultyServer("forward") as server:
        sender = target(server.url)
        with pytest.raises(
            UnsafeRequest, match="record 'cr-2' of tenant 'acme' is not in the profile"
        ):
            sender.get(read_path_of("cr-2"), checked_record=("acme", "cr-2"))
        sender.close()
    assert server.connections == 0 and sender.log.count == 0


def test_read_back_counts_against_the_budget(proxied: FaultyServer) -> None:
    """--max-requests counts reads like writes: with a budget of 2, the third request stays."""
    sender = target(proxied.url, max_requests=2)
    sender.put(CR_1, body={}, checked_record=("acme", "cr-1"))
    sender.get(read_path_of("cr-1"), checked_record=("acme", "cr-1"))
    with pytest.raises(BudgetExhausted):
        sender.get(read_path_of("cr-1"), checked_record=("acme", "cr-1"))
    sender.close()
    assert [seen.method for seen in proxied.requests] == ["PUT", "GET"]


def test_dry_run_read_back_sends_nothing() -> None:
    """A dry run counts the read it would send and sends nothing."""
    with FaultyServer("forward") as server:
        sender = target(server.url, dry_run=True)
        exchange = sender.get(read_path_of("cr-1"), checked_record=("acme", "cr-1"))
        sender.close()
    assert exchange.dry_run and server.connections == 0 and sender.log.count == 1
