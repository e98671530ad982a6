"""`[auth]`: the run mints its token once, before the first request (an OAuth2 grant, or a
command's output), uses it, and redacts it like a static one; a refused grant is exit 4."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from faulty_server import FaultyServer
from safety_runs import TRACEBACK, Run, in_parallel, write_profile
from token_server import (
    AUDIENCE,
    CLIENT_ID,
    CLIENT_SECRET,
    MINTED,
    REFRESH_TOKEN,
    TokenServer,
)

from regconform.errors import ConfigError
from regconform.reference.fixtures import TOKEN_ENV
from regconform.settings.auth import parse_auth
from regconform.target.embedded import embedded_server
from regconform.target.token import mint_token

ID_ENV, SECRET_ENV, REFRESH_ENV = "CI_CLIENT_ID", "CI_CLIENT_SECRET", "CI_REFRESH_TOKEN"
CREDENTIALS = {ID_ENV: CLIENT_ID, SECRET_ENV: CLIENT_SECRET, TOKEN_ENV: None}
SHORT_RUN = ("--suite", "shared", "--max-examples", "1")


def client_credentials(token_url: str) -> dict[str, Any]:
    return {
        "kind": "client_credentials",
        "token_url": token_url,
        "client_id_env": ID_ENV,
        "client_secret_env": SECRET_ENV,
        "audience": AUDIENCE,
    }


def command(*python: str) -> dict[str, Any]:
    return {"kind": "command", "command": [sys.executable, "-c", *python]}


@pytest.fixture(scope="module")
def auth_runs(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, tuple[Run, TokenServer, FaultyServer | None]]]:
    """Runs with each kind of [auth]: against a reference server that takes only the minted
    token, or (for the refusals) a counting server that must see nothing."""
    folder = tmp_path_factory.mktemp("auth")
    with ExitStack() as stack:
        tokens = stack.enter_context(TokenServer())
        _, served = stack.enter_context(embedded_server(("--token", MINTED)))
        url = served.read_text().split('base_url = "', 1)[1].split('"', 1)[0]
        counting = stack.enter_context(FaultyServer("forward"))
        wrong = {**CREDENTIALS, SECRET_ENV: "not-the-secret"}
        fails = command("import sys; sys.stderr.write('no session, log in first\\n'); sys.exit(3)")
        cases: dict[str, tuple[str, dict[str, Any], dict[str, str | None], bool]] = {
            "client credentials": (url, client_credentials(tokens.token_url), CREDENTIALS, True),
            "refused grant": (counting.url, client_credentials(tokens.token_url), wrong, False),
            "command": (url, command(f"print({MINTED!r})"), {TOKEN_ENV: None}, True),
            "failing command": (counting.url, fails, {TOKEN_ENV: None}, False),
        }
        calls = []
        for name, (base_url, auth, env, _) in cases.items():
            profile = write_profile(folder / f"{name.replace(' ', '-')}.toml", base_url, auth=auth)
            report_dir = folder / name.replace(" ", "-")
            calls.append(
                (("run", "--profile", profile, *SHORT_RUN), {"env": env, "report_dir": report_dir})
            )
        runs = in_parallel(calls, workers=2)
        yield {
            name: (run, tokens, None if case[3] else counting)
            for (name, case), run in zip(cases.items(), runs, strict=True)
        }


@pytest.mark.parametrize("name", ["client credentials", "command"])
def test_minted_token_is_used_and_redacted(
    auth_runs: dict[str, tuple[Run, TokenServer, FaultyServer | None]], name: str
) -> None:
    """The run passes against a server taking only the minted token (so it was sent), yet
    neither the output nor report.json, junit.xml or report.html holds it, or the secret."""
    run, _, _ = auth_runs[name]
    assert run.code == 0, run.explain()
    assert run.report_dir is not None
    written = {path.name: path.read_text() for path in run.report_dir.iterdir()}
    assert {"report.json", "junit.xml", "report.html"} <= set(written)
    for text in [run.output, *written.values()]:
        assert MINTED not in text and CLIENT_SECRET not in text


def test_client_credentials_are_auth0s_flow_once_a_run(
    auth_runs: dict[str, tuple[Run, TokenServer, FaultyServer | None]],
) -> None:
    """One token request for the whole run: client id and secret in the form, and audience."""
    _, tokens, _ = auth_runs["client credentials"]
    good = [form for form in tokens.forms if form.get("client_secret") == CLIENT_SECRET]
    assert good == [
        {
            "grant_type": "client_credentials",
            "audience": AUDIENCE,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        }
    ]


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("refused grant", "refused the grant (access_denied: Unauthorized)"),
        ("failing command", "exited 3: no session, log in first"),
    ],
)
def test_refused_grant_is_one_line_and_exit_4_before_any_request(
    auth_runs: dict[str, tuple[Run, TokenServer, FaultyServer | None]], name: str, says: str
) -> None:
    """No token, no run: one line, exit 4, and the target never hears from us."""
    run, _, counting = auth_runs[name]
    assert run.code == 4, run.explain()
    assert run.stderr.startswith("regconform: error: profile [auth] ") and says in run.stderr
    assert run.stderr.count("\n") == 1 and TRACEBACK not in run.output
    assert counting is not None and counting.connections == 0
    assert "not-the-secret" not in run.output


def test_refresh_token_grant_mints_a_token() -> None:
    """`kind = "refresh_token"`: the refresh token and client id are exchanged for a token;
    an unknown refresh token is a one-line ConfigError naming the grant's refusal."""
    with TokenServer() as tokens:
        spec = parse_auth(
            {
                "kind": "refresh_token",
                "token_url": tokens.token_url,
                "client_id_env": ID_ENV,
                "refresh_token_env": REFRESH_ENV,
            }
        )
        env = {ID_ENV: CLIENT_ID, REFRESH_ENV: REFRESH_TOKEN}
        minted = mint_token(spec, env, timeout=10)
        assert minted.token == MINTED and minted.secrets == (REFRESH_TOKEN,)
        assert tokens.forms[-1]["grant_type"] == "refresh_token"
        with pytest.raises(ConfigError, match=r"refused the grant \(invalid_grant: Unknown"):
            mint_token(spec, {**env, REFRESH_ENV: "stale"}, timeout=10)
        with pytest.raises(ConfigError, match=f"the variable {REFRESH_ENV} is not set"):
            mint_token(spec, {ID_ENV: CLIENT_ID}, timeout=10)


def test_auth_table_keys_are_checked_per_kind(tmp_path: Path) -> None:
    """A typo in [auth] names the closest key of its kind; a kind that does not exist too."""
    with pytest.raises(ConfigError, match=r"unknown key 'tokn_url' \(did you mean 'token_url'"):
        parse_auth({**client_credentials("https://x.example/t"), "tokn_url": "x"})
    with pytest.raises(ConfigError, match="kind must be one of"):
        parse_auth({"kind": "password"})
    with pytest.raises(ConfigError, match="must be https://"):
        parse_auth(client_credentials("http://idp.example/oauth/token"))
