"""Recording against a real reference server, and replaying with it stopped."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
import tomli_w
from cassette_runs import (
    MUTANT,
    TOKEN,
    Recorded,
    cassette_files,
    interactions,
    metadata,
    pytest_suites,
    record,
    recorded_verdicts,
    regconform,
    replay,
    report_verdicts,
)

from regconform.mutants import get_mutant
from regconform.reference import ServerSettings, running_server
from regconform.reference.fixtures import TOKEN_ENV, write_profile


def test_recording_holds_no_token_anywhere(recorded: Recorded) -> None:
    """Neither a cassette, the metadata, report.json nor the output holds the token."""
    written = [*cassette_files(recorded.folder), *recorded.folder.glob("*.json")]
    written += [p for p in recorded.reports.rglob("*") if p.is_file()]
    assert (recorded.reports / "report.json") in written
    leaks = {p.name: p.read_text(errors="replace").count(TOKEN) for p in written}
    assert sum(leaks.values()) == 0, {name: n for name, n in leaks.items() if n}
    assert recorded.done.stdout.count(TOKEN) + recorded.done.stderr.count(TOKEN) == 0


def test_recording_keeps_requests_but_scrubs_authorization(recorded: Recorded) -> None:
    """Every interaction is kept; each Authorization header reads `Bearer ***`."""
    recorded_interactions = [i for found in interactions(recorded.folder).values() for i in found]
    meta = metadata(recorded.folder)
    assert len(recorded_interactions) == meta["interactions"] == meta["requests"] > 0
    authorizations = {
        value
        for i in recorded_interactions
        for name, values in i["request"]["headers"].items()
        if name.lower() == "authorization"
        for value in values
    }
    assert authorizations == {"Bearer ***"}
    assert meta["profile"]["base_url"].startswith("http://127.0.0.1:")  # kept: not a secret


def test_cassettes_are_named_after_module_and_test(recorded: Recorded) -> None:
    """One cassette per suite test, parametrized ones suffixed with their param id."""
    names = {p.relative_to(recorded.folder).as_posix() for p in cassette_files(recorded.folder)}
    assert "test_course_registrations/test_valid_update_is_applied_and_returned.yaml" in names
    assert "test_course_registrations/test_each_single_violation_is_refused.yaml" in names
    assert "test_shared_rules/test_refused_at_the_door-tracks.yaml" in names
    assert names == set(metadata(recorded.folder)["cassettes"])


def test_replay_reaches_the_recorded_verdicts_with_the_server_stopped(
    recorded: Recorded, tmp_path: Path
) -> None:
    """No server, no token: the same verdict (and count) per requirement, the same requests."""
    done = replay(recorded.folder, tmp_path)
    assert done.code == 0, done.explain()
    assert report_verdicts(tmp_path) == recorded_verdicts(recorded.folder)
    assert report_verdicts(tmp_path) == report_verdicts(recorded.reports)
    sent = metadata(recorded.folder)["request_log_sha256"]
    assert sent and f"request log sha256 {sent[:16]}" in done.stdout  # byte for byte


def test_mutant_recording_fails_on_replay_with_the_mutant_requirement(
    mutant_recorded: Recorded, tmp_path: Path
) -> None:
    """A recording of a broken server fails again offline, on the requirement it breaks."""
    requirement = get_mutant(MUTANT).requirement
    assert recorded_verdicts(mutant_recorded.folder)[requirement][0] == "fail"
    done = replay(mutant_recorded.folder, tmp_path)
    assert done.code == 1, done.explain()
    assert report_verdicts(tmp_path)[requirement][0] == "fail"
    assert report_verdicts(tmp_path) == recorded_verdicts(mutant_recorded.folder)


def test_user_patterns_are_scrubbed_and_replay_still_matches(tmp_path: Path) -> None:
    """`--scrub` removes a tenant (sent in paths) and an error text; the replay still matches."""
    with running_server(ServerSettings(token=TOKEN)) as base_url:
        done = record(
            base_url,
            tmp_path / "cassettes",
            tmp_path / "reports",
            "--suite",
            "shared",
            "--scrub",
            "acme",
            "--scrub",
            r"bearer\s+token",
        )
    assert done.code == 0, done.explain()
    texts = [p.read_text() for p in cassette_files(tmp_path / "cassettes")]
    texts.append((tmp_path / "cassettes" / "regconform-cassettes.json").read_text())
    assert not any("acme" in t or "bearer token" in t for t in texts)
    assert any("/courseRegistrations/***/" in t for t in texts)
    again = replay(tmp_path / "cassettes", tmp_path / "replayed")
    assert again.code == 0, again.explain()
    assert report_verdicts(tmp_path / "replayed") == recorded_verdicts(tmp_path / "cassettes")


@pytest.mark.parametrize(
    "flags",
    [["--seed", "1"], ["--max-examples", "3"], ["--level", "all"], ["--profile", "p.toml"]],
    ids=["seed", "max-examples", "level", "profile"],
)
def test_replay_refuses_settings_that_contradict_the_recording(
    recorded: Recorded, tmp_path: Path, flags: list[str]
) -> None:
    """A flag that would change the requests sent is a one-line usage error."""
    done = replay(recorded.folder, tmp_path, *flags)
    assert done.code == 4, done.explain()
    assert done.one_line_error, done.explain()


def test_requests_after_the_tests_are_recorded_and_replayed(tmp_path: Path) -> None:
    """Restoring records at the end of the run goes to session.yaml and is replayed too."""
    with running_server(ServerSettings(token=TOKEN)) as base_url:
        profile = write_profile(tmp_path / "profile.toml", base_url)
        raw = tomllib.loads(profile.read_text())
        raw["event_track_registrations"]["restore_status"] = "REGISTERED"
        profile.write_text(tomli_w.dumps(raw))
        done = regconform(
            *("run", "--record", "--profile", profile, "--suite", "shared"),
            *("--cassettes", tmp_path / "cassettes", "--report-dir", tmp_path / "reports"),
            env={TOKEN_ENV: TOKEN},
        )
    assert done.code == 0, done.explain()
    (restore,) = interactions(tmp_path / "cassettes")["session.yaml"]
    assert restore["request"]["uri"].endswith("/registrations")
    again = replay(tmp_path / "cassettes", tmp_path / "replayed")
    assert again.code == 0, again.explain()
    restored = json.loads((tmp_path / "replayed" / "report.json").read_text())["restored"]
    assert len(restored) == len(raw["event_track_registrations"]["registration_ids"])


def test_plain_pytest_records_and_replays_with_the_plugin_options(tmp_path: Path) -> None:
    """`pytest suites --regconform-record/--regconform-replay --regconform-cassettes DIR` work
    alone."""
    folder, selected = tmp_path / "cassettes", ("-k", "test_refused_at_the_door")
    with running_server(ServerSettings(token=TOKEN)) as base_url:
        done = pytest_suites(
            *("--regconform-base-url", base_url, "--regconform-record"),
            *("--regconform-cassettes", folder, *selected),
            *("--regconform-report-dir", tmp_path / "reports"),
            env={TOKEN_ENV: TOKEN},
        )
    assert done.code == 0, done.explain()
    assert len(cassette_files(folder)) == 2  # one per endpoint
    again = pytest_suites(
        *("--regconform-replay", "--regconform-cassettes", folder),
        *("--regconform-report-dir", tmp_path / "again", *selected),
    )
    assert again.code == 0, again.explain()
    assert report_verdicts(tmp_path / "again") == recorded_verdicts(folder)
