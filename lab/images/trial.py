"""Boot a built image once under QEMU, with no network, until a console line appears.

``boot`` starts ``qemu-system-x86_64`` (software emulation, ``-nic none``) from a kernel and
initrds (direct kernel boot), a CD or a disk, under SeaBIOS or OVMF, and returns how long it
took until ``until`` showed on the serial console; it always stops QEMU, and fails after
``timeout`` seconds with the console's tail. Callers hold the lab's VM lock. Used by the e2e
tests of the images and by ``make bench``.
"""

from __future__ import annotations

import dataclasses
import enum
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from hostkit import errors, runner
from lab.config import validate

OVMF_CODE = Path("/usr/share/OVMF/OVMF_CODE_4M.fd")
OVMF_VARS = Path("/usr/share/OVMF/OVMF_VARS_4M.fd")
_POLL_S = 0.1


class Firmware(enum.StrEnum):
    BIOS = "bios"
    UEFI = "uefi"


@dataclasses.dataclass(frozen=True)
class Media:
    """What to boot: a kernel with initrds, or a CD image, or a raw disk image."""

    kernel: Path | None = None
    initrds: Sequence[Path] = ()
    cmdline: str = "console=ttyS0"
    cd: Path | None = None
    disk: Path | None = None


@dataclasses.dataclass(frozen=True)
class Result:
    seconds: float  # from starting QEMU to ``until`` on the console
    console: str


def _argv(media: Media, firmware: Firmware, work: Path, serial: Path) -> list[str]:
    qemu = runner.require("qemu-system-x86_64", package="qemu-system-x86")
    # setpriv: QEMU gets SIGKILL when whoever booted it dies (a killed test leaves no VM).
    setpriv = runner.require("setpriv", package="util-linux")
    # The least memory a lab host of that boot mode has (GRUB under OVMF needs more).
    memory = validate.MIN_MEMORY_UEFI_MIB if firmware is Firmware.UEFI else validate.MIN_MEMORY_MIB
    argv = [
        setpriv,
        "--pdeathsig",
        "KILL",
        qemu,
        "-machine",
        "q35",
        "-accel",
        "tcg",
        "-m",
        str(memory),
        "-nic",
        "none",
    ]
    argv += ["-display", "none", "-monitor", "none", "-serial", f"file:{serial}", "-no-reboot"]
    if firmware is Firmware.UEFI:
        shutil.copy(OVMF_VARS, work / "vars.fd")
        argv += ["-drive", f"if=pflash,format=raw,readonly=on,file={OVMF_CODE}"]
        argv += ["-drive", f"if=pflash,format=raw,file={work / 'vars.fd'}"]
    if media.kernel is not None:
        argv += ["-kernel", str(media.kernel), "-append", media.cmdline]
        if media.initrds:
            # The kernel unpacks concatenated cpio archives like several initrds, each
            # starting 4-byte aligned (boot loaders pad them so; zeros between are skipped).
            initrd = work / "initrd"
            parts = [path.read_bytes() for path in media.initrds]
            initrd.write_bytes(b"".join(part + b"\0" * (-len(part) % 4) for part in parts))
            argv += ["-initrd", str(initrd)]
    if media.cd is not None:
        argv += ["-drive", f"file={media.cd},media=cdrom,readonly=on", "-boot", "d"]
    if media.disk is not None:
        argv += ["-drive", f"file={media.disk},format=raw,if=virtio"]
    return argv


def boot(
    media: Media,
    *,
    until: str,
    firmware: Firmware = Firmware.BIOS,
    timeout: float = 300.0,
    failures: Sequence[str] = ("Kernel panic",),
) -> Result:
    """Boot ``media`` until ``until`` shows; a line of ``failures`` ends it early as an error."""
    with tempfile.TemporaryDirectory(prefix="metallab-trial-") as scratch:
        work = Path(scratch)
        serial = work / "console.log"
        serial.touch()
        started = time.monotonic()
        qemu = subprocess.Popen(
            _argv(media, firmware, work, serial),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            while time.monotonic() - started < timeout:
                console = serial.read_text(errors="replace")
                if until in console:
                    return Result(time.monotonic() - started, console)
                if qemu.poll() is not None or any(line in console for line in failures):
                    break
                time.sleep(_POLL_S)
        finally:
            qemu.kill()
            _, stderr = qemu.communicate(timeout=30)
        console = serial.read_text(errors="replace")
    raise errors.LabError(
        f"{until!r} did not appear on the console within {timeout:g}s "
        f"(qemu: {stderr.decode(errors='replace').strip()[-300:] or 'running'}); "
        f"console tail: {console[-600:]!r}",
        fix="boot it by hand with the same media and read the whole console",
    )
