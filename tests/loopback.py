"""A standard-library HTTP server on a free loopback port, for tests that need a real socket."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextlib.contextmanager
def serve_handler(
    handler: type[BaseHTTPRequestHandler],
    server_class: type[ThreadingHTTPServer] = ThreadingHTTPServer,
) -> Iterator[str]:
    """Serve ``handler`` on 127.0.0.1 in a daemon thread; yields the base URL."""
    httpd = server_class(("127.0.0.1", 0), handler)
    # A short poll: shutdown() waits up to one poll interval, at every server's end.
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        host, port = httpd.server_address[:2]
        yield f"http://{host!s}:{port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
