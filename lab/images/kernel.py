"""The kernel of the lab's boot images and the subset of its modules an initramfs carries.

The generic Debian kernel (``linux-image-amd64``: the cloud kernel has no AHCI) is unpacked
from its .deb; ``depmod`` over that tree gives ``modules.dep``, from which ``closure`` takes
every module the wanted ones need (never a hard-coded order). ``install`` copies them into an
initramfs root and runs ``depmod`` there, so busybox ``modprobe`` loads them in dependency
order at boot. Called by the recipes in ``lab.images.agent`` and ``lab.images.testos``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

from hostkit import errors, runner

META_PACKAGE = "linux-image-amd64"

# What a lab host's disks, CD-ROMs and NICs need: virtio, SATA/AHCI (q35), PIIX IDE (i440fx
# CD-ROMs), SCSI disks and CDs, NVMe, e1000/e1000e, ISO9660, and the ACPI power button.
STORAGE = (
    "virtio_pci",
    "virtio_blk",
    "virtio_scsi",
    "ahci",
    "ata_piix",
    "sd_mod",
    "sr_mod",
    "cdrom",
    "nvme",
    "isofs",
)
NETWORK = ("virtio_net", "e1000", "e1000e")
POWER_BUTTON = ("button", "evdev")


def release(tree: Path) -> str:
    """The one kernel release unpacked under ``tree``."""
    found = sorted(p.name for p in (tree / "lib" / "modules").iterdir() if p.is_dir())
    if len(found) != 1:
        raise errors.LabError(
            f"expected one kernel under {tree}/lib/modules, found {found}",
            fix="remove the image build directory and rebuild",
        )
    return found[0]


def vmlinuz(tree: Path) -> Path:
    return tree / "boot" / f"vmlinuz-{release(tree)}"


def _name(path: str) -> str:
    return Path(path).name.removesuffix(".ko").replace("-", "_")


def _depmod(base: Path, version: str) -> None:
    depmod = runner.require("depmod", package="kmod")
    runner.run([depmod, "-b", str(base), version], timeout=300)


def parse_dep(text: str) -> dict[str, tuple[str, list[str]]]:
    """``modules.dep`` as module name → (its path, the paths it needs)."""
    table = {}
    for line in text.splitlines():
        path, sep, needs = line.partition(":")
        if sep:
            table[_name(path)] = (path, needs.split())
    return table


def closure(
    dep: dict[str, tuple[str, list[str]]], builtin: set[str], wanted: Iterable[str]
) -> list[str]:
    """The module files needed to load ``wanted`` (built-in ones need none), sorted."""
    paths: set[str] = set()
    missing = []
    for name in wanted:
        if name in builtin:
            continue
        if name not in dep:
            missing.append(name)
            continue
        path, needs = dep[name]
        paths.update([path, *needs])
    if missing:
        raise errors.LabError(
            f"the kernel has no module {', '.join(missing)}",
            fix="choose modules from its modules.dep, or a kernel package that has them",
        )
    return sorted(paths)


def install(tree: Path, root: Path, wanted: Iterable[str]) -> list[str]:
    """Copy ``wanted`` and their dependencies into ``root``; returns the module names a boot
    script should ``modprobe`` (the built-in ones left out)."""
    version = release(tree)
    source = tree / "lib" / "modules" / version
    if not (source / "modules.dep").exists():
        _depmod(tree, version)
    builtin = {_name(line) for line in (source / "modules.builtin").read_text().split()}
    names = list(wanted)
    target = root / "usr" / "lib" / "modules" / version
    for path in closure(parse_dep((source / "modules.dep").read_text()), builtin, names):
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / path, target / path)
    for index in ("modules.builtin", "modules.builtin.modinfo", "modules.order"):
        shutil.copy2(source / index, target / index)
    _depmod(root, version)
    return [name for name in names if name not in builtin]
