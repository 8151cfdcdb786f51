"""The Redfish front as WSGI: per-host credentials, the open service root, and each fault,
in front of a fake sushy-tools app that records what reached it."""

from __future__ import annotations

import base64
import io
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from vbmc import faults
from vbmc.redfish import front

UUID0, UUID1 = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
HOSTS = [
    front.Host("h0", "admin", frozenset({"dom0", UUID0}), "pw-zero"),
    front.Host("h1", "admin", frozenset({"dom1", UUID1}), "pw-one"),
]


class Recorder:
    def __init__(self) -> None:
        self.paths: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        self.paths.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]


def _answer(
    app: front.Front,
    path: str,
    *,
    auth: tuple[str, str] | None,
    method: str = "GET",
    body: bytes = b"",
) -> tuple[str, bytes]:
    environ: dict[str, Any] = {
        "PATH_INFO": path,
        "REQUEST_METHOD": method,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    if auth is not None:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        environ["HTTP_AUTHORIZATION"] = f"Basic {token}"
    seen: list[str] = []
    answer = b"".join(app(environ, lambda status, headers: seen.append(status)))
    return seen[0], answer


def _call(app: front.Front, path: str, **request: Any) -> str:
    """The status only; ``request`` as for ``_answer``."""
    return _answer(app, path, **request)[0]


@pytest.fixture
def inner() -> Recorder:
    return Recorder()


@pytest.fixture
def app(inner: Recorder, tmp_path: Path) -> front.Front:
    return front.Front(inner, hosts=HOSTS, state_dir=tmp_path)


class TestCredentials:
    @pytest.mark.parametrize("path", ["/", "/redfish", "/redfish/v1", "/redfish/v1/"])
    def test_service_root_is_open(self, app: front.Front, path: str) -> None:
        assert _call(app, path, auth=None) == "200 OK"

    @pytest.mark.parametrize("ident", ["dom0", UUID0])
    def test_a_host_takes_its_own_password(self, app: front.Front, ident: str) -> None:
        path = f"/redfish/v1/Systems/{ident}"
        assert _call(app, path, auth=("admin", "pw-zero")) == "200 OK"
        assert _call(app, path, auth=("admin", "pw-one")).startswith("401")
        assert _call(app, path, auth=None).startswith("401")

    def test_managers_are_guarded_like_systems(self, app: front.Front) -> None:
        path = f"/redfish/v1/Managers/{UUID1}/VirtualMedia/Cd"
        assert _call(app, path, auth=("admin", "pw-one")) == "200 OK"
        assert _call(app, path, auth=("admin", "pw-zero")).startswith("401")

    def test_shared_resources_take_any_lab_host(self, app: front.Front) -> None:
        assert _call(app, "/redfish/v1/Systems", auth=("admin", "pw-one")) == "200 OK"
        assert _call(app, "/redfish/v1/Systems", auth=("admin", "nope")).startswith("401")
        assert _call(app, "/redfish/v1/Systems", auth=("root", "pw-one")).startswith("401")


class TestFaults:
    AUTH = ("admin", "pw-zero")

    def test_error_is_500_and_clears(
        self, app: front.Front, inner: Recorder, tmp_path: Path
    ) -> None:
        faults.set_fault(tmp_path, "h0", faults.Fault(faults.FaultKind.ERROR))
        assert _call(app, f"/redfish/v1/Systems/{UUID0}", auth=self.AUTH).startswith("500")
        assert inner.paths == []
        faults.set_fault(tmp_path, "h0", None)
        assert _call(app, f"/redfish/v1/Systems/{UUID0}", auth=self.AUTH) == "200 OK"

    def test_ignore_power_swallows_only_resets(
        self, app: front.Front, inner: Recorder, tmp_path: Path
    ) -> None:
        faults.set_fault(tmp_path, "h0", faults.Fault(faults.FaultKind.IGNORE_POWER))
        reset = f"/redfish/v1/Systems/{UUID0}/Actions/ComputerSystem.Reset"
        on = b'{"ResetType": "On"}'
        assert _call(app, reset, auth=self.AUTH, method="POST", body=on).startswith("204")
        assert (
            _call(app, f"/redfish/v1/Systems/{UUID0}", auth=self.AUTH, method="PATCH") == "200 OK"
        )
        assert inner.paths == [f"/redfish/v1/Systems/{UUID0}"]

    def test_slow_answers_late(self, app: front.Front, tmp_path: Path) -> None:
        faults.set_fault(tmp_path, "h0", faults.Fault(faults.FaultKind.SLOW, 0.3))
        started = time.monotonic()
        assert _call(app, f"/redfish/v1/Systems/{UUID0}", auth=self.AUTH) == "200 OK"
        assert time.monotonic() - started >= 0.3

    def test_unresponsive_holds_until_cleared(
        self, app: front.Front, inner: Recorder, tmp_path: Path
    ) -> None:
        faults.set_fault(tmp_path, "h0", faults.Fault(faults.FaultKind.UNRESPONSIVE))
        statuses: list[str] = []
        worker = threading.Thread(
            target=lambda: statuses.append(
                _call(app, f"/redfish/v1/Systems/{UUID0}", auth=self.AUTH)
            )
        )
        worker.start()
        time.sleep(0.5)
        assert statuses == [] and inner.paths == []
        faults.set_fault(tmp_path, "h0", None)
        worker.join(timeout=10)
        assert statuses == ["200 OK"]

    def test_faults_are_per_host(self, app: front.Front, tmp_path: Path) -> None:
        faults.set_fault(tmp_path, "h0", faults.Fault(faults.FaultKind.ERROR))
        assert _call(app, f"/redfish/v1/Systems/{UUID1}", auth=("admin", "pw-one")) == "200 OK"
        assert _call(app, "/redfish/v1/Systems", auth=("admin", "pw-zero")) == "200 OK"


class TestRequestChecks:
    """What a client sends is bounded and checked before sushy-tools sees it (issue 12)."""

    AUTH = ("admin", "pw-zero")
    RESET = f"/redfish/v1/Systems/{UUID0}/Actions/ComputerSystem.Reset"

    @pytest.mark.parametrize(
        "path",
        ["/redfish/v1/Systems/nope", "/redfish/v1/Managers/dom-of-an-ipmi-host/VirtualMedia"],
    )
    def test_a_resource_of_no_host_here_is_404(
        self, app: front.Front, inner: Recorder, path: str
    ) -> None:
        status, answer = _answer(app, path, auth=self.AUTH)
        assert status == "404 Not Found"
        assert json.loads(answer)["error"]["code"] == "Base.1.0.ResourceMissingAtURI"
        assert inner.paths == []

    def test_bad_json_is_400_with_a_redfish_error(self, app: front.Front, inner: Recorder) -> None:
        status, answer = _answer(app, self.RESET, auth=self.AUTH, method="POST", body=b"{nope")
        assert status == "400 Bad Request"
        error = json.loads(answer)["error"]
        assert error["code"] == "Base.1.0.MalformedJSON" and "not JSON" in error["message"]
        assert inner.paths == []

    def test_deep_json_is_400(self, app: front.Front, inner: Recorder) -> None:
        deep = b"[" * 100_000 + b"]" * 100_000
        status, answer = _answer(
            app, f"/redfish/v1/Systems/{UUID0}", auth=self.AUTH, method="PATCH", body=deep
        )
        assert status == "400 Bad Request" and b"deeper than" in answer
        assert inner.paths == []

    def test_brackets_inside_strings_are_not_depth(self, app: front.Front, inner: Recorder) -> None:
        body = json.dumps({"Boot": {"BootSourceOverrideTarget": "[" * 100}}).encode()
        path = f"/redfish/v1/Systems/{UUID0}"
        assert _call(app, path, auth=self.AUTH, method="PATCH", body=body) == "200 OK"
        assert inner.paths == [path]

    def test_a_huge_body_is_413(self, app: front.Front, inner: Recorder) -> None:
        body = b'{"a": "' + b"x" * (11 * 1024 * 1024) + b'"}'
        status = _call(
            app, f"/redfish/v1/Systems/{UUID0}", auth=self.AUTH, method="PATCH", body=body
        )
        assert status.startswith("413")
        assert inner.paths == []

    @pytest.mark.parametrize("body", [b'{"ResetType": "Explode"}', b"{}", b"[]", b""])
    def test_an_invalid_reset_type_is_400(
        self, app: front.Front, inner: Recorder, body: bytes
    ) -> None:
        status, answer = _answer(app, self.RESET, auth=self.AUTH, method="POST", body=body)
        assert status == "400 Bad Request"
        assert json.loads(answer)["error"]["code"] == "Base.1.0.ActionParameterValueNotInList"
        assert inner.paths == []

    def test_a_valid_reset_reaches_sushy_with_its_body(self, tmp_path: Path) -> None:
        bodies: list[bytes] = []

        def app_reading_body(environ: dict[str, Any], start: Callable[..., Any]) -> list[bytes]:
            bodies.append(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
            start("204 No Content", [])
            return []

        app = front.Front(app_reading_body, hosts=HOSTS, state_dir=tmp_path)
        body = b'{"ResetType": "ForceOff"}'
        assert _call(app, self.RESET, auth=self.AUTH, method="POST", body=body).startswith("204")
        assert bodies == [body]


def test_the_managers_collection_lists_only_this_ports_hosts(tmp_path: Path) -> None:
    listed = [f"/redfish/v1/Managers/{ident}" for ident in (UUID0, "ipmi-only-uuid", UUID1)]

    def managers(environ: dict[str, Any], start: Callable[..., Any]) -> list[bytes]:
        body = json.dumps(
            {
                "Members": [{"@odata.id": path} for path in listed],
                "Members@odata.count": len(listed),
            }
        ).encode()
        start("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    app = front.Front(managers, hosts=HOSTS, state_dir=tmp_path)
    status, answer = _answer(app, "/redfish/v1/Managers", auth=("admin", "pw-one"))
    assert status == "200 OK"
    document = json.loads(answer)
    assert [m["@odata.id"] for m in document["Members"]] == [listed[0], listed[2]]
    assert document["Members@odata.count"] == 2
