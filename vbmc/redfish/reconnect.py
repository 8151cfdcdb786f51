"""Keep the Redfish emulator working across a restart of the lab's libvirtd.

sushy-tools' libvirt driver memoizes the domain objects it looks up, and each holds the libvirt
connection it was found on. When libvirtd is killed and started again those connections are dead
and every request for the domain fails with "client socket is closed" until the process
restarts. ``Reconnect`` wraps the WSGI app (``vbmc.redfish.__main__`` installs it): before each
request it drops the memoized entries whose connection is no longer alive, so the driver looks
the domain up again on a new connection. The check is local (``virConnect.isAlive``), no call to
libvirtd.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import libvirt

log = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _alive(value: object) -> bool:
    if not isinstance(value, libvirt.virDomain):
        return True
    try:
        return bool(value.connect().isAlive())
    except libvirt.libvirtError:
        return False


def drop_dead(cache: dict[Any, dict[Any, Any]]) -> int:
    """Remove memoized values bound to a dead libvirt connection; how many were removed."""
    dropped = 0
    for entries in list(cache.values()):
        for key, value in list(entries.items()):
            if not _alive(value):
                entries.pop(key, None)
                dropped += 1
    return dropped


class Reconnect:
    def __init__(self, app: WsgiApp, driver: Callable[[], object]) -> None:
        self._app = app
        self._driver = driver  # sushy-tools builds its systems driver lazily, on first use

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        cache = getattr(self._driver(), "_cache", None)
        if isinstance(cache, dict):
            dropped = drop_dead(cache)
            if dropped:
                log.warning("libvirt connection lost (libvirtd restarted?); reconnecting")
        return self._app(environ, start_response)
