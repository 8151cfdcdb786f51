"""The server side of an RMCP+ session, fixed where pyghmi's own misleads clients.

pyghmi's ``ServerSession`` always answers an Open Session request with cipher suite 3's
algorithms and "success", whatever the client proposed. ipmitool asks for the suite list first and
proposes 3, but a pyghmi *client* proposes suite 17 (SHA-256) and then crashes on the SHA-1 reply.
This session refuses any proposal other than suite 3 with RMCP+ status 0x11 ("no cipher suite
match"), which makes the pyghmi client retry with suite 3. It also answers an unknown user name
with RAKP status 0x0D instead of silence, and drops every packet while the ``unresponsive``
fault is set. Created by ``vbmc.ipmi.bmc.VirtualBmc.sessionless_data``.
"""

from __future__ import annotations

from typing import Any

import pyghmi.ipmi.private.constants as ipmi_constants
from pyghmi.ipmi.private import serversession

# RMCP+ status codes (IPMI 2.0, table 13-15).
_UNAUTHORIZED_NAME = 0x0D
_NO_CIPHER_SUITE_MATCH = 0x11
# Suite 3: RAKP-HMAC-SHA1 auth, HMAC-SHA1-96 integrity, AES-CBC-128 confidentiality.
_SUITE_3 = (1, 1, 1)
_OPEN_REQUEST_LEN = 32


def proposed_algorithms(request: bytes | bytearray) -> tuple[int, int, int] | None:
    """(auth, integrity, confidentiality) proposed in an Open Session request, if complete."""
    if len(request) < _OPEN_REQUEST_LEN:
        return None
    return (request[12] & 0x3F, request[20] & 0x3F, request[28] & 0x3F)


class Session(serversession.ServerSession):  # type: ignore[misc]
    bmc: Any
    # (request key, completion code, data) of the last request, for retransmissions.
    last_reply: tuple[tuple[int, int, int, bytes], int, list[int]] | None = None

    def create_open_session_response(self, request: bytearray) -> bytearray:
        proposal = proposed_algorithms(request)
        if proposal is not None and proposal != _SUITE_3:
            self.clientsessionid = request[4:8]
            return bytearray([request[0], _NO_CIPHER_SUITE_MATCH, 0, 0]) + request[4:8]
        response: bytearray = super().create_open_session_response(request)
        return response

    def _got_rakp1(self, data: Any) -> None:
        name = bytes(data[28 : 28 + data[27]]).decode("utf-8", "replace") if len(data) > 27 else ""
        if self.authdata.get(name) is None:
            self.send_payload(
                bytearray([data[0], _UNAUTHORIZED_NAME, 0, 0]) + self.clientsessionid,
                ipmi_constants.payload_types["rakp2"],
                retry=False,
            )
            return
        super()._got_rakp1(data)

    def _handle_ipmi_packet(self, data: Any, sockaddr: Any = None, qent: Any = None) -> Any:
        if self.bmc.unresponsive():
            return None
        return super()._handle_ipmi_packet(data, sockaddr=sockaddr, qent=qent)
