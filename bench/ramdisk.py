"""Benchmark of the lab's boot images: agent ramdisk size and raw boot time under TCG.

Uses the current builds (``metallab image build agent`` / ``testos``; ``make setup`` makes
them). Boot times run from starting QEMU (``-nic none``, software emulation, the least memory a lab
host of that boot mode has: 256 MiB BIOS, 512 MiB UEFI) to
``metallab-agent: starting`` on the serial console: direct kernel boot (median of ``RUNS``),
and the agent ISO as a CD under SeaBIOS and OVMF; then the test OS from a disk with a config
drive to its ``ready`` line. These are the raw boot times the lab's enrolment and
provisioning benchmarks compare themselves with.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

from lab.images import agent, cache, testos, trial
from tests.e2e import configdrive

RUNS = 3
TIMEOUT_S = 480.0


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def _raw_size(initrd: Path) -> int:
    done = subprocess.run(["zstd", "-d", "-c", str(initrd)], capture_output=True, check=True)
    return len(done.stdout)


def _testos_seconds(image: Path, firmware: trial.Firmware) -> float:
    with tempfile.TemporaryDirectory() as scratch:
        disk = Path(scratch) / "disk.img"
        shutil.copy(image, disk)
        os.truncate(disk, 64 * 2**20)
        drive = configdrive.iso(Path(scratch), user_data="bench\n", meta_data={"uuid": "b"})
        configdrive.append(disk, drive)
        media = trial.Media(disk=disk)
        return trial.boot(media, until=testos.READY, firmware=firmware, timeout=TIMEOUT_S).seconds


def main() -> None:
    built = cache.current(agent.NAME)
    os_image = cache.current(testos.NAME) / testos.IMAGE
    initrd = built / "initrd.img"
    direct = trial.Media(kernel=built / "vmlinuz", initrds=[initrd], cmdline=agent.CMDLINE)
    runs = [
        trial.boot(direct, until=agent.STARTING, timeout=TIMEOUT_S).seconds for _ in range(RUNS)
    ]
    cd = trial.Media(cd=built / "agent.iso")
    iso_bios = trial.boot(cd, until=agent.STARTING, timeout=TIMEOUT_S).seconds
    iso_uefi = trial.boot(
        cd, until=agent.STARTING, firmware=trial.Firmware.UEFI, timeout=TIMEOUT_S
    ).seconds
    os_bios = _testos_seconds(os_image, trial.Firmware.BIOS)
    os_uefi = _testos_seconds(os_image, trial.Firmware.UEFI)
    print("## Boot images (agent ramdisk, test OS)\n")
    print("Command: `python -m bench.ramdisk` (TCG, `-nic none`, 256 MiB BIOS / 512 MiB UEFI)\n")
    print("| measure | value | target |\n| --- | --- | --- |")
    rows = [
        (
            "agent `initrd.img` (zstd newc cpio) / unpacked",
            f"{_mib(initrd.stat().st_size)} / {_mib(_raw_size(initrd))}",
            "measured",
        ),
        (
            "agent `vmlinuz` (generic Debian kernel)",
            _mib((built / "vmlinuz").stat().st_size),
            "measured",
        ),
        ("`agent.iso` (BIOS + UEFI)", _mib((built / "agent.iso").stat().st_size), "measured"),
        ("test OS `testos.img`", _mib(os_image.stat().st_size), "measured"),
        (
            f"direct kernel boot → `{agent.STARTING}` (median of {RUNS}; min to max)",
            f"{statistics.median(runs):.1f} s ({min(runs):.1f} to {max(runs):.1f})",
            "measured",
        ),
        (f"`agent.iso` as a CD, SeaBIOS → `{agent.STARTING}`", f"{iso_bios:.1f} s", "measured"),
        (f"`agent.iso` as a CD, OVMF → `{agent.STARTING}`", f"{iso_uefi:.1f} s", "measured"),
        ("test OS from disk + config drive, SeaBIOS → `ready`", f"{os_bios:.1f} s", "measured"),
        ("test OS from disk + config drive, OVMF → `ready`", f"{os_uefi:.1f} s", "measured"),
    ]
    for row in rows:
        print(f"| {' | '.join(row)} |")


if __name__ == "__main__":
    main()
