"""The HTTP session every request to the target goes through: the profile's TLS files, and the
standard proxy variables (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), loopback never proxied.

`trust_env` stays off: with it, requests would also read ~/.netrc (and put its password into
requests sent without a token) and REQUESTS_CA_BUNDLE (overriding the profile's ca_bundle). The
proxies are taken from the environment explicitly instead.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import requests

from regconform.settings.profile import TlsFiles


def is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1: a proxy could never reach these on our behalf."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def proxies_for(url: str) -> dict[str, str]:
    """The proxies the environment names for `url` (NO_PROXY honoured); none for loopback,
    so the embedded reference server is reached directly whatever proxy a user exported."""
    if is_loopback(urlsplit(url).hostname or ""):
        return {}
    return dict(requests.utils.get_environ_proxies(url))


def http_session(url: str, tls: TlsFiles | None = None) -> requests.Session:
    """A session for requests to `url`'s host, with its TLS files and proxies."""
    session = requests.Session()
    session.trust_env = False
    session.proxies = proxies_for(url)
    tls = tls or TlsFiles()
    if tls.ca_bundle:
        session.verify = str(tls.ca_bundle)
    if tls.client_cert:
        cert = str(tls.client_cert)
        session.cert = (cert, str(tls.client_key)) if tls.client_key else cert
    return session


def tls_failure(url: str, exc: BaseException) -> str | None:
    """What went wrong in words, when `exc` is a TLS failure; None when it is not."""
    text = str(exc)
    if not isinstance(exc, requests.exceptions.SSLError) and "SSL" not in text:
        return None
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    if "CERTIFICATE_VERIFY_FAILED" in text:
        reason = text.split("certificate verify failed: ", 1)[-1].split(" (_ssl")[0]
        return (
            f"TLS certificate of {origin} not trusted: {reason.strip(')')}; "
            "set ca_bundle in the profile"
        )
    for marker in ("CERTIFICATE_REQUIRED", "alert certificate required", "HANDSHAKE_FAILURE"):
        if marker in text:
            return (
                f"TLS handshake with {origin} refused ({marker.lower()}): the server may want a "
                "client certificate; set client_cert (and client_key) in the profile"
            )
    # Under TLS 1.3 a server refusing a missing client certificate may only hang up.
    return (
        f"TLS connection to {origin} failed: {_first_reason(text)}; if the server wants a client "
        "certificate, set client_cert (and client_key) in the profile"
    )


def _first_reason(text: str) -> str:
    inner = text.rsplit("SSLError(", 1)[-1]
    return inner.split("'")[1] if inner.count("'") >= 2 else inner[:160]
