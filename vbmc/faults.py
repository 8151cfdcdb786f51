"""Fault injection for the virtual BMCs: a fault per host, stored as a file the BMC re-reads.

Scenarios and ``metallab bmc fault`` call ``set_fault`` (``None`` clears); the IPMI BMC and the
Redfish front read the host's fault through a ``FaultReader`` on every request, so a fault takes
effect on the next request without restarting anything and works across processes.

Kinds: ``unresponsive`` (no answer at all), ``slow=SECONDS`` (answer late), ``error`` (IPMI
completion code 0xFF / HTTP 500), ``ignore-power`` (power commands succeed but do nothing).
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import os
from pathlib import Path

from hostkit import files
from vbmc import errors, layout


class FaultKind(enum.StrEnum):
    UNRESPONSIVE = "unresponsive"
    SLOW = "slow"
    ERROR = "error"
    IGNORE_POWER = "ignore-power"


@dataclasses.dataclass(frozen=True)
class Fault:
    kind: FaultKind
    seconds: float = 0.0

    def __str__(self) -> str:
        return f"slow={self.seconds:g}" if self.kind is FaultKind.SLOW else self.kind.value


_USAGE = "use unresponsive, slow=SECONDS (0 < SECONDS <= 600), error, ignore-power or clear"


def parse(text: str) -> Fault | None:
    """``"slow=2.5"`` → ``Fault(SLOW, 2.5)``; ``"clear"`` → None."""
    name, sep, value = text.strip().partition("=")
    if name == "clear" and not sep:
        return None
    try:
        kind = FaultKind(name)
    except ValueError as err:
        raise errors.VbmcError(f"unknown BMC fault {text!r}", fix=_USAGE) from err
    if kind is not FaultKind.SLOW:
        if sep:
            raise errors.VbmcError(f"fault {name} takes no value", fix=_USAGE)
        return Fault(kind)
    try:
        seconds = float(value)
    except ValueError as err:
        raise errors.VbmcError(f"bad delay in {text!r}", fix=_USAGE) from err
    if not (math.isfinite(seconds) and 0 < seconds <= 600):
        raise errors.VbmcError(f"delay out of range in {text!r}", fix=_USAGE)
    return Fault(kind, seconds)


def set_fault(state_dir: Path, host: str, fault: Fault | None) -> None:
    """Make ``host``'s BMC misbehave as ``fault`` from its next request on; None clears."""
    path = layout.fault(state_dir, host)
    if fault is None:
        path.unlink(missing_ok=True)
        return
    files.write_private(path, json.dumps({"kind": fault.kind.value, "seconds": fault.seconds}))


def get_fault(state_dir: Path, host: str) -> Fault | None:
    return _load(layout.fault(state_dir, host))


def _load(path: Path) -> Fault | None:
    try:
        data = json.loads(path.read_text())
        return Fault(FaultKind(data["kind"]), float(data["seconds"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        # A file being replaced or hand-edited into garbage: behave, don't crash the BMC.
        return None


class FaultReader:
    """Reads one host's fault file, re-parsing only when it changed (BMCs ask per request)."""

    def __init__(self, state_dir: Path, host: str) -> None:
        self._path = layout.fault(state_dir, host)
        self._stamp: tuple[int, int] | None = None
        self._fault: Fault | None = None

    def current(self) -> Fault | None:
        try:
            st = os.stat(self._path)
        except FileNotFoundError:
            self._stamp, self._fault = None, None
            return None
        stamp = (st.st_mtime_ns, st.st_ino)
        if stamp != self._stamp:
            self._stamp, self._fault = stamp, _load(self._path)
        return self._fault
