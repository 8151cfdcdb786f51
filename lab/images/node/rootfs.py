"""The node image's root tree: ``debootstrap`` of Debian trixie from the build machine's
mirror, then the image's own files, programs, SSH key and enabled services.

Called by ``lab.images.node.build`` on a directory inside the build's staging area (root
only: debootstrap chroots). A failed debootstrap becomes one error naming the package.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from hostkit import errors, runner
from lab.images.node import mirror, recipe

SERVICES = ("containerd", "kubelet", "ssh")


def debootstrap_failure(output: str, log: str, mirror_uri: str) -> errors.LabError:
    """The one error for a failed debootstrap, naming the package when its output does."""
    text = output + "\n" + log
    missing = re.search(r"Couldn't find these debs: (.+)", text)
    if missing:
        return errors.LabError(
            f"debootstrap: the mirror {mirror_uri} has no package {missing.group(1).strip()} "
            f"in Debian {recipe.SUITE}",
            fix="check the package name in lab/images/node/recipe.py PACKAGES (Debian "
            f"{recipe.SUITE} names) or point apt at a mirror that carries {recipe.SUITE}",
        )
    download = re.search(r"Couldn't download (?:package|packages:) (\S+)", text)
    if download:
        return errors.LabError(
            f"debootstrap could not download {download.group(1)} from {mirror_uri}",
            fix="check that the mirror in /etc/apt/sources.list(.d) is reachable "
            "('apt-get update' works) and re-run",
        )
    package = re.findall(r"dpkg: error processing (?:package|archive) (\S+)", log)
    if package:
        return errors.LabError(
            f"debootstrap: package {package[-1]} failed to install in the new root",
            fix="see debootstrap.log in the build directory named above; fix or drop the "
            "package in lab/images/node/recipe.py PACKAGES and re-run",
        )
    last = " | ".join(output.strip().splitlines()[-3:])
    return errors.LabError(
        f"debootstrap of Debian {recipe.SUITE} from {mirror_uri} failed: {last}",
        fix="check that 'apt-get update' works with the mirror in /etc/apt and re-run",
    )


def debootstrap(root: Path, packages: Iterable[str] = recipe.PACKAGES) -> str:
    """Install the base system into ``root``; return the mirror used."""
    runner.require("debootstrap", package="debootstrap")
    uri = mirror.debian_mirror()
    argv = [
        "debootstrap",
        "--variant=minbase",
        f"--include={','.join(packages)}",
        recipe.SUITE,
        str(root),
        uri,
    ]
    done = runner.run(argv, timeout=3600, check=False)
    if done.returncode != 0:
        log = root / "debootstrap" / "debootstrap.log"
        text = log.read_text(errors="replace") if log.is_file() else ""
        raise debootstrap_failure(done.stdout + done.stderr, text, uri)
    return uri


def install_files(root: Path) -> None:
    """Copy ``files/`` over the root (containerd, kubelet unit, cloud-init, sysctl, …)."""
    shutil.copytree(recipe.FILES_DIR, root, dirs_exist_ok=True)


def install_programs(root: Path, programs: dict[str, Path]) -> None:
    bin_dir = root / "usr" / "local" / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name, source in programs.items():
        shutil.copy(source, bin_dir / name)
        (bin_dir / name).chmod(0o755)


def install_ssh_key(root: Path, public_key: str) -> None:
    ssh = root / "root" / ".ssh"
    ssh.mkdir(mode=0o700, parents=True, exist_ok=True)
    (ssh / "authorized_keys").write_text(public_key.strip() + "\n")
    (ssh / "authorized_keys").chmod(0o600)


def make_generic(root: Path) -> None:
    """Forget what makes this root one machine: host keys, machine ID, apt's downloads."""
    for key in (root / "etc" / "ssh").glob("ssh_host_*"):
        key.unlink()
    (root / "etc" / "machine-id").write_text("")
    (root / "etc" / "hostname").write_text("localhost\n")
    for deb in (root / "var" / "cache" / "apt" / "archives").glob("*.deb"):
        deb.unlink()


def enable_services(root: Path) -> None:
    runner.run(["chroot", str(root), "systemctl", "enable", *SERVICES], timeout=120)


def kernel(root: Path) -> tuple[str, str]:
    """The installed kernel and initrd, as paths inside the root (``/boot/…``)."""
    kernels = sorted((root / "boot").glob("vmlinuz-*"))
    if not kernels:
        raise errors.LabError(
            f"no kernel in {root}/boot after debootstrap",
            fix="keep linux-image-amd64 in lab/images/node/recipe.py PACKAGES",
        )
    version = kernels[-1].name.removeprefix("vmlinuz-")
    initrd = root / "boot" / f"initrd.img-{version}"
    if not initrd.is_file():
        raise errors.LabError(
            f"no initrd for kernel {version} in {root}/boot",
            fix="keep initramfs-tools installable (linux-image-amd64 depends on it) and re-run",
        )
    return f"/boot/vmlinuz-{version}", f"/boot/initrd.img-{version}"
