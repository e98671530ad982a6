"""Checks never raise, whatever a server answers: an odd shape is a violation or not applicable.

A check that raises is a bug of ours (exit 3, no verdict), so the answer side of every check
is drawn at random here: any status, any content type, any JSON (or no JSON) at all. The
context a suite binds (what was sent, the ids listed, the pointer) comes from our own code and
is drawn well-formed.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regconform.catalogue.contracts import load_contracts
from regconform.judging.checks import REGISTRY, Check
from regconform.judging.endpoints import course_endpoint, track_endpoint
from regconform.target.exchange import Exchange, SentRequest

_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
ANY_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
_FIELDS = st.sampled_from(
    ["id", "sys_version", "sys_created_at", "notes", "substitutions", "failed", "errors"]
)
# Bodies a server might plausibly answer: anything at all, a record-like object whose known
# fields hold any JSON (where a check that trusts a field's type would break), or a list of
# anything where a multi-status body lists its failed ids.
_LISTS = st.lists(ANY_JSON, min_size=1, max_size=4)
BODIES = (
    ANY_JSON
    | st.dictionaries(_FIELDS, ANY_JSON)
    | st.builds(lambda items: {"failed": items, "errors": [{"ids": items}]}, _LISTS)
)
IDS = st.lists(st.text(min_size=1, max_size=6), max_size=3)
_ENDPOINTS = load_contracts()
# One strategy per keyword a check is bound with. A check with a keyword missing here fails
# test_every_check_keyword_has_a_strategy: add the keyword, drawn as the suites bind it.
CONTEXT: dict[str, Callable[[Check], st.SearchStrategy[Any]]] = {
    "requirement": lambda check: st.sampled_from(check.requirements),
    "why": lambda check: st.text(max_size=10),
    "ignorable": lambda check: st.booleans(),
    "validator": lambda check: st.sampled_from(
        [course_endpoint(_ENDPOINTS).validator, track_endpoint(_ENDPOINTS).validator]
    ),
    "sent": lambda check: st.dictionaries(_FIELDS, ANY_JSON),
    "previous": lambda check: st.none() | st.dictionaries(_FIELDS, ANY_JSON),
    "answered": lambda check: st.none() | st.dictionaries(_FIELDS, ANY_JSON),
    "left_out": lambda check: st.dictionaries(_FIELDS, ANY_JSON),
    "owner": lambda check: st.none() | st.text(max_size=6),
    "documented": lambda check: st.frozensets(st.sampled_from([200, 207, 400, 401, 404, 409])),
    "unknown": lambda check: IDS,
    "known": lambda check: IDS,
    "pointer": lambda check: st.sampled_from(["/failed", "/errors/0/ids"]),
    "odd_id": lambda check: st.text(min_size=1, max_size=6),
    "expected": lambda check: st.sampled_from(["200", "207", "409"]),
    "asked": lambda check: st.sampled_from(["REGISTERED", "PENDING"]),
    "before": lambda check: st.none() | st.sampled_from(["REGISTERED", "PENDING"]) | ANY_JSON,
}


def _keywords(check: Check) -> list[str]:
    return list(inspect.signature(check.func).parameters)[1:]  # the first is the exchange


def exchanges() -> st.SearchStrategy[Exchange]:
    raw = BODIES.map(lambda body: json.dumps(body).encode()) | st.binary(max_size=20)
    sent = SentRequest("PUT", "http://127.0.0.1:1/x", {"Authorization": "Bearer ***"}, b"{}")
    return st.builds(
        lambda status, media, body: Exchange(sent, status, {"content-type": media}, body),
        st.sampled_from([200, 207, 400, 401, 403, 404, 409, 500]) | st.integers(100, 599),
        st.sampled_from(["application/json", "text/html", "", "application/problem+json"]),
        raw,
    )


def test_every_check_keyword_has_a_strategy() -> None:
    """Each keyword a check takes has a strategy here, so no check escapes the property."""
    missing = {(name, k) for name, c in REGISTRY.items() for k in _keywords(c) if k not in CONTEXT}
    assert not missing


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_check_never_raises_on_any_answer(name: str) -> None:
    """A check yields violations or not-applicable findings for any answer, never an error."""
    check = REGISTRY[name]
    context = st.fixed_dictionaries({k: CONTEXT[k](check) for k in _keywords(check)})

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(exchange=exchanges(), bound=context)
    def judged(exchange: Exchange, bound: dict[str, Any]) -> None:
        outcome = check.bind(**bound).outcome(exchange)
        assert set(outcome.judged) <= set(check.requirements)

    judged()
