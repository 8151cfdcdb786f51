"""The HTTPS server of one Redfish emulator process: threaded, with every wait on a client bounded.

``vbmc.redfish.__main__`` serves the wrapped sushy-tools app with ``make``. Werkzeug's own TLS
server wraps the listening socket, so the TLS handshake runs inside ``accept()`` in the one
accept loop: a single client that connects and sends nothing stops every Redfish BMC of the lab.
Here the listening socket stays plain; each accepted connection gets its own thread, which does
the handshake under ``HANDSHAKE_SECONDS``, reads with ``READ_SECONDS`` per receive, and must send
its whole request head within ``HEAD_SECONDS`` (a slow-loris client that trickles one byte at a
time is cut off then). At most ``MAX_CONNECTIONS`` connections are served at once; a connection
beyond that is closed at once rather than queued behind the others.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
from typing import Any

from werkzeug import serving

log = logging.getLogger(__name__)

HANDSHAKE_SECONDS = 10.0
READ_SECONDS = 30.0
HEAD_SECONDS = 20.0
MAX_CONNECTIONS = 128


class _Handler(serving.WSGIRequestHandler):
    """Werkzeug's handler with a per-receive timeout and a deadline for the request head."""

    timeout = READ_SECONDS

    def handle_one_request(self) -> None:
        # Cut the connection if the request line and headers have not all arrived in time;
        # parse_request cancels the timer once it has read them.
        self._head_timer = threading.Timer(HEAD_SECONDS, self._cut)
        self._head_timer.daemon = True
        self._head_timer.start()
        try:
            super().handle_one_request()
        finally:
            self._head_timer.cancel()

    def parse_request(self) -> bool:
        parsed = super().parse_request()  # reads the headers
        self._head_timer.cancel()
        return parsed

    def _cut(self) -> None:
        log.info(
            "closed a connection from %s: no request head after %gs",
            self.client_address[0],
            HEAD_SECONDS,
        )
        with contextlib.suppress(OSError):  # already closed by the client
            self.connection.shutdown(socket.SHUT_RDWR)


class Server(serving.ThreadedWSGIServer):
    """A threaded WSGI server doing the TLS handshake per connection, off the accept loop."""

    def __init__(self, port: int, app: Any, context: ssl.SSLContext) -> None:
        super().__init__("127.0.0.1", port, app, handler=_Handler)
        # Werkzeug reads ssl_context to set wsgi.url_scheme; the socket itself stays plain.
        self.ssl_context = context
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            log.warning(
                "refused %s: %d connections already open", client_address[0], MAX_CONNECTIONS
            )
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def finish_request(self, request: Any, client_address: Any) -> None:
        assert self.ssl_context is not None
        request.settimeout(HANDSHAKE_SECONDS)
        try:
            secured = self.ssl_context.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError) as err:
            log.info("TLS handshake with %s failed: %s", client_address[0], err)
            return
        try:
            super().finish_request(secured, client_address)
        finally:
            secured.close()
