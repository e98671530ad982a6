"""Before any test: is the target there at all? One line, exit 4, if not."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import requests

from regconform.errors import ConfigError
from regconform.settings.profile import TlsFiles
from regconform.target.deadline import AnswerOverdue, answer_deadline
from regconform.target.http import http_session, proxies_for, tls_failure

CONNECT_TIMEOUT = 5.0


def check_reachable(
    base_url: str, timeout: float = CONNECT_TIMEOUT, tls: TlsFiles | None = None
) -> None:
    """Connect to the target and wait up to `timeout` for any HTTP answer to a HEAD of the
    base URL (the run's --timeout: a target that hangs here would hang every test). Through a
    proxy, only the HEAD is sent: the target itself may be out of direct reach."""
    if not proxies_for(base_url):
        _connect(base_url, timeout)
    connect = min(CONNECT_TIMEOUT, timeout)
    try:
        with http_session(base_url, tls) as session, answer_deadline(timeout):
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
        tls_problem = tls_failure(base_url, exc)
        if tls_problem:
            raise ConfigError(tls_problem) from None
        if isinstance(exc, requests.exceptions.ProxyError):
            proxy = next(iter(proxies_for(base_url).values()), "")
            shown = proxy.rpartition("@")[2]  # a proxy URL may carry its own password
            raise ConfigError(f"{base_url} is not reachable through the proxy {shown}") from None
        raise ConfigError(f"{base_url} did not answer HTTP: {_reason(exc)}") from None


def _connect(base_url: str, timeout: float) -> None:
    """A TCP connection to the target, or a one-line ConfigError saying why there is none."""
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


def _reason(exc: requests.RequestException) -> str:
    text = str(exc)
    for marker in ("Connection reset", "Remote end closed connection", "BadStatusLine"):
        if marker in text:
            return marker.lower()
    return type(exc).__name__
