"""Bounds and checks on what a Redfish client sends, before sushy-tools sees it.

``vbmc.redfish.front`` calls ``read_body`` for every request that carries a body: it is read once,
at most ``MAX_BODY_BYTES``, must be JSON nested at most ``MAX_JSON_DEPTH`` deep, and is put back
into the WSGI environ for sushy-tools. ``check_reset`` refuses a ``ComputerSystem.Reset`` whose
``ResetType`` is not one the system advertises. Each refusal is a ``Refusal`` with the HTTP
status and the Redfish message id a real BMC would answer with.
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Mapping
from typing import Any

MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32
# What sushy-tools' libvirt driver advertises as ResetType@Redfish.AllowableValues.
RESET_TYPES = frozenset(
    {
        "On",
        "ForceOn",
        "ForceOff",
        "GracefulShutdown",
        "GracefulRestart",
        "ForceRestart",
        "Nmi",
        "PushPowerButton",
    }
)


@dataclasses.dataclass(frozen=True)
class Refusal:
    status: str
    code: str  # a message id of the Redfish Base registry
    message: str


def _depth(text: str) -> int:
    """How deeply arrays and objects nest in ``text`` (brackets inside strings do not count)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _read(stream: Any, limit: int) -> bytes:
    """Up to ``limit`` bytes of ``stream``, reading until it ends (one read may return fewer)."""
    parts: list[bytes] = []
    total = 0
    while total < limit:
        part = stream.read(limit - total)
        if not part:
            break
        parts.append(part)
        total += len(part)
    return b"".join(parts)


def read_body(environ: dict[str, Any]) -> Any | Refusal:
    """The request's JSON body (None when empty), re-inserted into ``environ``; or a refusal."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return Refusal("400 Bad Request", "Base.1.0.MalformedJSON", "invalid Content-Length")
    if length > MAX_BODY_BYTES:
        return Refusal(
            "413 Content Too Large",
            "Base.1.0.GeneralError",
            f"request body of {length} bytes exceeds {MAX_BODY_BYTES} bytes",
        )
    if length <= 0 and environ.get("HTTP_TRANSFER_ENCODING", "").lower() != "chunked":
        return None
    raw = _read(environ["wsgi.input"], length if length > 0 else MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        return Refusal(
            "413 Content Too Large",
            "Base.1.0.GeneralError",
            f"request body exceeds {MAX_BODY_BYTES} bytes",
        )
    environ["wsgi.input"] = io.BytesIO(raw)
    environ["CONTENT_LENGTH"] = str(len(raw))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    environ["wsgi.input_terminated"] = True
    if not raw.strip():
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Refusal("400 Bad Request", "Base.1.0.MalformedJSON", "request body is not UTF-8")
    if _depth(text) > MAX_JSON_DEPTH:
        return Refusal(
            "400 Bad Request",
            "Base.1.0.MalformedJSON",
            f"request body nests deeper than {MAX_JSON_DEPTH} levels",
        )
    try:
        return json.loads(text)
    except ValueError as err:
        return Refusal(
            "400 Bad Request", "Base.1.0.MalformedJSON", f"request body is not JSON: {err}"
        )


def check_reset(body: Any) -> Refusal | None:
    """None when ``body`` is a valid ComputerSystem.Reset request, else why not."""
    reset_type = body.get("ResetType") if isinstance(body, Mapping) else None
    if reset_type in RESET_TYPES:
        return None
    allowed = ", ".join(sorted(RESET_TYPES))
    return Refusal(
        "400 Bad Request",
        "Base.1.0.ActionParameterValueNotInList",
        f"ResetType {reset_type!r} is not one of {allowed}",
    )
