"""The physical limit: fixed valid PUTs as fast as one keep-alive requests.Session can send them,
with no generation and no validation; and the same through regconform's own transport."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import requests

from regconform.reference.fixtures import (
    COURSE_IDS,
    DEFAULT_TOKEN,
    EVENT_ID,
    TENANT_ID,
    TRACK_ID,
    TRACK_REGISTRATION_IDS,
    course_record,
    fixture_profile,
)
from regconform.settings.profile import parse_profile
from regconform.target.transport import Target

WARM_UP = 20
COURSE_PATH = ("courseRegistrations", TENANT_ID, COURSE_IDS[0])
TRACK_PATH = ("v3", "events", EVENT_ID, "tracks", TRACK_ID, "registrations")
Senders = dict[str, Callable[[], int]]  # endpoint -> send one request, return its status


def course_body() -> dict[str, Any]:
    """A complete valid update of cr-1, without the fields a server may treat specially."""
    body: dict[str, Any] = course_record(TENANT_ID, COURSE_IDS[0], 1)
    for managed in ("sys_locked", "sys_version"):  # a stale sys_version would be a 409
        body.pop(managed)
    return body


def track_body() -> dict[str, Any]:
    return {
        "registration_ids": list(TRACK_REGISTRATION_IDS[:2]),
        "registration_status": "REGISTERED",
    }


@contextmanager
def raw_senders(base_url: str) -> Iterator[Senders]:
    """requests.Session, keep-alive, a fixed pre-encoded body per endpoint."""
    headers = {
        "Authorization": f"Bearer {DEFAULT_TOKEN}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    course_url, track_url = (base_url + "/" + "/".join(p) for p in (COURSE_PATH, TRACK_PATH))
    course_raw, track_raw = json.dumps(course_body()).encode(), json.dumps(track_body()).encode()
    with requests.Session() as session:
        session.trust_env = False
        yield {
            "course": lambda: session.put(course_url, data=course_raw, headers=headers).status_code,
            "track": lambda: session.put(track_url, data=track_raw, headers=headers).status_code,
        }


@contextmanager
def transport_senders(base_url: str) -> Iterator[Senders]:
    """The same requests through target.transport.Target (allow-list, log, JSON encoding)."""
    target = Target(base_url, DEFAULT_TOKEN, parse_profile(fixture_profile(base_url)))
    course, track = course_body(), track_body()
    track_ids = (EVENT_ID, TRACK_ID, *track["registration_ids"])
    try:
        yield {
            "course": lambda: (
                target.put(COURSE_PATH, body=course, checked_record=COURSE_PATH[1:]).status
            ),
            "track": lambda: target.put(TRACK_PATH, body=track, checked_ids=track_ids).status,
        }
    finally:
        target.close()


def _rate(send: Callable[[], int], count: int) -> float:
    """Requests per second over `count` sends; every answer must be 200."""
    started = time.perf_counter()
    for _ in range(count):
        status = send()
        if status != 200:
            raise RuntimeError(f"the fixed valid request got {status}, not 200")
    return count / (time.perf_counter() - started)


def best_rates(base_url: str, count: int, rounds: int) -> dict[str, dict[str, float]]:
    """The best rate per client and endpoint over `rounds` short interleaved bursts.

    A limit is a best case: other load on the machine only ever slows a burst down, so the
    fastest burst is the estimate, and interleaving gives both clients the same chances.
    """
    best: dict[str, dict[str, float]] = {"raw": {}, "transport": {}}
    with raw_senders(base_url) as raw, transport_senders(base_url) as via:
        clients = {"raw": raw, "transport": via}
        for senders in clients.values():
            for send in senders.values():
                for _ in range(WARM_UP):
                    send()
        for _ in range(rounds):
            for client, senders in clients.items():
                for endpoint, send in senders.items():
                    rate = _rate(send, max(1, count // rounds))
                    best[client][endpoint] = max(best[client].get(endpoint, 0.0), rate)
    return best


def combined(rates: dict[str, float]) -> float:
    """Requests per second when both endpoints get the same number of requests."""
    return len(rates) / sum(1 / rate for rate in rates.values())
