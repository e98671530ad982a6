"""The `[auth]` table of a profile: how a token is obtained when no static one is given.

Three kinds, each with its own fixed keys. Only names of environment variables are ever in the
profile, never a secret; the token itself is minted once, before the run (regconform.target.token).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from regconform.errors import ConfigError
from regconform.settings.fields import env_name, reject_unknown, string

SECTION = "auth"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
# client_secret_post is Auth0's default for machine-to-machine applications; RFC 6749 servers
# all take client_secret_basic too.
CLIENT_AUTH = {"post": "client_secret_post", "basic": "client_secret_basic"}

_COMMON = {"kind"}
_OAUTH = {"token_url", "client_id_env", "client_secret_env", "scope", "client_auth"}
KEYS = {
    "client_credentials": _COMMON | _OAUTH | {"audience"},
    "refresh_token": _COMMON | _OAUTH | {"refresh_token_env"},
    "command": _COMMON | {"command"},
}


@dataclass(frozen=True)
class AuthSpec:
    """How to mint the run's bearer token (see the README's `[auth]`)."""

    kind: str
    token_url: str | None = None
    client_id_env: str | None = None
    client_secret_env: str | None = None
    refresh_token_env: str | None = None
    audience: str | None = None
    scope: str | None = None
    client_auth: str = CLIENT_AUTH["post"]
    command: tuple[str, ...] = ()

    def describe(self) -> str:
        """Where the token comes from, for messages: never a secret."""
        if self.kind == "command":
            return f"the token printed by [auth] command {self.command[0]!r}"
        return f"the token minted by [auth] {self.kind} at {self.token_url}"


def parse_auth(raw: Any) -> AuthSpec:
    """Validate the `[auth]` table; every problem is a one-line ConfigError."""
    if not isinstance(raw, dict):
        raise ConfigError("profile auth must be a table")
    kind = raw.get("kind")
    if kind not in KEYS:
        raise ConfigError(f"profile [auth] kind must be one of {', '.join(KEYS)}, not {kind!r}")
    reject_unknown(SECTION, raw, KEYS[kind])
    if kind == "command":
        command = raw.get("command")
        if (
            not isinstance(command, list)
            or not command
            or not all(isinstance(part, str) and part for part in command)
        ):
            raise ConfigError("profile [auth] command must be a non-empty list of strings")
        return AuthSpec(kind, command=tuple(command))
    client_auth = raw.get("client_auth", "post")
    if client_auth not in CLIENT_AUTH:
        raise ConfigError(f"profile [auth] client_auth must be post or basic, not {client_auth!r}")
    return AuthSpec(
        kind,
        token_url=_token_url(str(string(SECTION, "token_url", raw))),
        client_id_env=env_name(SECTION, "client_id_env", raw),
        client_secret_env=env_name(
            SECTION, "client_secret_env", raw, required=kind == "client_credentials"
        ),
        refresh_token_env=env_name(
            SECTION, "refresh_token_env", raw, required=kind == "refresh_token"
        ),
        audience=string(SECTION, "audience", raw, required=False),
        scope=string(SECTION, "scope", raw, required=False),
        client_auth=CLIENT_AUTH[client_auth],
    )


def _token_url(url: str) -> str:
    """An https URL (plain http on loopback only: a client secret never crosses a network
    in clear), with no user name, query or fragment."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"profile [auth] token_url {url!r} is not an http(s) URL")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise ConfigError("profile [auth] token_url must be https:// (http only on loopback)")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigError("profile [auth] token_url must have no user name, query or fragment")
    return url
