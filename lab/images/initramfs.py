"""An initramfs root: merged-/usr skeleton, busybox and its applets, then the packed archive.

``skeleton`` makes the directories and the ``/bin``, ``/sbin``, ``/lib``, ``/lib64`` links;
``busybox`` installs Debian's ``busybox-static`` with a link per applet; ``pack`` writes the
root as a newc cpio (with a ``/dev/console`` node, which the kernel needs to give ``/init`` a
console) compressed with zstd. Called by the recipes in ``lab.images.agent`` and ``testos``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from hostkit import errors, runner
from lab.images import cpio

BUSYBOX_PACKAGE = "busybox-static"
_LINKS = {"bin": "usr/bin", "sbin": "usr/sbin", "lib": "usr/lib", "lib64": "usr/lib64"}
_DIRS = (
    "usr/bin",
    "usr/sbin",
    "usr/lib",
    "usr/lib64",
    "proc",
    "sys",
    "dev",
    "run",
    "tmp",
    "etc",
    "mnt",
    "root",
    "var",
)
ZSTD_LEVEL = 19


def skeleton(root: Path) -> None:
    for directory in _DIRS:
        (root / directory).mkdir(parents=True, exist_ok=True)
    for link, target in _LINKS.items():
        (root / link).symlink_to(target)


def busybox(tree: Path, root: Path) -> None:
    """busybox at /usr/bin/busybox and one symlink per applet it lists."""
    binary = root / "usr" / "bin" / "busybox"
    shutil.copy2(tree / "bin" / "busybox", binary)
    listing = runner.run([str(binary), "--list-full"]).stdout.split()
    for applet in (name for name in listing if "bin/" in name):
        link = root / "usr" / applet.removeprefix("usr/")
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists() and not link.is_symlink():
            link.symlink_to("/usr/bin/busybox")


def write_script(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)


def pack(root: Path, out: Path) -> None:
    """``root`` as a zstd-compressed newc cpio at ``out``."""
    zstd = runner.require("zstd", package="zstd")
    entries = [*cpio.from_tree(root), cpio.char_device("dev/console", 5, 1)]
    with out.open("wb") as sink:
        compressor = subprocess.Popen(
            [zstd, f"-{ZSTD_LEVEL}", "-T0", "-q", "-c"], stdin=subprocess.PIPE, stdout=sink
        )
        assert compressor.stdin is not None
        cpio.write(compressor.stdin, entries)
        compressor.stdin.close()
        if compressor.wait(timeout=600) != 0:
            raise errors.LabError(
                f"zstd failed compressing {out.name}", fix="check the disk space of the cache"
            )


def empty(out: Path) -> None:
    """An uncompressed cpio with no members: the placeholder a second initrd slot holds."""
    with out.open("wb") as sink:
        cpio.write(sink, [])
