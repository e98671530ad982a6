"""Before any test: is the target there at all? One line, exit 4, if not."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import requests

from regconform.errors import ConfigError
from regconform.target.deadline import AnswerOverdue, answer_deadline

CONNECT_TIMEOUT = 5.0


def check_reachable(base_url: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """Connect to the target and wait up to `timeout` for any HTTP answer to a HEAD of the
    base URL (the run's --timeout: a target that hangs here would hang every test)."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    connect = min(CONNECT_TIMEOUT, timeout)
    # RFC 6761 reserves .invalid: it never resolves, so no resolver needs asking.
    if host == "invalid" or host.endswith(".invalid"):
        raise ConfigError(f"cannot reach {base_url}: host {host!r} does not resolve")
    try:
        with socket.create_connection((host, port), timeout=connect):
            pass
    except socket.gaierror:
        raise ConfigError(f"cannot reach {base_url}: host {host!r} does not resolve") from None
    except TimeoutError:
        raise ConfigError(
            f"cannot reach {base_url}: no TCP connection within {connect:g} s"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot reach {base_url}: {exc.strerror or exc}") from None
    try:
        with requests.Session() as session, answer_deadline(timeout):
            session.trust_env = False
            session.head(base_url, timeout=(connect, timeout), allow_redirects=False)
    except AnswerOverdue:
        raise ConfigError(
            f"{base_url} sent no complete answer within {timeout:g} s (headers still coming)"
        ) from None
    except requests.Timeout:
        raise ConfigError(
            f"{base_url} accepted a connection but sent no answer within {timeout:g} s"
        ) from None
    except requests.RequestException as exc:
        reason = _reason(exc)
        raise ConfigError(f"{base_url} did not answer HTTP: {reason}") from None


def _reason(exc: requests.RequestException) -> str:
    text = str(exc)
    for marker in ("Connection reset", "Remote end closed connection", "BadStatusLine"):
        if marker in text:
            return marker.lower()
    return type(exc).__name__
