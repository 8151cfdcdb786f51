"""WSGI middleware in front of sushy-tools: per-host HTTP basic auth and per-host faults.

sushy-tools serves all the lab's Redfish hosts from one process, and its own basic auth reads
one htpasswd file with one password per user name; the lab gives every host its own password
under a shared user name, as real BMCs have. So this front does the authentication: a request
for a system or manager (by domain name or UUID in the path) must carry that host's
credentials; shared resources (collections, registries) accept any lab host's credentials; the
service root stays open, as Redfish requires. A system or manager of no host of this port is
404, and the Managers collection lists only this port's hosts. Request bodies are bounded and
checked (``vbmc.redfish.inbound``). It then applies that host's fault (``vbmc.faults``) before
sushy-tools sees the request. It runs inside the emulator process (``vbmc.redfish.__main__``
wraps the Flask app's ``wsgi_app``): no extra hop, no second server, and the server's threads
(``vbmc.redfish.server``) keep a hung host from blocking the others.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hmac
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from vbmc import faults
from vbmc.redfish import inbound

log = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_RESOURCE = re.compile(r"^/redfish/v1/(?:Systems|Managers)/([^/]+)(/.*)?$")
_OPEN_PATHS = frozenset({"", "redfish", "redfish/v1"})
_RESET = re.compile(r"/Actions/ComputerSystem\.Reset/?$")
_WITH_BODY = frozenset({"POST", "PATCH", "PUT"})
_MANAGERS = "/redfish/v1/Managers"
# An unresponsive host holds requests at most this long, so threads cannot pile up forever.
UNRESPONSIVE_HOLD_SECONDS = 600.0
_POLL_SECONDS = 0.2


@dataclasses.dataclass(frozen=True)
class Host:
    host: str
    username: str
    identities: frozenset[str]  # domain name and UUID, as they appear in Redfish paths
    password: str = dataclasses.field(repr=False)


def _error(
    start_response: Callable[..., Any],
    status: str,
    message: str,
    extra: Sequence[tuple[str, str]] = (),
    *,
    code: str = "Base.1.0.GeneralError",
) -> list[bytes]:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    start_response(status, [*headers, *extra])
    return [body]


def basic_credentials(environ: Mapping[str, Any]) -> tuple[str, str] | None:
    header = str(environ.get("HTTP_AUTHORIZATION", ""))
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def _matches(host: Host, credentials: tuple[str, str]) -> bool:
    user_ok = hmac.compare_digest(host.username.encode(), credentials[0].encode())
    password_ok = hmac.compare_digest(host.password.encode(), credentials[1].encode())
    return user_ok and password_ok


class Front:
    def __init__(self, app: WsgiApp, *, hosts: Iterable[Host], state_dir: Path) -> None:
        self._app = app
        self._hosts = tuple(hosts)
        self._by_identity = {ident: h for h in self._hosts for ident in h.identities}
        self._faults = {
            h.host: faults.FaultReader(state_dir, h.host) for h in self._by_identity.values()
        }

    def host_for(self, path: str) -> Host | None:
        match = _RESOURCE.match(path)
        return self._by_identity.get(match.group(1)) if match else None

    def _refuse(self, start_response: Callable[..., Any], refusal: inbound.Refusal) -> list[bytes]:
        return _error(start_response, refusal.status, refusal.message, code=refusal.code)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = str(environ.get("PATH_INFO", ""))
        if path.strip("/") in _OPEN_PATHS:
            return self._app(environ, start_response)
        host = self.host_for(path)
        credentials = basic_credentials(environ)
        allowed = self._hosts if host is None else (host,)
        if credentials is None or not any(_matches(h, credentials) for h in allowed):
            log.info("refused %s %s: bad credentials", environ.get("REQUEST_METHOD"), path)
            challenge = [("WWW-Authenticate", 'Basic realm="metallab"')]
            return _error(start_response, "401 Unauthorized", "Authentication failed", challenge)
        if host is None and _RESOURCE.match(path):
            # Another emulator's host, an IPMI-only host or no host at all: none of this
            # port's business (sushy-tools would serve any domain of the libvirtd as a Manager).
            refusal = inbound.Refusal(
                "404 Not Found", "Base.1.0.ResourceMissingAtURI", f"no resource at {path}"
            )
            return self._refuse(start_response, refusal)
        if environ.get("REQUEST_METHOD") in _WITH_BODY:
            body = inbound.read_body(environ)
            if isinstance(body, inbound.Refusal):
                return self._refuse(start_response, body)
            reset_refusal = inbound.check_reset(body) if _RESET.search(path) else None
            if reset_refusal is not None:
                return self._refuse(start_response, reset_refusal)
        if host is None and path.rstrip("/") == _MANAGERS:
            return self._managers(environ, start_response)
        if host is None:
            return self._app(environ, start_response)
        reader = self._faults[host.host]
        fault = reader.current()
        if fault is None:
            return self._app(environ, start_response)
        if fault.kind is faults.FaultKind.UNRESPONSIVE:
            return self._hold(reader, host, environ, start_response)
        if fault.kind is faults.FaultKind.SLOW:
            time.sleep(fault.seconds)
            return self._app(environ, start_response)
        if fault.kind is faults.FaultKind.ERROR:
            return _error(start_response, "500 Internal Server Error", "injected BMC fault")
        if environ.get("REQUEST_METHOD") == "POST" and _RESET.search(path):
            log.info("%s: fault ignore-power: ignoring %s", host.host, path)
            start_response("204 No Content", [])
            return []
        return self._app(environ, start_response)

    def _managers(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """The Managers collection, listing only this port's hosts: sushy-tools lists a Manager
        for every domain of the libvirtd, IPMI-only hosts included."""
        answer: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], *_exc: Any) -> None:
            answer.update(status=status, headers=headers)

        body = b"".join(self._app(environ, capture))
        try:
            document = json.loads(body)
            members = [
                member
                for member in document["Members"]
                if str(member["@odata.id"]).rstrip("/").rsplit("/", 1)[-1] in self._by_identity
            ]
        except (ValueError, KeyError, TypeError):
            start_response(answer["status"], answer["headers"])
            return [body]  # not a collection (an error): pass it on as it is
        document["Members"] = members
        document["Members@odata.count"] = len(members)
        filtered = json.dumps(document).encode()
        headers = [(k, v) for k, v in answer["headers"] if k.lower() != "content-length"]
        start_response(answer["status"], [*headers, ("Content-Length", str(len(filtered)))])
        return [filtered]

    def _hold(
        self,
        reader: faults.FaultReader,
        host: Host,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
    ) -> Any:
        """Answer nothing while the host is unresponsive (bounded), then serve normally."""
        deadline = time.monotonic() + UNRESPONSIVE_HOLD_SECONDS
        while time.monotonic() < deadline:
            current = reader.current()
            if current is None or current.kind is not faults.FaultKind.UNRESPONSIVE:
                return self(environ, start_response)
            time.sleep(_POLL_SECONDS)
        log.warning(
            "%s: held a request for %gs while unresponsive", host.host, UNRESPONSIVE_HOLD_SECONDS
        )
        return _error(start_response, "503 Service Unavailable", "BMC unresponsive")
