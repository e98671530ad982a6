"""Redaction is structural: a secret becomes *** inside values (curl lines, answers, cassette
bodies, report fields from the wire), never by a replace across serialized text. Whatever the
token (one letter, a JSON keyword, a quote), report.json stays valid JSON with every key."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from regconform.cassettes._scrub import Scrubber
from regconform.catalogue.requirements import Level, load_catalogue
from regconform.judging.results import RunResults
from regconform.report.files import write_reports
from regconform.report.run_record import RESTORE_WIRE_FIELDS, WIRE_FIELDS, run_record
from regconform.settings.baseline import Baseline
from regconform.settings.config import Overrides, build_config
from regconform.target.exchange import Exchange, SentRequest

NASTY = ["t", "true", "null", '"', ":", "{", "}", ",", "\\", "test", "verdict", "pass", "tests"]
TOKENS = st.one_of(st.sampled_from(NASTY), st.text(min_size=1, max_size=12))
EXAMPLE_ID = "CR-001"


def base_record() -> dict[str, Any]:
    """A report.json record as the recorder builds it, before anything failed."""
    config = build_config(Overrides(base_url="http://127.0.0.1:9/api", token="unused"), env={})
    results = RunResults(load_catalogue(), Level.MUST, Baseline())
    return run_record(results, config, None, exit_status=1, probe_requests=6)


BASE = base_record()


def with_leaks(token: str) -> dict[str, Any]:
    """The base record, the token put where text from the wire lands."""
    record = json.loads(json.dumps(BASE))
    entry = record["requirements"][EXAMPLE_ID]
    entry["message"] = f"CR-001 [MUST] the server echoed {token}\nrequest:  curl {token}"
    entry["note"] = f"CR-001 [MUST] the server echoed {token}"
    entry["failure"] = {
        "violations": [f"CR-001 [MUST] the server echoed {token}"],
        "request": f"curl -X PUT 'http://127.0.0.1:9/api/courseRegistrations/acme/{token}'",
        "response": "HTTP 400 application/json " + json.dumps({"error": token, token: token}),
    }
    record["restored"] = [{"record": "course registration acme/cr-1", "done": False}]
    record["restored"][0]["detail"] = f"HTTP 401 {token}"
    return record


def key_tree(value: Any) -> Any:
    """Every key at every depth, values left out."""
    if isinstance(value, dict):
        return {key: key_tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [key_tree(item) for item in value]
    return None


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings_in(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return []


@settings(max_examples=60, deadline=None, derandomize=True)  # the same tokens every run
@given(token=TOKENS)
@example(token="t")
@example(token="true")
@example(token="test")
def test_report_json_keeps_every_key_and_hides_the_token(token: str) -> None:
    """report.json (and report.html, built from it) are written; the JSON parses, holds every
    key it was given, keeps each value of our own, and no wire value holds the token."""
    record = with_leaks(token)
    with tempfile.TemporaryDirectory() as folder:
        write_reports(Path(folder), record, (token,))
        written = json.loads((Path(folder) / "report.json").read_text(encoding="utf-8"))
        assert (Path(folder) / "report.html").stat().st_size > 0
    assert key_tree(written) == key_tree(record)
    for rid, entry in written["requirements"].items():
        for key, value in entry.items():
            if key not in WIRE_FIELDS:
                assert value == record["requirements"][rid][key], (rid, key)
    assert written["dry_run"] is False and written["probe_requests"] == 6
    assume("*" not in token)  # `***` itself would hold it
    wire = [written["requirements"][EXAMPLE_ID][key] for key in WIRE_FIELDS]
    wire += [written["restored"][0][key] for key in RESTORE_WIRE_FIELDS]
    assert not [s for s in strings_in(wire) if token in s]


@settings(max_examples=60, deadline=None, derandomize=True)  # the same tokens every run
@given(token=TOKENS)
@example(token="/")
def test_curl_lines_and_answers_hide_the_token(token: str) -> None:
    """What a failure shows of a request (URL path, headers, body) and of its answer is
    redacted in every string value; keys, numbers and the host are never touched."""
    assume("*" not in token)
    body = json.dumps({"id": "cr-1", "notes": f"about {token}"})
    url = "http://127.0.0.1:9/courseRegistrations/acme/" + quote(token, safe="")
    sent = SentRequest("PUT", url, {"X-Echo": token}, body.encode(), secrets=(token,))
    answer = Exchange(sent, 400, {}, json.dumps({"echo": token, "keep": [token]}).encode())
    shown = sent.redactor
    segments = urlsplit(shown.url(url)).path.split("/")  # a "/" token is no path's business
    assert not [s for s in segments if token in unquote(s)]
    assert not [s for s in strings_in(json.loads(shown.json_text(body))) if token in s]
    assert sent.curl().startswith("curl -X PUT ") and "X-Echo: ***" in sent.curl()
    prefix = "HTTP 400 (no content type) "
    described = answer.describe()
    assert described.startswith(prefix)
    assert not [s for s in strings_in(json.loads(described.removeprefix(prefix))) if token in s]


@settings(max_examples=60, deadline=None, derandomize=True)  # the same tokens every run
@given(token=TOKENS)
def test_cassette_bodies_stay_json_with_every_key(token: str) -> None:
    """A recorded JSON body loses the token from its values, never a key or its syntax; its
    Content-Length follows it (a replay reads exactly that many bytes)."""
    original = {"status": "registered", "echo": token, "nested": {"t": [token, True, None]}}
    raw = json.dumps(original).encode()
    scrubbed = Scrubber.build([token]).response(
        {
            "status": {"code": 400, "message": "Bad Request"},
            "headers": {"Content-Type": ["application/json"], "Content-Length": [str(len(raw))]},
            "body": {"string": raw},
        }
    )
    kept = scrubbed["body"]["string"]
    body = json.loads(kept)
    assert key_tree(body) == key_tree(original)
    assert scrubbed["headers"]["Content-Length"] == [str(len(kept))]
    if "*" not in token:
        assert not [s for s in strings_in(body) if token in s]
