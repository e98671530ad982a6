"""The parts of regconform.cassettes on their own: scrubbing, names, matching, the socket guard."""

from __future__ import annotations

import socket
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from vcr.matchers import get_matchers_results
from vcr.request import Request

from regconform.cassettes._cassette import (
    MATCH_ON,
    NetworkBlocked,
    cassette_name,
    network_blocked,
)
from regconform.cassettes._metadata import profile_data
from regconform.cassettes._plugin import prepare_folder
from regconform.cassettes._scrub import Scrubber
from regconform.errors import ConfigError
from regconform.settings.config import reference_profile
from regconform.settings.profile import parse_profile

SECRET = "s3cr3t/tok+en"  # needs percent- and plus-encoding


def response(body: bytes, **headers: list[str]) -> dict[str, Any]:
    return {"status": {"code": 200, "message": "OK"}, "headers": headers, "body": {"string": body}}


def test_scrubber_replaces_the_token_in_every_spelling() -> None:
    """Headers, URI (percent-encoded), JSON-escaped body: the token becomes ***."""
    scrub = Scrubber.build([SECRET])
    request = Request(
        "PUT",
        "http://h/p?token=s3cr3t%2Ftok%2Ben&t=s3cr3t%2Ftok%2Ben",
        b'{"echo": "s3cr3t\\/tok+en", "raw": "s3cr3t/tok+en"}',
        {"Authorization": f"Bearer {SECRET}", "X-Echo": SECRET},
    )
    scrubbed = scrub.request(request)
    text = f"{scrubbed.uri} {scrubbed.body!r} {dict(scrubbed.headers)}"
    assert "s3cr3t" not in text
    assert scrubbed.headers["Authorization"] == "Bearer ***"
    assert request.headers["Authorization"] == f"Bearer {SECRET}"  # the original is in flight


def test_scrubber_cleans_responses_and_user_patterns() -> None:
    """Response headers and bodies lose the token and whatever a --scrub pattern matches."""
    scrub = Scrubber.build([SECRET], [r"student\d+@\w+\.example"])
    got = scrub.response(
        response(
            b'{"mail": "student7@acme.example", "t": "s3cr3t/tok+en"}',
            **{
                "Set-Cookie": ["session=abc"],
                "X-Token": [SECRET],
            },
        )
    )
    assert got["body"]["string"] == b'{"mail": "***", "t": "***"}'
    assert got["headers"] == {"Set-Cookie": ["***"], "X-Token": ["***"]}


def test_scrubber_keeps_bytes_that_are_not_utf8() -> None:
    """A binary body survives scrubbing byte for byte."""
    assert Scrubber.build([SECRET]).data(b"\xff\xfe{}") == b"\xff\xfe{}"


@pytest.mark.parametrize("pattern", ["(", "x*"], ids=["invalid", "matches-empty"])
def test_bad_scrub_pattern_is_a_config_error(pattern: str) -> None:
    """A pattern that does not compile, or would match everywhere, is refused."""
    with pytest.raises(ConfigError, match="--scrub"):
        Scrubber.build([], [pattern])


@pytest.mark.parametrize(
    ("originalname", "param", "expected"),
    [
        ("test_a", None, "test_suite/test_a.yaml"),
        ("test_a", "CR-001", "test_suite/test_a-CR-001.yaml"),
        ("test_a", "x/y [z]", "test_suite/test_a-x_y_z.yaml"),
    ],
)
def test_cassette_names_are_safe_file_names(
    originalname: str, param: str | None, expected: str
) -> None:
    """`<module>/<test>[-<param id>].yaml`, the id sanitized."""
    item = SimpleNamespace(
        originalname=originalname,
        name=originalname,
        path=Path("/x/suites/test_suite.py"),
        callspec=SimpleNamespace(id=param) if param else None,
    )
    assert cassette_name(item) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("sent", "recorded", "matches"),
    [
        (("PUT", "http://a:1/p?q=1", b"{}"), ("PUT", "http://b:2/p?q=1", b"{}"), True),
        (("PUT", "http://a/p", b'{"a":1}'), ("PUT", "http://a/p", b'{"a":1.0}'), False),
        (("PUT", "http://a/p?q=1", b""), ("PUT", "http://a/p?q=2", b""), False),
        (("PUT", "http://a/t/acme/r", b"x"), ("PUT", "http://a/t/***/r", b"x"), True),
        (("PUT", "http://a/p", b'{"t":"tok"}'), ("PUT", "http://a/p", b'{"t":"***"}'), True),
        (("PUT", "http://a/p", b'{"t":"tok"}'), ("PUT", "http://a/q", b'{"t":"***"}'), False),
    ],
    ids=["host-port-ignored", "bytes-not-json", "query", "scrubbed-path", "scrubbed-body", "path"],
)
def test_requests_match_on_method_path_query_and_bytes(
    sent: tuple[str, str, bytes], recorded: tuple[str, str, bytes], matches: bool
) -> None:
    """Never host or port; bodies byte for byte; a recorded *** stands for any text."""
    _, failures = get_matchers_results(Request(*sent, {}), Request(*recorded, {}), MATCH_ON)
    assert (not failures) is matches


def test_network_guard_refuses_ip_connections_and_lets_local_sockets_be() -> None:
    """Inside the guard an IP connect raises at once; a Unix socket still connects."""
    with tempfile.TemporaryDirectory() as folder, socket.socket(socket.AF_UNIX) as server:
        path = str(Path(folder) / "s")
        server.bind(path)
        server.listen()  # a connect completes into the backlog, without an accept
        with network_blocked():
            with pytest.raises(NetworkBlocked), socket.socket() as ip:
                ip.connect(("127.0.0.1", 9))
            with socket.socket(socket.AF_UNIX) as local:
                local.connect(path)
    with socket.socket() as ip:  # and afterwards, connecting is up to the network again
        assert ip.connect_ex(("127.0.0.1", 9)) != 0


def test_profile_data_reads_back_as_the_same_profile() -> None:
    """What the metadata stores is a profile `parse_profile` reads back unchanged."""
    profile = parse_profile({**profile_data(reference_profile()), "base_url": "http://h:1"})
    assert parse_profile(profile_data(profile)) == profile


def test_recording_refuses_a_folder_that_is_not_a_cassette_folder(tmp_path: Path) -> None:
    """A folder holding someone's files is never emptied or written into."""
    (tmp_path / "README.md").write_text("kept")
    prepare_folder(tmp_path)  # a README alone is fine
    (tmp_path / "thesis.tex").write_text("precious")
    with pytest.raises(ConfigError, match=r"thesis\.tex"):
        prepare_folder(tmp_path)
    assert (tmp_path / "thesis.tex").read_text() == "precious"
