"""Fixtures for the e2e tests: a private metallab home, the tiny guest, lab files, cleanup.

Every test that brings a lab up does it through ``lab_factory``, which runs ``metallab down``
for each lab it made even when the test fails. Networks use 10.25x.0.0/24 ranges and BMC ports
picked free at run time, so these tests do not collide with a developer's lab (except the test
of name-derived defaults, whose lab names are not ``metallab``).
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from hostkit import ports
from lab import up as lifecycle
from lab.config import model
from lab.hardware import libvirtd
from tests.e2e import agentimages, guest

pytestmark = pytest.mark.e2e

_TOOLS = ("qemu-system-x86_64", "libvirtd", "virtlogd", "dnsmasq", "ip", "cpio", "xorriso")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    missing = [tool for tool in _TOOLS if shutil.which(tool) is None]
    reason = ""
    if os.geteuid() != 0:
        reason = "e2e tests create network namespaces: run them as root"
    elif missing:
        reason = f"missing {', '.join(missing)}"
    elif guest.kernel() is None:
        reason = "no /boot/vmlinuz-*-cloud-amd64 (apt-get install linux-image-cloud-amd64)"
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A short METALLAB_HOME: the lab's libvirt socket path must fit a UNIX socket."""
    path = Path(tempfile.mkdtemp(prefix="mle2e-"))
    monkeypatch.setenv("METALLAB_HOME", str(path))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def images() -> Iterator[dict[str, Path]]:
    """The agent ramdisk and the test OS image, built for the e2e tests (by name)."""
    with agentimages.built() as found:
        yield found


@pytest.fixture(scope="session")
def guest_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="mlguest-"))
    kernel = guest.kernel()
    assert kernel is not None
    shutil.copy(kernel, path / "vmlinuz")
    initrd = guest.initramfs(path)
    guest.iso(path, path / "vmlinuz", initrd)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def lab_file(
    directory: Path,
    *,
    octet: int,
    hosts: object = 1,
    protocol: str = "ipmi",
    pxe_boot_file: str | None = None,
    extra: dict[str, Any] | None = None,
    name_defaults: bool = False,
) -> Path:
    """A lab file whose networks are 10.<octet>.0.0/24 and 10.<octet+1>.0.0/24 — or, with
    ``name_defaults``, one that sets neither networks nor BMC ports (derived from the lab name)."""
    provisioning: dict[str, Any] = {"cidr": f"10.{octet}.0.0/24"}
    if pxe_boot_file:
        provisioning["pxe"] = {"bootFile": pxe_boot_file}
    spec: dict[str, Any] = {
        "acceleration": "tcg",
        "networks": {"provisioning": provisioning, "external": {"cidr": f"10.{octet + 1}.0.0/24"}},
        "bmc": {
            "protocol": protocol,
            "redfishPort": ports.free(),
            "ipmiPortBase": ports.free(socket.SOCK_DGRAM),
        },
        "hostDefaults": {"memoryMiB": 256, "disks": [{"sizeGiB": 1}]},
        "hosts": hosts,
        **(extra or {}),
    }
    if name_defaults:
        del spec["networks"]
        spec["bmc"] = {"protocol": protocol}
    path = directory / f"lab-{octet}.yaml"
    path.write_text(
        yaml.safe_dump({"apiVersion": model.API_VERSION, "kind": model.KIND, "spec": spec})
    )
    return path


LabFactory = Callable[..., model.Lab]


@pytest.fixture
def lab_factory(home: Path) -> Iterator[LabFactory]:
    """``lab_factory(name, config)`` runs ``metallab up --hardware-only`` (or the whole ``up``
    with ``hardware_only=False``); every lab it made is downed after the test."""
    made: list[str] = []

    def make(
        name: str, config: Path, *, lines: list[str] | None = None, hardware_only: bool = True
    ) -> model.Lab:
        made.append(name)
        options = lifecycle.Options(name=name, config=config, hardware_only=hardware_only)
        return lifecycle.up(options, progress=(lines.append if lines is not None else print))

    yield make
    for name in made:
        lifecycle.down(name, progress=lambda _line: None)


def power_on(state: Path, host: str) -> None:
    """Start ``host``'s domain straight through the lab's libvirtd (no BMC)."""
    conn = libvirtd.connect(state)
    try:
        conn.lookupByName(host).create()
    finally:
        conn.close()


def wait_for(path: Path, text: str, *, timeout: float = 180.0) -> str:
    """The content of ``path`` once it contains ``text``; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    content = ""
    while time.monotonic() < deadline:
        content = path.read_text(errors="replace") if path.exists() else ""
        if text in content:
            return content
        time.sleep(0.5)
    raise AssertionError(f"{text!r} not in {path} after {timeout}s; tail: {content[-800:]!r}")
