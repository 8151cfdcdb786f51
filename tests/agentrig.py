"""Helpers for tests that run the real agent against the real conductor without VMs: a CA
and a server certificate for 127.0.0.1, conductor settings on free loopback ports, a base
agent ISO built like the lab's (xorriso, Rock Ridge + Joliet, isolinux El Torito), reading
boot.json out of a boot-config.cpio or a per-host ISO, and ``Agent``, which runs
``python3 -m agent`` on a fake host tree (tests/fakehost.py) as a host process."""

from __future__ import annotations

import datetime
import io
import os
import pathlib
import shutil
import subprocess
import sys

import pycdlib

from controller.conductor import config
from hostkit import pki, ports

REPO = pathlib.Path(__file__).resolve().parents[1]
BOOT_JSON = "etc/metallab-agent/boot.json"


def settings(directory: pathlib.Path, **overrides: object) -> config.Config:
    """Conductor settings on free 127.0.0.1 ports with a fresh CA and certificate."""
    ca = pki.ensure_ca(pki.Pair(directory / "ca.crt", directory / "ca.key"), common_name="test CA")
    server = pki.issue(
        ca,
        pki.Pair(directory / "conductor.crt", directory / "conductor.key"),
        common_name="conductor",
        usage=pki.Usage.SERVER,
        validity=datetime.timedelta(days=1),
    )
    agent_port, boot_port = ports.free(), ports.free()
    values: dict[str, object] = {
        "agent_url": f"https://127.0.0.1:{agent_port}",
        "boot_url": f"http://127.0.0.1:{boot_port}",
        "listen_address": "127.0.0.1",
        "agent_port": agent_port,
        "boot_port": boot_port,
        "kernel_url": "http://127.0.0.1:1/vmlinuz",
        "initrd_url": "http://127.0.0.1:1/initrd.img",
        "cert_file": server.cert,
        "key_file": server.key,
        "ca_file": ca.cert,
        "agent_timeout": 20.0,
        "heartbeat_s": 0.3,
        **overrides,
    }
    return config.Config(**values)  # type: ignore[arg-type]


def unpack_newc(data: bytes) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    offset = 0
    while True:
        header = data[offset : offset + 110]
        assert header[:6] == b"070701", "not a newc cpio archive"
        fields = [int(header[6 + 8 * i : 14 + 8 * i], 16) for i in range(13)]
        size, name_size = fields[6], fields[11]
        name = data[offset + 110 : offset + 110 + name_size - 1].decode()
        offset += 110 + name_size
        offset += -offset % 4
        if name == "TRAILER!!!":
            return out
        out[name] = data[offset : offset + size]
        offset += size + (-size % 4)


def cpio_from_iso(data: bytes) -> bytes:
    """The /boot-config.cpio of an ISO (by its Rock Ridge name)."""
    iso = pycdlib.PyCdlib()
    iso.open_fp(io.BytesIO(data))
    try:
        out = io.BytesIO()
        iso.get_file_from_iso_fp(out, rr_path="/boot-config.cpio")
    finally:
        iso.close()
    return out.getvalue()


def build_base_iso(directory: pathlib.Path) -> pathlib.Path:
    """An ISO shaped like the lab's agent.iso, with an empty /boot-config.cpio."""
    tree = directory / "iso-tree"
    (tree / "isolinux").mkdir(parents=True)
    shutil.copy("/usr/lib/ISOLINUX/isolinux.bin", tree / "isolinux/isolinux.bin")
    (tree / "initrd.img").write_bytes(b"initrd" * 1000)
    (tree / "vmlinuz").write_bytes(b"kernel" * 1000)
    (tree / "boot-config.cpio").write_bytes(b"")
    out = directory / "agent.iso"
    subprocess.run(
        ["xorriso", "-as", "mkisofs", "-quiet", "-o", str(out), "-V", "AGENT", "-J", "-R",
         "-c", "isolinux/boot.cat", "-b", "isolinux/isolinux.bin", "-no-emul-boot",
         "-boot-load-size", "4", "-boot-info-table", str(tree)],
        check=True, capture_output=True,
    )  # fmt: skip
    return out


class Agent:
    """``python3 -m agent`` on a fake host tree, started from a boot-config.cpio."""

    def __init__(self, root: pathlib.Path, work: pathlib.Path) -> None:
        self.root = root
        self.work = work
        self.process: subprocess.Popen[bytes] | None = None
        self.boots = 0
        self.logs: list[pathlib.Path] = []

    def start(self, cpio: bytes) -> None:
        self.stop()
        boot_json = self.work / f"boot-{self.boots}.json"
        boot_json.write_bytes(unpack_newc(cpio)[BOOT_JSON])
        log = self.work / f"agent-{self.boots}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "agent", "--root", str(self.root),
                 "--config", str(boot_json)],
                env={**os.environ, "PYTHONPATH": str(REPO)},
                stdout=out,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.boots += 1

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def output(self) -> str:
        return "".join(p.read_text() for p in self.logs)
