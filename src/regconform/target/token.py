"""The run's bearer token when the profile's `[auth]` says how to get one: minted once, before
the run, kept in memory only (never cached on disk), and redacted like a static token.

OAuth2 goes through authlib's `OAuth2Session` rather than hand-written token requests: it is a
maintained, widely used client that speaks both grants we need (client credentials, with extra
form parameters such as Auth0's `audience`, and refresh tokens), both client authentications
(client_secret_post, client_secret_basic), and turns an RFC 6749 error answer into an
`OAuthError`; and it is a `requests.Session`, so the same proxy settings apply. (requests-oauthlib
needs two libraries, oauthlib and its requests glue, for the same.)
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import requests

from regconform.errors import ConfigError
from regconform.settings.auth import AuthSpec
from regconform.settings.config import RunConfig
from regconform.target.deadline import AnswerOverdue, answer_deadline
from regconform.target.http import proxies_for, tls_failure
from regconform.target.redact import Redactor

MAX_REASON = 200


@dataclass(frozen=True)
class Minted:
    token: str = ""
    # The other secrets used to get it (client secret, refresh token): redacted as well.
    secrets: tuple[str, ...] = ()


def with_token(config: RunConfig, env: Mapping[str, str] | None = None) -> RunConfig:
    """`config` with its token, minted now if the profile's [auth] says how (once a run)."""
    if config.auth is None or config.token:
        return config
    minted = mint_token(config.auth, os.environ if env is None else env, config.timeout)
    secrets = (*config.extra_secrets, *minted.secrets)
    return replace(config, token=minted.token, extra_secrets=secrets)


def mint_token(spec: AuthSpec, env: Mapping[str, str], timeout: float) -> Minted:
    """The token `spec` describes; a refused grant, a failing command or an unset variable is
    a one-line ConfigError."""
    if spec.kind == "command":
        return Minted(_from_command(spec, timeout))
    return _from_token_endpoint(spec, env, timeout)


def _variable(env: Mapping[str, str], name: str | None, key: str) -> str:
    value = env.get(name or "")
    if not value:
        raise ConfigError(f"profile [auth] {key}: the variable {name} is not set")
    return value


def _from_token_endpoint(spec: AuthSpec, env: Mapping[str, str], timeout: float) -> Minted:
    from authlib.integrations.requests_client import OAuth2Session, OAuthError

    client_id = _variable(env, spec.client_id_env, "client_id_env")
    secret = (
        _variable(env, spec.client_secret_env, "client_secret_env")
        if spec.client_secret_env
        else None
    )
    refresh = (
        _variable(env, spec.refresh_token_env, "refresh_token_env")
        if spec.kind == "refresh_token"
        else None
    )
    used = tuple(s for s in (secret, refresh) if s)
    redact = Redactor.of(used)
    where = f"profile [auth] {spec.kind}: {spec.token_url}"
    session = OAuth2Session(
        client_id,
        secret,
        token_endpoint_auth_method=spec.client_auth if secret else "none",
        scope=spec.scope,
        trust_env=False,
        proxies=proxies_for(str(spec.token_url)),
    )
    try:
        with session, answer_deadline(timeout):
            token = _grant(session, spec, refresh, timeout)
    except OAuthError as exc:
        why = f"{exc.error}: {exc.description}" if exc.description else str(exc.error)
        raise ConfigError(f"{where} refused the grant ({redact.text(why)[:MAX_REASON]})") from None
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        raise ConfigError(f"{where} refused the grant (HTTP {status})") from None
    except (AnswerOverdue, requests.Timeout):
        raise ConfigError(f"{where} sent no token within {timeout:g} s") from None
    except requests.RequestException as exc:
        why = tls_failure(str(spec.token_url), exc) or type(exc).__name__
        raise ConfigError(f"{where} could not be reached: {why}") from None
    except ValueError as exc:  # authlib: an answer that is not a JSON object
        raise ConfigError(f"{where} answered no token: {redact.text(str(exc))}") from None
    access = token.get("access_token") if isinstance(token, Mapping) else None
    if not isinstance(access, str) or not access:
        raise ConfigError(f"{where} answered without an access_token")
    return Minted(access, used)


def _grant(session: Any, spec: AuthSpec, refresh: str | None, timeout: float) -> Any:
    if spec.kind == "refresh_token":
        return session.refresh_token(spec.token_url, refresh_token=refresh, timeout=timeout)
    # Auth0 names the API the token is for in `audience`, an extra form parameter.
    extra = {"audience": spec.audience} if spec.audience else {}
    return session.fetch_token(
        spec.token_url, grant_type="client_credentials", timeout=timeout, **extra
    )


def _from_command(spec: AuthSpec, timeout: float) -> str:
    """The one line the command prints on stdout; when it fails, the last line of its stderr
    is quoted."""
    name = spec.command[0]
    where = f"profile [auth] command {name!r}"
    try:
        done = subprocess.run(
            spec.command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=max(timeout, 30.0),
            check=False,
        )
    except FileNotFoundError:
        raise ConfigError(f"{where} was not found") from None
    except PermissionError:
        raise ConfigError(f"{where} is not executable") from None
    except subprocess.TimeoutExpired:
        raise ConfigError(f"{where} printed no token within {max(timeout, 30.0):g} s") from None
    token = done.stdout.strip()
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [""])[-1]
        said = f": {Redactor.of([token]).text(last)[:MAX_REASON]}" if last else ""
        raise ConfigError(f"{where} exited {done.returncode}{said}")
    if not token or "\n" in token:
        raise ConfigError(
            f"{where} must print the token alone on stdout, not {done.stdout.count(chr(10))} lines"
        )
    return token
