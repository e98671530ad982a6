"""Running the reference server: throttling, concurrency, persistence and the `serve` command."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from in_flight import InFlight
from regconform.reference import ServerSettings, running_server
from regconform.reference.fixtures import (
    COURSE_IDS,
    DEFAULT_TOKEN,
    TENANT_ID,
    fixture_profile,
    seed_courses,
)
from runner import regconform, served

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
SEEDED = {record["id"]: record for tenant_id, record in seed_courses() if tenant_id == TENANT_ID}


def course_url(base_url: str, record_id: str) -> str:
    return f"{base_url}/courseRegistrations/{TENANT_ID}/{record_id}"


def put_course(base_url: str, record_id: str, **changes: Any) -> requests.Response:
    return requests.put(
        course_url(base_url, record_id), json=SEEDED[record_id] | changes, headers=AUTH
    )


def test_unknown_path_answers_404(shared_reference_url: str, http: requests.Session) -> None:
    """A path that is neither endpoint is 404."""
    for path in ("/", "/courseRegistrations/acme", "/events/x/tracks/y/registrations"):
        assert http.put(shared_reference_url + path, json={}).status_code == 404


def test_server_answers_429_with_retry_after_when_rate_limited() -> None:
    """Beyond the configured rate the answer is 429 with Retry-After and one error object."""
    # One request per 2 s: even on a slow, busy machine most of these come too soon.
    with running_server(ServerSettings(rate_limit=0.5)) as base_url, requests.Session() as http:
        http.headers.update(AUTH)
        responses = [http.put(course_url(base_url, "cr-404"), json={}) for _ in range(10)]
    statuses = [response.status_code for response in responses]
    assert statuses[:2] == [404, 429], statuses  # a burst of max(1, rate) requests passes
    throttled = [response for response in responses if response.status_code == 429]
    assert len(throttled) >= 5, statuses
    assert int(throttled[0].headers["Retry-After"]) >= 1
    assert throttled[0].json()["error_key"] == "throttled"
    assert isinstance(throttled[0].json()["error_message"], str)


def test_server_throttles_nothing_when_rate_limit_off(
    shared_reference_url: str, http: requests.Session
) -> None:
    """By default there is no rate limit."""
    statuses = {
        http.put(course_url(shared_reference_url, "cr-404"), json={}).status_code for _ in range(50)
    }
    assert statuses == {404}


THREADS = 8
ATTEMPTS = 200


def _read_modify_write(base_url: str, outcome: dict[str, list[int]]) -> None:
    """ATTEMPTS PUTs, each sending the last version seen; 409 tells the current one."""
    version = 1
    with requests.Session() as http:
        http.headers.update(AUTH)
        for attempt in range(ATTEMPTS):
            body = SEEDED["cr-1"] | {
                "notes": f"{threading.get_ident()}-{attempt}",
                "sys_version": version,
            }
            response = http.put(course_url(base_url, "cr-1"), json=body)
            if response.status_code == 200:
                version = response.json()["sys_version"]
                outcome["ok"].append(version)
            else:
                assert response.status_code == 409, response.text
                version = response.json()["current_sys_version"]
                outcome["conflict"].append(version)


def test_server_loses_no_update_when_writers_race(reference_url: str) -> None:
    """8 threads x 200 read-modify-writes: every 200 made exactly one new version."""
    outcome: dict[str, list[int]] = {"ok": [], "conflict": []}
    threads = [
        threading.Thread(target=_read_modify_write, args=(reference_url, outcome))
        for _ in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    oks = len(outcome["ok"])
    assert oks + len(outcome["conflict"]) == THREADS * ATTEMPTS
    # Each applied update produced its own version, one after another: no two writers applied
    # their change to the same version (a lost update would show as a repeated version).
    assert sorted(outcome["ok"]) == list(range(2, 2 + oks))
    final = put_course(reference_url, "cr-1", sys_version=1 + oks)
    assert final.json()["sys_version"] == 1 + oks + 1


def test_server_keeps_state_across_restart_and_reset_restores_fixtures(tmp_path: Path) -> None:
    """A file database survives a restart; reset=True seeds it again."""
    db = str(tmp_path / "state.sqlite")
    with running_server(ServerSettings(db=db)) as base_url:
        assert put_course(base_url, "cr-2", name="changed").json()["sys_version"] == 2
    with running_server(ServerSettings(db=db)) as base_url:
        assert put_course(base_url, "cr-2", sys_version=1).status_code == 409
        assert put_course(base_url, "cr-2", sys_version=2).json()["sys_version"] == 3
    with running_server(ServerSettings(db=db, reset=True)) as base_url:
        assert put_course(base_url, "cr-2", sys_version=1).json()["sys_version"] == 2


def stop(process: subprocess.Popen[str], signum: int = signal.SIGTERM) -> int:
    process.send_signal(signum)
    return process.wait(timeout=15)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_prints_url_and_profile_and_exits_0_when_signalled(
    tmp_path: Path, signum: int
) -> None:
    """`serve` announces its URL and profile, answers requests, and a signal stops it with 0."""
    profile_path = tmp_path / "out" / "profile.toml"
    with served("--profile-out", str(profile_path)) as (process, base_url, announced):
        assert announced == profile_path
        assert tomllib.loads(profile_path.read_text()) == fixture_profile(base_url)
        assert put_course(base_url, "cr-1").status_code == 200
        assert stop(process, signum) == 0


def test_serve_keeps_state_in_db_file_and_resets_on_request(tmp_path: Path) -> None:
    """`serve --db` keeps state across restarts; `--reset` restores the fixtures."""
    db = str(tmp_path / "serve.sqlite")
    with served("--db", db, "--token", "secret") as (process, base_url, _):
        url = course_url(base_url, "cr-3")
        headers = {"Authorization": "Bearer secret"}
        assert requests.put(url, json=SEEDED["cr-3"], headers=headers).status_code == 200
        assert put_course(base_url, "cr-3").status_code == 401  # the default token is not it
        assert stop(process) == 0
    with served("--db", db) as (process, base_url, _):
        assert put_course(base_url, "cr-3", sys_version=2).json()["sys_version"] == 3
        assert stop(process) == 0
    with served("--db", db, "--reset") as (process, base_url, _):
        assert put_course(base_url, "cr-3", sys_version=1).json()["sys_version"] == 2
        assert stop(process) == 0


def test_serve_exits_4_when_mutant_unknown() -> None:
    """An unknown --mutant is a usage error (exit 4) before anything listens."""
    result = regconform("serve", "--mutant", "no-such-mutant", timeout=30)
    assert result.code == 4
    assert result.stdout == ""
    assert "unknown mutant 'no-such-mutant'" in result.stderr


def test_fixture_profile_names_the_seeded_records() -> None:
    """The profile lists the seeded acme records, the locked one separately, and a record of
    the other tenant that acme does not hold."""
    section = fixture_profile("http://127.0.0.1:1")["course_registrations"]
    assert section["registration_ids"] == list(COURSE_IDS)
    assert SEEDED[section["locked_registration_id"]]["sys_locked"] is True
    assert not any(SEEDED[rid]["sys_locked"] for rid in COURSE_IDS)
    seeded = {(tenant, record["id"]) for tenant, record in seed_courses()}
    foreign = section["other_tenant_record_id"]
    assert (section["other_tenant_id"], foreign) in seeded
    assert (section["tenant_id"], foreign) not in seeded


def test_delay_holds_every_answer_and_answers_overlap() -> None:
    """ServerSettings(delay=0.3) (`serve --delay 0.3`, for the bench): each answer waits at
    least 0.3 s, and four requests sent at once are held together, not one after another."""
    url = f"/courseRegistrations/{TENANT_ID}/{COURSE_IDS[0]}"
    counter = InFlight()
    with running_server(ServerSettings(delay=0.3, wrap=counter.wrap)) as base_url:

        def timed(_: int) -> float:
            started = time.monotonic()
            requests.put(base_url + url, data=b"{}", timeout=10)  # 401 after the delay
            return time.monotonic() - started

        with ThreadPoolExecutor(4) as pool:
            waits = list(pool.map(timed, range(4)))
    assert min(waits) >= 0.3  # a floor the delay sets, whatever the load
    assert counter.most == 4
