"""A small asynchronous Kubernetes client for the few calls the controller makes.

Uses the same ``kopf.ConnectionInfo`` kopf logs in with (kubeconfig or service account) and
aiohttp, so the controller's writes share the event loop with kopf's watches instead of
occupying threads. Writes are JSON merge patches carrying ``metadata.resourceVersion`` so a
decision made on a stale object fails with ``Conflict`` rather than overwriting.
"""

from __future__ import annotations

import contextlib
import json
import types as pytypes
from collections.abc import Mapping
from typing import Any

import aiohttp
import kopf

from controller.api import hardware as api_hardware
from controller.api import hardwaredata, types

Json = dict[str, Any]
HOSTS = f"/apis/{types.GROUP}/{types.VERSION}/namespaces/{{ns}}/baremetalhosts/{{name}}"
HARDWARE = f"/apis/{types.GROUP}/{types.VERSION}/namespaces/{{ns}}/hardwaredata"


class KubeError(Exception):
    """The API server answered with an error status."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(f"API server answered {status}: {message}")


class Conflict(KubeError):
    """The object changed since it was read (409)."""


class NotFound(KubeError):
    """The object does not exist (404)."""


class Kube:
    def __init__(self, info: kopf.ConnectionInfo, *, timeout: float = 30.0) -> None:
        self.info = info
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Kube:
        connector = aiohttp.TCPConnector(ssl=self.info.as_ssl_context(), limit=32)
        self._session = aiohttp.ClientSession(
            connector=connector, headers=self.info.as_http_headers(), timeout=self._timeout
        )
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        err: BaseException | None,
        tb: pytypes.TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()

    async def request(
        self, method: str, path: str, *, body: Mapping[str, Any] | None = None, merge: bool = False
    ) -> Json:
        assert self._session is not None, "use Kube as an async context manager"
        headers = {"Content-Type": "application/merge-patch+json" if merge else "application/json"}
        data = None if body is None else json.dumps(body)
        async with self._session.request(
            method, self.info.server.rstrip("/") + path, data=data, headers=headers
        ) as response:
            text = await response.text()
            if response.status >= 400:
                message = text
                with contextlib.suppress(ValueError):
                    message = json.loads(text).get("message", text)
                kind = {409: Conflict, 404: NotFound}.get(response.status, KubeError)
                raise kind(response.status, message)
            result: Json = json.loads(text) if text else {}
            return result

    async def get_secret(self, namespace: str, name: str) -> Json | None:
        try:
            return await self.request("GET", f"/api/v1/namespaces/{namespace}/secrets/{name}")
        except NotFound:
            return None

    async def label_secret(self, namespace: str, name: str, label: str, value: str) -> Json:
        patch = {"metadata": {"labels": {label: value}}}
        path = f"/api/v1/namespaces/{namespace}/secrets/{name}"
        return await self.request("PATCH", path, body=patch, merge=True)

    async def patch_host(
        self, namespace: str, name: str, patch: Mapping[str, Any], *, status: bool
    ) -> Json:
        path = HOSTS.format(ns=namespace, name=name) + ("/status" if status else "")
        return await self.request("PATCH", path, body=patch, merge=True)

    async def post_event(self, namespace: str, event: Mapping[str, Any]) -> None:
        await self.request("POST", f"/api/v1/namespaces/{namespace}/events", body=event)

    async def put_hardware_data(
        self,
        namespace: str,
        name: str,
        owner: Mapping[str, Any],
        hardware: api_hardware.HardwareDetails,
    ) -> None:
        spec = hardwaredata.spec_json(hardware)
        body = {
            "apiVersion": types.API_VERSION,
            "kind": "HardwareData",
            "metadata": {"name": name, "namespace": namespace, "ownerReferences": [owner]},
            "spec": spec,
        }
        try:
            await self.request("POST", HARDWARE.format(ns=namespace), body=body)
        except Conflict:
            patch = {"spec": spec}
            await self.request(
                "PATCH", HARDWARE.format(ns=namespace) + f"/{name}", body=patch, merge=True
            )

    async def delete_hardware_data(self, namespace: str, name: str) -> None:
        with contextlib.suppress(NotFound):
            await self.request("DELETE", HARDWARE.format(ns=namespace) + f"/{name}")
