"""Bootable ISO images with BIOS (isolinux) and UEFI (GRUB) entries that boot one kernel.

``build`` lays out the kernel, its initrds, an isolinux config, a GRUB EFI binary (made by
``grub-mkimage`` with an embedded config that finds the ISO by a marker file) inside a FAT
``efiboot.img``, and runs ``xorriso``. ``Layout.CD`` is plain El Torito — what a BMC's
virtual media inserts, and what ``pycdlib`` can rewrite (the conductor swaps
``/boot-config.cpio``); ``Layout.DISK`` is additionally an MBR disk (isohybrid boot code and
the EFI image as partition 2), for an image written raw to a disk. Called by the recipes.
"""

from __future__ import annotations

import enum
import shutil
from collections.abc import Sequence
from pathlib import Path

from hostkit import errors, runner

ISOLINUX = Path("/usr/lib/ISOLINUX")
SYSLINUX_BIOS = Path("/usr/lib/syslinux/modules/bios")
GRUB_EFI = Path("/usr/lib/grub/x86_64-efi")
GRUB_MODULES = [
    "part_msdos",
    "part_gpt",
    "fat",
    "iso9660",
    "search",
    "search_fs_file",
    "configfile",
    "normal",
    "linux",
    "echo",
    "test",
    "serial",
    "terminal",
    "all_video",
    "gzio",
]
EFI_IMAGE = "efiboot.img"


class Layout(enum.StrEnum):
    CD = "cd"
    DISK = "disk"


def _isolinux_cfg(cmdline: str, initrds: Sequence[str]) -> str:
    return (
        "SERIAL 0 115200\nPROMPT 0\nTIMEOUT 0\nDEFAULT linux\nLABEL linux\n"
        f"  KERNEL /vmlinuz\n  INITRD {','.join('/' + i for i in initrds)}\n"
        f"  APPEND {cmdline}\n"
    )


def _grub_cfg(cmdline: str, initrds: Sequence[str]) -> str:
    return (
        "set timeout=0\nset default=0\n"
        "serial --unit=0 --speed=115200\nterminal_output serial console\n"
        f"menuentry linux {{\n  linux /vmlinuz {cmdline}\n"
        f"  initrd {' '.join('/' + i for i in initrds)}\n}}\n"
    )


def _efi_image(work: Path, marker: str, out: Path) -> None:
    """A FAT image holding ``EFI/BOOT/BOOTX64.EFI``: GRUB that finds the ISO's grub.cfg."""
    early = work / "early.cfg"
    early.write_text(
        f"search --no-floppy --set=root --file /{marker}\n"
        "set prefix=($root)/boot/grub\nconfigfile $prefix/grub.cfg\n"
    )
    grub = work / "BOOTX64.EFI"
    mkimage = runner.require("grub-mkimage", package="grub-common")
    if not (GRUB_EFI / "linux.mod").exists():
        raise errors.LabError(
            f"GRUB's EFI modules are not in {GRUB_EFI}", fix="apt-get install grub-efi-amd64-bin"
        )
    runner.run(
        [
            mkimage,
            "-O",
            "x86_64-efi",
            "-d",
            str(GRUB_EFI),
            "-p",
            "/boot/grub",
            "-c",
            str(early),
            "-o",
            str(grub),
            *GRUB_MODULES,
        ],
        timeout=120,
    )
    size_kib = grub.stat().st_size // 1024 + 512
    mkfs = runner.require("mkfs.vfat", package="dosfstools")
    mmd = runner.require("mmd", package="mtools")
    mcopy = runner.require("mcopy", package="mtools")
    out.unlink(missing_ok=True)
    runner.run([mkfs, "-C", "-n", "EFIBOOT", str(out), str(size_kib)])
    runner.run([mmd, "-i", str(out), "::/EFI", "::/EFI/BOOT"])
    runner.run([mcopy, "-i", str(out), str(grub), "::/EFI/BOOT/BOOTX64.EFI"])


def build(
    out: Path,
    *,
    kernel: Path,
    initrds: Sequence[tuple[str, Path]],
    cmdline: str,
    volume: str,
    layout: Layout,
) -> None:
    """``out``: an ISO booting ``kernel`` with ``initrds`` (name on the ISO, file) in order."""
    work = out.parent / f".{out.name}.tree"
    shutil.rmtree(work, ignore_errors=True)
    (work / "isolinux").mkdir(parents=True)
    (work / "boot" / "grub").mkdir(parents=True)
    marker = f".metallab-{volume.lower()}"
    (work / marker).write_text(volume + "\n")
    shutil.copy2(kernel, work / "vmlinuz")
    names = [name for name, _ in initrds]
    for name, path in initrds:
        shutil.copy2(path, work / name)
    shutil.copy2(ISOLINUX / "isolinux.bin", work / "isolinux" / "isolinux.bin")
    shutil.copy2(SYSLINUX_BIOS / "ldlinux.c32", work / "isolinux" / "ldlinux.c32")
    (work / "isolinux" / "isolinux.cfg").write_text(_isolinux_cfg(cmdline, names))
    (work / "boot" / "grub" / "grub.cfg").write_text(_grub_cfg(cmdline, names))
    scratch = out.parent / f".{out.name}.efi"
    scratch.mkdir(exist_ok=True)
    _efi_image(scratch, marker, work / EFI_IMAGE)
    xorriso = runner.require("xorriso", package="xorriso")
    argv = [xorriso, "-as", "mkisofs", "-quiet", "-o", str(out), "-V", volume, "-J", "-R"]
    argv += ["-c", "isolinux/boot.cat", "-b", "isolinux/isolinux.bin", "-no-emul-boot"]
    argv += ["-boot-load-size", "4", "-boot-info-table"]
    if layout is Layout.DISK:
        argv += ["-isohybrid-mbr", str(ISOLINUX / "isohdpfx.bin")]
        argv += ["-eltorito-alt-boot", "-e", "--interval:appended_partition_2:all::"]
        argv += ["-no-emul-boot", "-append_partition", "2", "0xef", str(work / EFI_IMAGE)]
    else:
        argv += ["-eltorito-alt-boot", "-e", EFI_IMAGE, "-no-emul-boot"]
    runner.run([*argv, str(work)], timeout=300)
    shutil.rmtree(work)
    shutil.rmtree(scratch)
