"""The test OS recipe: a tiny disk image that proves a host booted what was written to it.

The image is a hybrid ISO laid out as an MBR disk (``iso.Layout.DISK``: isolinux for BIOS,
GRUB on an EFI partition for UEFI) holding the generic Debian kernel and a busybox initramfs.
Its ``/init`` finds the config drive by its ``config-2`` label (as cloud-init does), prints
``meta_data.json`` and every line of ``user_data`` with the ``PREFIX`` on the serial console,
then ``READY``. ``assemble`` writes ``testos.img`` (raw) and its ``.sha256``. Called by
``lab.images.build``; deployed by the e2e tests and ``make bench``.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from lab.images import debs, initramfs, initscript, iso, kernel, plan

NAME = "testos"
IMAGE = "testos.img"
CMDLINE = "console=ttyS0 quiet"
PREFIX = "metallab-testos:"
BOOTED = f"{PREFIX} booted"
READY = f"{PREFIX} ready"
NO_CONFIG_DRIVE = f"{PREFIX} no config drive"
CONFIG_DRIVE_WAIT_S = 20
MODULES = (*kernel.STORAGE, *kernel.POWER_BUTTON)
ARTEFACTS = (IMAGE, f"{IMAGE}.sha256")


def _init() -> str:
    return (
        initscript.prologue("metallab-testos")
        + f"""echo "{BOOTED} $(uname -r)"
found=""
waited=0
while [ -z "$found" ] && [ $waited -lt {CONFIG_DRIVE_WAIT_S} ]; do
  found=$(findfs LABEL=config-2 2>/dev/null)
  [ -z "$found" ] && sleep 1
  waited=$((waited + 1))
done
if [ -n "$found" ] && mount -t iso9660 -o ro "$found" /mnt; then
  echo "{PREFIX} config drive $found"
  echo "{PREFIX} meta_data $(cat /mnt/openstack/latest/meta_data.json)"
  if [ -f /mnt/openstack/latest/user_data ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      echo "{PREFIX} user_data $line"
    done < /mnt/openstack/latest/user_data
  fi
  echo "{READY}"
else
  echo "{NO_CONFIG_DRIVE}"
fi
while true; do sleep 3600; done
"""
    )


def packages() -> tuple[debs.Package, ...]:
    return (debs.kernel_package(kernel.META_PACKAGE), *debs.resolve([initramfs.BUSYBOX_PACKAGE]))


def make_plan(builder: tuple[tuple[str, str], ...]) -> plan.Plan:
    return plan.Plan(
        name=NAME,
        packages=packages(),
        files=builder,
        settings=(("cmdline", CMDLINE), ("modules", " ".join(MODULES))),
    )


def assemble(tree: Path, out: Path) -> None:
    root = out.parent / "testos-root"
    initramfs.skeleton(root)
    initramfs.busybox(tree, root)
    modules = kernel.install(tree, root, MODULES)
    (root / initscript.MODULES_FILE).parent.mkdir(parents=True, exist_ok=True)
    (root / initscript.MODULES_FILE).write_text("\n".join(modules) + "\n")
    initramfs.write_script(root / "init", _init())
    initrd = out.parent / "testos-initrd.img"
    initramfs.pack(root, initrd)
    image = out / IMAGE
    iso.build(
        image,
        kernel=kernel.vmlinuz(tree),
        initrds=[("initrd.img", initrd)],
        cmdline=CMDLINE,
        volume="METALLAB_TESTOS",
        layout=iso.Layout.DISK,
    )
    digest = hashlib.sha256(image.read_bytes()).hexdigest()
    (out / f"{IMAGE}.sha256").write_text(f"{digest}  {IMAGE}\n")
    shutil.rmtree(root)
    initrd.unlink()
