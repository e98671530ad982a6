"""Starting and stopping the reference server: in a background thread, or until a signal."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

import uvicorn

from regconform.errors import ConfigError
from regconform.reference.app import ServerSettings, build_app

_STARTUP_TIMEOUT = 10.0
_SHUTDOWN_TIMEOUT = 10.0


def _url_host(host: str) -> str:
    # A wildcard address is not somewhere a client can connect to; loopback is.
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _wait_until_started(
    server: uvicorn.Server, thread: threading.Thread, settings: ServerSettings
) -> int:
    """The bound port, once the server accepts connections."""
    deadline = time.monotonic() + _STARTUP_TIMEOUT
    while not server.started:
        if not thread.is_alive():
            # uvicorn logs the reason (e.g. address in use) and exits its thread.
            raise ConfigError(
                f"the reference server cannot listen on {settings.host}:{settings.port}"
            )
        if time.monotonic() > deadline:
            raise ConfigError("the reference server did not start within 10 s")
        time.sleep(0.01)
    port: int = server.servers[0].sockets[0].getsockname()[1]
    with socket.create_connection((_url_host(settings.host).strip("[]"), port), timeout=2):
        pass
    return port


@contextmanager
def running_server(settings: ServerSettings | None = None) -> Iterator[str]:
    """Run the reference server in a background thread; yield its base URL; stop it on exit."""
    settings = settings or ServerSettings()
    app, store = build_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        access_log=False,
        log_level="warning",
        log_config=None,  # leave the host program's logging configuration alone
        lifespan="off",
        # h11, never httptools even where it is installed: one HTTP/1.1 implementation on
        # every machine, and the one whose connection the 1xx variants write through.
        http="h11",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="regconform-reference", daemon=True)
    thread.start()
    try:
        port = _wait_until_started(server, thread, settings)
        yield f"http://{_url_host(settings.host)}:{port}"
    finally:
        server.should_exit = True
        thread.join(_SHUTDOWN_TIMEOUT)
        store.close()


def serve_forever(
    settings: ServerSettings, announce: Callable[[str], None], with_parent: bool = False
) -> None:
    """Run the server until SIGINT or SIGTERM; `announce` gets the base URL once it listens.
    `with_parent`: also stop when the process that started it is gone (killed, say), so an
    embedded server never outlives its run."""
    parent = os.getppid()
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # Installed before the server starts, so a signal during startup still stops cleanly.
    handled = (signal.SIGINT, signal.SIGTERM)
    previous = {signum: signal.signal(signum, request_stop) for signum in handled}
    try:
        with running_server(settings) as base_url:
            announce(base_url)
            while not stop.wait(0.5):
                if with_parent and os.getppid() != parent:  # orphaned: adopted by another
                    break
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
