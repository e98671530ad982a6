"""A TLS front for a plain loopback server: it terminates TLS with a certificate of a throwaway
CA (trustme), optionally requires a client certificate of that CA, and relays the bytes."""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import threading
from pathlib import Path

import trustme


class TlsRelay:
    """`with TlsRelay(upstream_port, folder) as relay:` then target `relay.url`."""

    def __init__(self, upstream_port: int, folder: Path, *, client_cert: bool = False) -> None:
        self.ca = trustme.CA()
        self.upstream_port = upstream_port
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("127.0.0.1").configure_cert(self.context)
        if client_cert:
            self.context.verify_mode = ssl.CERT_REQUIRED
            self.ca.configure_trust(self.context)
        self.ca_bundle = folder / "ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_bundle))
        client = self.ca.issue_cert("regconform-client@example.test")
        self.client_cert, self.client_key = folder / "client.pem", folder / "client.key"
        client.cert_chain_pems[0].write_to_path(str(self.client_cert))
        client.private_key_pem.write_to_path(str(self.client_key))
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self._listener.getsockname()[1]}"

    def __enter__(self) -> TlsRelay:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._listener.close()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._relay, args=(conn,), daemon=True).start()

    def _relay(self, conn: socket.socket) -> None:
        conn.settimeout(30)
        try:
            secure = self.context.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):
            conn.close()
            return
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30)
        _pump(secure, upstream)


def _pump(secure: ssl.SSLSocket, upstream: socket.socket) -> None:
    """Copy both ways until either side is done, then close both: in this one thread, so the
    TLS socket is never read and written from two threads at once (OpenSSL's connection is not
    thread-safe: two pump threads, under load, once garbled an answer into an IncompleteRead)."""
    with contextlib.suppress(OSError):
        done = False
        while not done:
            # Bytes OpenSSL has decrypted already are not seen by select: read them first.
            ready = (
                [secure] if secure.pending() else select.select([secure, upstream], [], [], 30)[0]
            )
            if not ready:
                break  # 30 s without a byte either way: the test is long over
            for source, sink in ((secure, upstream), (upstream, secure)):
                if source in ready:
                    data = source.recv(65536)
                    if not data:
                        done = True
                        break
                    sink.sendall(data)
    for side in (secure, upstream):
        with contextlib.suppress(OSError):
            side.close()
