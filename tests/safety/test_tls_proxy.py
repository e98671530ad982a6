"""Reaching a staging server: a private CA and a client certificate from the profile, the proxy
variables from the environment (never for loopback), and the embedded server's own token."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from faulty_server import FaultyServer
from safety_runs import TOKEN, TRACEBACK, Run, behind_proxy, in_parallel, regconform, write_profile
from tls_relay import TlsRelay

from regconform.reference import ServerSettings, running_server
from regconform.reference.fixtures import TOKEN_ENV

SHORT_RUN = ("--suite", "shared", "--max-examples", "1")
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY")


def proxy_env(url: str, **more: str) -> dict[str, str | None]:
    return {**dict.fromkeys(PROXY_VARIABLES, url), "NO_PROXY": None, "no_proxy": None, **more}


def test_readme_first_command_ignores_an_exported_token_and_proxy(tmp_path: Path) -> None:
    """`regconform run` with another token and a proxy exported: the embedded server is tested
    with its own token, straight over loopback (the proxy sees no connection)."""
    with FaultyServer("forward") as proxy:
        run = regconform(
            "run",
            "--max-examples",
            "2",
            env=proxy_env(proxy.url, **{TOKEN_ENV: "someone-elses-token"}),
            report_dir=tmp_path,
        )
    assert run.code == 0, run.explain()
    assert proxy.connections == 0


TLS_CASES: dict[str, tuple[bool, tuple[str, ...], int, str]] = {
    # name: (relay wants a client certificate, profile TLS keys, exit, what the output says)
    "private CA not given": (False, (), 4, "not trusted"),
    "private CA given": (False, ("ca_bundle",), 0, "requirements:"),
    "client certificate not given": (True, ("ca_bundle",), 4, "client certificate"),
    "client certificate given": (True, ("ca_bundle", "client_cert", "client_key"), 0, "ok"),
}


@pytest.fixture(scope="module")
def tls_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[Run, str]]]:
    """Each case against the reference server behind its own TLS relay."""
    folder = tmp_path_factory.mktemp("tls")
    with ExitStack() as stack:
        base_url = stack.enter_context(running_server(ServerSettings(token=TOKEN)))
        port = int(base_url.rsplit(":", 1)[1])
        calls, urls = [], []
        for name, (wants_cert, keys, _, _) in TLS_CASES.items():
            where = folder / name.replace(" ", "-")
            where.mkdir()
            relay = stack.enter_context(TlsRelay(port, where, client_cert=wants_cert))
            files: dict[str, Any] = {
                "ca_bundle": str(relay.ca_bundle),
                "client_cert": str(relay.client_cert),
                "client_key": str(relay.client_key),
            }
            profile = write_profile(where / "p.toml", relay.url)
            text = "".join(f'{key} = "{files[key]}"\n' for key in keys)
            profile.write_text(text + profile.read_text())
            calls.append((("run", "--profile", profile, "--timeout", "5", *SHORT_RUN), {}))
            urls.append(relay.url)
        runs = in_parallel(calls, workers=2)
        yield {name: (run, url) for name, run, url in zip(TLS_CASES, runs, urls, strict=True)}


@pytest.mark.parametrize("name", TLS_CASES)
def test_tls_files_come_from_the_profile(tls_runs: dict[str, tuple[Run, str]], name: str) -> None:
    """A private CA and a client certificate are taken from the profile; without them the
    run stops before any test, saying in words what is missing."""
    run, url = tls_runs[name]
    _, _, code, says = TLS_CASES[name]
    assert run.code == code, run.explain()
    assert says in run.output and TRACEBACK not in run.output
    if code == 4:
        assert run.stderr.startswith("regconform: error: ") and run.stderr.count("\n") == 1
        assert "set ca_bundle" in run.stderr or "set client_cert" in run.stderr
        assert url in run.stderr


def test_proxy_variables_lead_to_a_host_only_the_proxy_reaches(tmp_path: Path) -> None:
    """HTTP_PROXY is honoured: a target host that does not resolve here is reached through the
    proxy (preflight, probe and tests alike); NO_PROXY naming it sends it direct again."""
    host = "regconform-staging.invalid"
    with behind_proxy() as proxy:
        profile = write_profile(tmp_path / "p.toml", f"http://{host}")
        through = regconform("run", "--profile", profile, *SHORT_RUN, env=proxy_env(proxy.url))
        bypassed = regconform(
            *("run", "--profile", profile, *SHORT_RUN),
            env=proxy_env(proxy.url, NO_PROXY=host),
        )
        seen = list(proxy.requests)
    assert through.code == 0, through.explain()
    assert seen and all(s.path.startswith(f"http://{host}/") for s in seen)
    assert {s.method for s in seen} == {"HEAD", "PUT"}
    assert bypassed.code == 4 and f"host {host!r} does not resolve" in bypassed.stderr
