"""Turn a root tree into a disk that boots under both legacy BIOS and UEFI, as a qcow2.

Layout (MBR): partition 1 is a FAT EFI system partition holding a standalone GRUB as
``EFI/BOOT/BOOTX64.EFI`` (the removable-media path every UEFI firmware tries); partition 2
is the ext4 root labelled ``root``, marked active, with extlinux in its boot sector and
syslinux's ``mbr.bin`` in the disk's first 440 bytes for BIOS. Both loaders start the same
kernel and initrd with ``recipe.KERNEL_ARGS``. Called by ``lab.images.node.build`` (root
only: extlinux needs the file system mounted, through a loop device at an offset — there is
no udev to make partition nodes).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hostkit import runner
from lab.images.node import recipe

MIB = 1 << 20
SYSLINUX_MBR = Path("/usr/lib/syslinux/mbr/mbr.bin")
_ESP_START = 1 * MIB


def _root_start() -> int:
    return _ESP_START + recipe.ESP_MIB * MIB


def _grub_cfg(kernel: str, initrd: str) -> str:
    # a standalone GRUB loads no partition map or file system module by itself
    return (
        "set timeout=0\ninsmod part_msdos\ninsmod ext2\n"
        f"search --no-floppy --label {recipe.ROOT_LABEL} --set=root\n"
        f"linux {kernel} {recipe.KERNEL_ARGS}\n"
        f"initrd {initrd}\n"
        "boot\n"
    )


def _extlinux_conf(kernel: str, initrd: str) -> str:
    return (
        "DEFAULT node\nPROMPT 0\nTIMEOUT 0\n"
        f"LABEL node\n  LINUX {kernel}\n  INITRD {initrd}\n  APPEND {recipe.KERNEL_ARGS}\n"
    )


def _check_tools() -> None:
    for binary, package in (
        ("sfdisk", "fdisk"),
        ("mkfs.ext4", "e2fsprogs"),
        ("mkfs.vfat", "dosfstools"),
        ("mcopy", "mtools"),
        ("extlinux", "extlinux"),
        ("grub-mkstandalone", "grub-efi-amd64-bin"),
        ("qemu-img", "qemu-utils"),
    ):
        runner.require(binary, package=package)
    if not SYSLINUX_MBR.is_file():
        raise runner.MissingBinary(
            f"{SYSLINUX_MBR} is missing", fix="apt-get install syslinux-common"
        )


def _write_at(disk: Path, offset: int, data_file: Path) -> None:
    with disk.open("r+b") as out, data_file.open("rb") as data:
        out.seek(offset)
        shutil.copyfileobj(data, out, 4 * MIB)


def _esp(work: Path, kernel: str, initrd: str) -> Path:
    cfg = work / "grub.cfg"
    cfg.write_text(_grub_cfg(kernel, initrd))
    efi = work / "BOOTX64.EFI"
    runner.run(
        ["grub-mkstandalone", "-O", "x86_64-efi", "-o", str(efi), f"boot/grub/grub.cfg={cfg}"],
        timeout=300,
    )
    esp = work / "esp.img"
    runner.run(["mkfs.vfat", "-n", "ESP", "-C", str(esp), str(recipe.ESP_MIB * 1024)])
    runner.run(["mmd", "-i", str(esp), "::/EFI", "::/EFI/BOOT"])
    runner.run(["mcopy", "-i", str(esp), str(efi), "::/EFI/BOOT/BOOTX64.EFI"])
    return esp


def _extlinux(disk: Path, work: Path) -> None:
    mountpoint = Path(tempfile.mkdtemp(prefix="mnt-", dir=work))
    runner.run(["mount", "-o", f"loop,offset={_root_start()}", str(disk), str(mountpoint)])
    try:
        runner.run(["extlinux", "--install", str(mountpoint / "boot" / "extlinux")])
    finally:
        runner.run(["umount", "-d", str(mountpoint)])
        mountpoint.rmdir()


def make(root: Path, kernel: str, initrd: str, qcow2: Path) -> None:
    """Write the bootable disk of ``root`` to ``qcow2`` (scratch files go next to it)."""
    _check_tools()
    work = Path(tempfile.mkdtemp(prefix="disk-", dir=qcow2.parent))
    extlinux_dir = root / "boot" / "extlinux"
    extlinux_dir.mkdir(parents=True, exist_ok=True)
    (extlinux_dir / "extlinux.conf").write_text(_extlinux_conf(kernel, initrd))
    disk = work / "node.raw"
    size = recipe.DISK_GIB << 30
    with disk.open("wb") as out:
        out.truncate(size)
    esp_sectors = recipe.ESP_MIB * MIB // 512
    layout = (
        "label: dos\n"
        f"start={_ESP_START // 512}, size={esp_sectors}, type=ef\n"
        f"start={_root_start() // 512}, type=83, bootable\n"
    )
    runner.run(["sfdisk", "--quiet", str(disk)], stdin=layout)
    _write_at(disk, _ESP_START, _esp(work, kernel, initrd))
    root_kib = (size - _root_start()) // 1024
    runner.run(
        [
            "mkfs.ext4",
            "-q",
            "-F",
            "-L",
            recipe.ROOT_LABEL,
            "-d",
            str(root),
            "-E",
            f"offset={_root_start()}",
            str(disk),
            f"{root_kib}k",
        ],
        timeout=1800,
    )
    _extlinux(disk, work)
    with disk.open("r+b") as out:
        out.write(SYSLINUX_MBR.read_bytes()[:440])
    runner.run(["qemu-img", "convert", "-O", "qcow2", str(disk), str(qcow2)], timeout=1800)
    shutil.rmtree(work)
