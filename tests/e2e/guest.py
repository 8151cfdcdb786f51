"""A tiny guest for the e2e tests: the Debian cloud kernel plus a busybox initramfs.

The initramfs's ``/init`` prints the SMBIOS system vendor, product and serial it finds in
``/sys/class/dmi/id`` (``DMI_PREFIX`` lines), then ``MARKER`` on the serial console, so a test
knows the guest really reached userspace and saw the lab's SMBIOS data. It then waits for the
ACPI power button (the kernel's ``button`` and ``evdev`` modules, loaded from the initramfs)
and powers off on it, printing ``POWER_BUTTON``: a guest that honours a soft power-off.
``iso`` wraps kernel and initramfs in an isolinux CD (for virtual media), ``ipxe_script`` boots
them over HTTP (for PXE).
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

MARKER = "METALLAB-GUEST-UP"
DMI_PREFIX = "METALLAB-DMI"
POWER_BUTTON = "METALLAB-POWER-BUTTON"
_MODULES = ("kernel/drivers/input/evdev.ko", "kernel/drivers/acpi/button.ko")

_INIT = f"""#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for key in sys_vendor product_name product_serial; do
  echo "{DMI_PREFIX} $key=$(cat /sys/class/dmi/id/$key)"
done
for module in /modules/*.ko; do insmod "$module"; done
for event in /sys/class/input/event*; do
  if [ "$(cat "$event/device/name" 2>/dev/null)" = "Power Button" ]; then
    # One input_event (24 bytes) arrives when the button is pressed.
    (dd if="/dev/input/${{event##*/}}" of=/dev/null bs=24 count=1 2>/dev/null &&
      echo {POWER_BUTTON} && poweroff -f) &
  fi
done
echo {MARKER} $(cat /proc/cmdline)
while true; do sleep 3600; done
"""


def kernel() -> Path | None:
    found = sorted(Path("/boot").glob("vmlinuz-*-cloud-amd64"), reverse=True)
    return found[0] if found else None


def initramfs(directory: Path) -> Path:
    """A gzip'd newc cpio holding busybox, the two modules and /init."""
    root = directory / "initramfs-root"
    for sub in ("bin", "proc", "sys", "dev", "modules"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    shutil.copy("/bin/busybox", root / "bin" / "busybox")
    found = kernel()
    assert found is not None
    release = found.name.removeprefix("vmlinuz-")
    for module in _MODULES:
        shutil.copy(Path("/lib/modules", release, module), root / "modules")
    init = root / "init"
    init.write_text(_INIT)
    init.chmod(0o755)
    names = sorted(str(path.relative_to(root)) for path in root.rglob("*"))
    archive = subprocess.run(
        ["cpio", "--quiet", "-o", "-H", "newc"],
        cwd=root,
        input="\n".join(names).encode(),
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    out = directory / "initrd.img"
    out.write_bytes(gzip.compress(archive))
    return out


def ipxe_script(base_url: str) -> str:
    return (
        "#!ipxe\n"
        f"kernel {base_url}/vmlinuz console=ttyS0 panic=-1 booted=pxe\n"
        f"initrd {base_url}/initrd.img\n"
        "boot\n"
    )


def iso(directory: Path, kernel_path: Path, initrd: Path) -> Path:
    """An isolinux-bootable ISO with the kernel and initramfs."""
    tree = directory / "iso-root"
    (tree / "isolinux").mkdir(parents=True, exist_ok=True)
    shutil.copy("/usr/lib/ISOLINUX/isolinux.bin", tree / "isolinux")
    shutil.copy("/usr/lib/syslinux/modules/bios/ldlinux.c32", tree / "isolinux")
    shutil.copy(kernel_path, tree / "vmlinuz")
    shutil.copy(initrd, tree / "initrd.img")
    (tree / "isolinux" / "isolinux.cfg").write_text(
        "DEFAULT guest\nLABEL guest\n  KERNEL /vmlinuz\n"
        "  APPEND initrd=/initrd.img console=ttyS0 panic=-1 booted=cd\n"
    )
    out = directory / "guest.iso"
    subprocess.run(
        [
            "xorriso",
            "-as",
            "mkisofs",
            "-quiet",
            "-o",
            str(out),
            "-b",
            "isolinux/isolinux.bin",
            "-c",
            "isolinux/boot.cat",
            "-no-emul-boot",
            "-boot-load-size",
            "4",
            "-boot-info-table",
            str(tree),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out
