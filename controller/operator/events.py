"""Kubernetes Events about hosts, posted off the reconcile path.

``body`` turns a state machine ``Note`` into a core/v1 Event for the host (message masked and
cut to 1 KiB); ``Poster`` queues them and posts with a few tasks of its own, so a slow Event
never delays a reconcile, and under a flood Events are shed before anything else.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from controller.api import host as api_host
from controller.api import types
from controller.hoststate import outcomes
from controller.operator import kube, logs

POSTERS = 2
BACKLOG = 10_000
COMPONENT = "metallab-controller"


def body(host: api_host.Host, note: outcomes.Note, *, stamp: str) -> dict[str, Any]:
    return {
        "metadata": {"generateName": f"{host.name}.", "namespace": host.namespace},
        "involvedObject": {
            "apiVersion": types.API_VERSION,
            "kind": "BareMetalHost",
            "name": host.name,
            "namespace": host.namespace,
            "uid": host.uid,
        },
        "reason": note.reason,
        "message": logs.scrub(note.message)[:1024],
        "type": "Warning" if note.warning else "Normal",
        "source": {"component": COMPONENT},
        "reportingComponent": COMPONENT,
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "count": 1,
    }


class Poster:
    def __init__(self, client: kube.Kube) -> None:
        self.client = client
        self._queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue(BACKLOG)

    def post(self, host: api_host.Host, note: outcomes.Note) -> None:
        with contextlib.suppress(asyncio.QueueFull):  # under a flood, Events are shed first
            self._queue.put_nowait((host.namespace, body(host, note, stamp=api_host.now())))

    async def run(self) -> None:
        while True:
            namespace, event = await self._queue.get()
            with contextlib.suppress(kube.KubeError, OSError, TimeoutError):
                await self.client.post_event(namespace, event)
