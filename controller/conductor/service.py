"""The conductor's two HTTP servers, each on its own threads: the agent API over HTTPS
(``POST /v1/lookup``, ``/v1/heartbeat``, ``/v1/orders/<id>/result``, bearer token) and the
plain-HTTP boot endpoints (``GET /v1/boot/<mac>.ipxe``, ``/v1/boot/<mac>/boot-config.cpio``,
``/v1/boot/iso/<boot>.iso``). Every request is answered: a malformed body is a 400 naming
the problem, a refused call its status, an unexpected error a 500 — a handler exception never
reaches the controller. ``Conductor`` is what the operator starts and the provisioner uses.
"""

from __future__ import annotations

import http.server
import json
import logging
import pathlib
import re
import shutil
import ssl
import tempfile
import threading
import urllib.parse
from typing import Any

from controller.conductor import bootfiles, config, sessions, wire

log = logging.getLogger(__name__)
_ORDER_RESULT = re.compile(r"^/v1/orders/([0-9a-f]{1,64})/result$")
_IPXE = re.compile(r"^/v1/boot/([0-9a-fA-F:]{17})\.ipxe$")
_CPIO = re.compile(r"^/v1/boot/([0-9a-fA-F:]{17})/boot-config\.cpio$")
_ISO = re.compile(r"^/v1/boot/iso/([0-9a-f]{16})\.iso$")


class Conductor:
    """The running conductor: sessions, boot files and both servers."""

    def __init__(self, settings: config.Config, work: pathlib.Path | None = None) -> None:
        self.config = settings
        self.sessions = sessions.Sessions()
        self.ca_pem = settings.ca_file.read_text()
        self.work = work or pathlib.Path(tempfile.mkdtemp(prefix="metallab-conductor-"))
        self.isos = bootfiles.IsoMaker(settings.iso_url, self.work)
        self._servers: list[http.server.ThreadingHTTPServer] = []

    def config_for(self, token: str) -> bytes:
        return bootfiles.boot_config(
            conductor_url=self.config.agent_url, token=token, ca_pem=self.ca_pem
        )

    def iso_url(self, boot: str) -> str:
        return f"{self.config.boot_url.rstrip('/')}/v1/boot/iso/{boot}.iso"

    def end(self, uid: str) -> None:
        view = self.sessions.view(uid)
        self.sessions.end(uid)
        if view is not None:
            self.isos.forget(view.boot)

    def start(self) -> None:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.minimum_version = ssl.TLSVersion.TLSv1_2
        tls.load_cert_chain(self.config.cert_file, self.config.key_file)
        address = self.config.listen_address
        agent = _Server((address, self.config.agent_port), _AgentHandler, self)
        agent.socket = tls.wrap_socket(
            agent.socket, server_side=True, do_handshake_on_connect=False
        )
        boot = _Server((address, self.config.boot_port), _BootHandler, self)
        for server in (agent, boot):
            threading.Thread(target=server.serve_forever, daemon=True, name="conductor").start()
            self._servers.append(server)

    @property
    def ports(self) -> tuple[int, int]:
        return self._servers[0].server_address[1], self._servers[1].server_address[1]

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers.clear()
        shutil.rmtree(self.work, ignore_errors=True)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type, conductor: Conductor) -> None:
        super().__init__(address, handler)
        self.conductor = conductor


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    timeout = 30  # a client that stalls mid-request loses its thread after this

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("conductor: %s %s", self.address_string(), format % args)

    def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, value: Any) -> None:
        self._send(status, json.dumps(value).encode())


class _AgentHandler(_Handler):
    def do_POST(self) -> None:
        sessions_ = self.server.conductor.sessions
        try:
            length = int(self.headers.get("Content-Length") or 0)
            if not 0 <= length <= wire.MAX_BODY:
                raise wire.Malformed(f"Content-Length must be 0..{wire.MAX_BODY}")
            raw = wire.body(self.rfile.read(length))
            auth = self.headers.get("Authorization", "")
            if not auth.startswith("Bearer ") or len(auth) > 512:
                raise sessions.Refused(401, "missing Authorization: Bearer <token>")
            token = auth[len("Bearer ") :]
            if self.path == "/v1/lookup":
                uid, namespace, name = sessions_.lookup(token, wire.lookup(raw))
                log.info("conductor: agent of %s/%s looked up", namespace, name)
                self._json(
                    200,
                    {
                        "host": {"uid": uid, "namespace": namespace, "name": name},
                        "heartbeat_s": self.server.conductor.config.heartbeat_s,
                    },
                )
            elif self.path == "/v1/heartbeat":
                order = sessions_.heartbeat(token, wire.heartbeat(raw))
                self._json(
                    200,
                    {"order": None if order is None else
                     {"id": order.id, "kind": order.kind, "args": order.args}},
                )  # fmt: skip
            elif match := _ORDER_RESULT.match(self.path):
                sessions_.report(token, match.group(1), wire.outcome(raw))
                self._json(200, {})
            else:
                self._json(404, {"error": f"no such endpoint {self.path}"})
        except wire.Malformed as err:
            log.warning("conductor: malformed request from %s: %s", self.address_string(), err)
            self._json(400, {"error": str(err)})
        except sessions.Refused as err:
            log.warning("conductor: refused %s from %s: %s", self.path, self.address_string(), err)
            self._json(err.status, {"error": str(err)})
        except Exception as err:  # an agent's request must never take the controller down
            log.exception("conductor: %s failed", self.path)
            self._json(500, {"error": f"internal error: {type(err).__name__}"})


class _BootHandler(_Handler):
    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        conductor = self.server.conductor
        settings = conductor.config
        path = urllib.parse.unquote(self.path)  # iPXE sends ${net0/mac} as 52%3A54%3A…
        try:
            if match := _IPXE.match(path):
                mac = match.group(1).lower()
                found = conductor.sessions.boot_config(mac=mac)
                script = bootfiles.IPXE_NOTHING if found is None else bootfiles.ipxe_script(
                    kernel_url=settings.kernel_url,
                    initrd_url=settings.initrd_url,
                    config_url=f"{settings.boot_url.rstrip('/')}/v1/boot/{mac}/boot-config.cpio",
                    args=settings.kernel_args,
                )  # fmt: skip
                self._send(200, script.encode(), "text/plain")
            elif match := _CPIO.match(path):
                found = conductor.sessions.boot_config(mac=match.group(1))
                if found is None:
                    self._json(404, {"error": "no agent boot pending for this MAC"})
                else:
                    self._send(200, conductor.config_for(found[0]), "application/octet-stream")
            elif match := _ISO.match(path):
                found = conductor.sessions.boot_config(boot=match.group(1))
                if found is None:
                    self._json(404, {"error": "no agent boot pending for this ISO"})
                    return
                iso = conductor.isos.make(match.group(1), conductor.config_for(found[0]))
                self._file(iso)
            else:
                self._json(404, {"error": f"no such file {self.path}"})
        except Exception as err:
            log.exception("conductor: %s failed", self.path)
            self._json(500, {"error": f"internal error: {type(err).__name__}: {err}"})

    def _file(self, path: pathlib.Path) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(path.stat().st_size))
        self.end_headers()
        if self.command != "HEAD":
            with path.open("rb") as f:
                shutil.copyfileobj(f, self.wfile, 2**20)
