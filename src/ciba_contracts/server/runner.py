"""Run the reference server in-process, on a real socket, for tests and contract suites."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn
from starlette.applications import Starlette

from ciba_contracts.server.app import create_app
from ciba_contracts.server.config import ServerConfig

__all__ = ["base_url", "bind_socket", "running_server", "url_for"]


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening TCP socket on ``host``; port 0 lets the OS pick a free port.

    Binding before uvicorn starts is what makes port 0 usable: the caller knows
    the real port without racing anyone for it.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must say TCP explicitly: asyncio only turns Nagle off (TCP_NODELAY) on
    # accepted sockets whose proto is IPPROTO_TCP, and with Nagle on every
    # keep-alive answer waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def url_for(host: str, port: int) -> str:
    """``http://host:port`` (IPv6 hosts in brackets)."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def base_url(sock: socket.socket) -> str:
    """``http://host:port`` of a bound socket (IPv6 hosts in brackets)."""
    host, port = sock.getsockname()[:2]
    return url_for(host, port)


@contextlib.contextmanager
def running_server(
    config: ServerConfig | None = None,
    *,
    app: Starlette | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    startup_timeout: float = 10.0,
    log_level: str = "warning",
) -> Iterator[str]:
    """Serve the reference server from a background thread; yield its base URL.

    ``app`` overrides the app built from ``config`` (useful to reach
    ``app.state.tickets``). The server stops, and its socket closes, when the
    block exits, even if it raised.
    """
    if app is None:
        app = create_app(config)
    sock = bind_socket(host, port)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            log_level=log_level,
            access_log=False,
            server_header=False,
            lifespan="on",
            # Without a grace period a test's last keep-alive connection could
            # hold shutdown up.
            timeout_graceful_shutdown=2,
        )
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="ciba-reference-server", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + startup_timeout
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("reference server failed to start")
            if time.monotonic() > deadline:
                raise TimeoutError(f"reference server did not start within {startup_timeout} s")
            time.sleep(0.005)
        yield base_url(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=startup_timeout)
        sock.close()
