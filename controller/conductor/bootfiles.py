"""What a host boots the agent with: the per-MAC iPXE script (network boot), the per-boot
``boot-config.cpio`` (a newc archive holding ``etc/metallab-agent/boot.json``), and the
per-boot ISO made from the lab's base ``agent.iso`` by replacing its ``/boot-config.cpio``
with pycdlib (Redfish virtual media). Called by ``service``."""

from __future__ import annotations

import io
import json
import pathlib
import re
import shutil
import stat
import threading
import urllib.request

import pycdlib

CONFIG_PATH = "etc/metallab-agent/boot.json"
CPIO_NAME = "boot-config.cpio"


def ipxe_script(*, kernel_url: str, initrd_url: str, config_url: str, args: str) -> str:
    return (
        "#!ipxe\n"
        f"kernel {kernel_url} initrd=initrd.img initrd=boot-config.cpio {args}\n"
        f"initrd --name initrd.img {initrd_url}\n"
        f"initrd --name boot-config.cpio {config_url}\n"
        "boot\n"
    )


# A host that is not inspecting/provisioning/deprovisioning boots on from its next device.
IPXE_NOTHING = "#!ipxe\necho metallab: no agent boot for this host\nexit\n"


def boot_json(*, conductor_url: str, token: str, ca_pem: str) -> bytes:
    return json.dumps({"conductor_url": conductor_url, "token": token, "ca_pem": ca_pem}).encode()


def _newc(path: str, mode: int, data: bytes, inode: int) -> bytes:
    name = path.encode() + b"\0"
    fields = (inode, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name), 0)
    header = b"070701" + b"".join(b"%08X" % v for v in fields) + name
    header += bytes(-len(header) % 4)
    return header + data + bytes(-len(data) % 4)


def cpio(files: dict[str, bytes]) -> bytes:
    """A newc archive of ``files`` (their parent directories first), padded to 512 bytes."""
    out, inode, dirs = b"", 1, []
    for path in sorted(files):
        parts = path.split("/")[:-1]
        dirs += ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for d in dict.fromkeys(dirs):
        out += _newc(d, stat.S_IFDIR | 0o755, b"", inode)
        inode += 1
    for path, data in sorted(files.items()):
        out += _newc(path, stat.S_IFREG | 0o600, data, inode)
        inode += 1
    out += _newc("TRAILER!!!", 0, b"", inode)
    return out + bytes(-len(out) % 512)


def boot_config(*, conductor_url: str, token: str, ca_pem: str) -> bytes:
    return cpio({CONFIG_PATH: boot_json(conductor_url=conductor_url, token=token, ca_pem=ca_pem)})


class IsoMaker:
    """Per-boot ISOs in ``directory``, made from the base ISO (downloaded once)."""

    def __init__(self, base_url: str, directory: pathlib.Path) -> None:
        self.base_url = base_url
        self.directory = directory
        self._lock = threading.Lock()

    def _base(self) -> pathlib.Path:
        base = self.directory / "agent-base.iso"
        if not base.exists():
            partial = base.with_suffix(".part")
            with (
                urllib.request.urlopen(self.base_url, timeout=60) as reply,
                partial.open("wb") as out,
            ):
                shutil.copyfileobj(reply, out, 2**20)
            partial.rename(base)
        return base

    def make(self, boot: str, config: bytes) -> pathlib.Path:
        """The ISO of boot ``boot`` (made once): the base with our ``boot-config.cpio``."""
        out = self.directory / f"{boot}.iso"
        with self._lock:
            if out.exists():
                return out
            iso = pycdlib.PyCdlib()
            iso.open(str(self._base()))
            try:
                iso_name = _iso_name(iso)
                joliet = iso.has_joliet()
                rock = iso.has_rock_ridge()
                iso.rm_file(
                    iso_path=f"/{iso_name}", joliet_path=f"/{CPIO_NAME}" if joliet else None
                )
                # xorriso may store a relaxed name (``boot-con.cpi;1``) that pycdlib will not
                # write; boot loaders go by the Rock Ridge / Joliet name, kept exactly.
                strict = re.sub(r"[^A-Z0-9_.;]", "_", iso_name.upper())
                iso.add_fp(
                    io.BytesIO(config),
                    len(config),
                    f"/{strict}",
                    rr_name=CPIO_NAME if rock else None,
                    joliet_path=f"/{CPIO_NAME}" if joliet else None,
                )
                partial = out.with_suffix(".part")
                iso.write(str(partial))
            finally:
                iso.close()
            partial.rename(out)
        return out

    def forget(self, boot: str) -> None:
        (self.directory / f"{boot}.iso").unlink(missing_ok=True)


def _iso_name(iso: pycdlib.PyCdlib) -> str:
    """The ISO9660 name of ``/boot-config.cpio`` (``BOOT_CONFIG.CPIO;1`` from xorriso)."""
    for child in iso.list_children(iso_path="/"):
        ident = child.file_identifier().decode()
        rr = child.rock_ridge.name().decode() if child.rock_ridge is not None else ""
        if rr == CPIO_NAME or ident.split(";")[0].lower() in (
            "boot_config.cpio",
            "boot-config.cpio",
        ):
            return str(ident)
    raise FileNotFoundError(
        f"the base agent ISO has no /{CPIO_NAME}: rebuild it (the lab's agent image recipe)"
    )
