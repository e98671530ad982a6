"""A loopback OAuth2 token endpoint, as Auth0 answers machine-to-machine clients: the client
credentials grant (client id and secret in the form, `audience` as an extra parameter) and the
refresh token grant. It records every form it is sent."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

CLIENT_ID = "regconform-ci"
CLIENT_SECRET = "client-secret-9Kq2-DISTINCTIVE"
REFRESH_TOKEN = "refresh-token-4Wm7-DISTINCTIVE"
MINTED = "minted-access-token-8Zx3-DISTINCTIVE"
AUDIENCE = "https://course-api.example"


class TokenServer:
    """`with TokenServer() as server:` then point `[auth] token_url` at `server.token_url`."""

    def __init__(self) -> None:
        self.forms: list[dict[str, str]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = dict(parse_qsl(self.rfile.read(length).decode()))
                owner.forms.append(form)
                status, body = owner.answer(form)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/oauth/token"

    def answer(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        granted = {"access_token": MINTED, "token_type": "Bearer", "expires_in": 86400}
        if form.get("grant_type") == "client_credentials":
            if (form.get("client_id"), form.get("client_secret")) == (CLIENT_ID, CLIENT_SECRET):
                return 200, granted
            return 401, {"error": "access_denied", "error_description": "Unauthorized"}
        if form.get("grant_type") == "refresh_token":
            if form.get("refresh_token") == REFRESH_TOKEN and form.get("client_id") == CLIENT_ID:
                return 200, granted
            return 400, {"error": "invalid_grant", "error_description": "Unknown refresh token"}
        return 400, {"error": "unsupported_grant_type"}

    def __enter__(self) -> TokenServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
