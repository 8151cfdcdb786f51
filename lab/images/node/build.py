"""``metallab image build node``: the node image, built once per set of inputs.

The image lives in ``$METALLAB_CACHE/images/node/<k8s version>-<digest>/`` as ``node.qcow2``
with ``node.qcow2.sha256`` and ``build.json``; the digest covers the modules that make the
image (``recipe.BUILDER_MODULES``), its files and Go modules, the Kubernetes binaries' cache
key, the busybox the test image is made from and the SSH key, so a second build with nothing
changed is a no-op. A build assembles everything in ``<dir>.partial`` and renames it into
place only when complete: a failed or interrupted build leaves nothing a later run would take
as good.
Called by ``lab.cli.image`` and the node image's e2e tests.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hostkit import errors
from lab import paths
from lab.images.node import containers, disk, preload, programs, recipe, rootfs, sshkey
from lab.mgmt import binaries

QCOW2 = "node.qcow2"
RECORD = "build.json"
STEPS = 7


@dataclass(frozen=True)
class Image:
    qcow2: Path
    sha256: str
    record: dict[str, object]


def _sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as data:
        for chunk in iter(lambda: data.read(4 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


def digest(public_key: str) -> str:
    """The cache key of the image's inputs (see the module docstring)."""
    sha = hashlib.sha256(binaries.cache_key().encode())
    sha.update(public_key.encode())
    if containers.BUSYBOX.is_file():
        sha.update(_sha256(containers.BUSYBOX).encode())
    sources = [recipe.HERE / name for name in recipe.BUILDER_MODULES]
    sources += [p for d in (recipe.FILES_DIR, recipe.GO_DIR) for p in d.rglob("*") if p.is_file()]
    for source in sorted(sources):
        sha.update(str(source.relative_to(recipe.HERE)).encode())
        sha.update(source.read_bytes())
    return sha.hexdigest()[:12]


def directory(public_key: str) -> Path:
    return (
        paths.cache() / "images" / "node" / f"{binaries.kubernetes_version()}-{digest(public_key)}"
    )


def check_space(where: Path, needed: int = recipe.NEEDED_BYTES) -> None:
    """Refuse to start a build that cannot finish for lack of disk space."""
    where.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(where).free
    if free < needed:
        raise errors.LabError(
            f"building the node image needs {needed / 2**30:.1f} GiB free in {where}, "
            f"which has {free / 2**30:.1f} GiB",
            fix="free some space there, or set METALLAB_CACHE to a directory on a larger disk",
        )


def load(image_dir: Path) -> Image:
    """The finished image in ``image_dir``, checked against its sha256."""
    qcow2 = image_dir / QCOW2
    rebuild = "run 'metallab image build node --force'"
    if not qcow2.is_file():
        raise errors.LabError(f"the node image {qcow2} is missing", fix=rebuild)
    recorded = (image_dir / f"{QCOW2}.sha256").read_text().split()[0]
    actual = _sha256(qcow2)
    if actual != recorded:
        raise errors.LabError(
            f"the node image {qcow2} is corrupt: its sha256 is {actual[:16]}…, "
            f"not the {recorded[:16]}… recorded when it was built",
            fix=rebuild,
        )
    record = json.loads((image_dir / RECORD).read_text())
    return Image(qcow2, actual, record)


def cached() -> Image | None:
    """The built image of the current inputs, if the cache has it (checked), else None."""
    image_dir = directory(sshkey.ensure())
    if not (image_dir / RECORD).is_file():
        return None
    return load(image_dir)


def _progress(step: int, text: str) -> Callable[[], None]:
    started = time.monotonic()
    print(f"• node image [{step}/{STEPS}] {text}…", file=sys.stderr, flush=True)

    def done() -> None:
        print(f"  done in {time.monotonic() - started:.0f}s", file=sys.stderr, flush=True)

    return done


def _check_root() -> None:
    if os.geteuid() != 0:
        raise errors.LabError(
            "building the node image needs root (debootstrap, chroot, loop mounts)",
            fix="run it as root: sudo metallab image build node",
        )


def _programs() -> dict[str, Path]:
    k8s = binaries.ensure()
    extra = programs.ensure()
    found = {name: k8s.path(name) for name in (*binaries.NODE_COMMANDS, *binaries.COMMANDS)}
    found.update({program.name: extra / program.name for program in recipe.GO_PROGRAMS})
    return found


def _assemble(staging: Path, public_key: str) -> dict[str, object]:
    done = _progress(1, "Go builds: Kubernetes, etcd, CoreDNS, crictl (cached after the first)")
    built = _programs()
    done()
    root = staging / "root"
    done = _progress(2, f"debootstrap Debian {recipe.SUITE} (minutes)")
    mirror_uri = rootfs.debootstrap(root)
    done()
    done = _progress(3, "configure the root: containerd, kubelet, cloud-init, SSH key")
    rootfs.install_files(root)
    node_programs = {name: built[name] for name in (*recipe.NODE_BINARIES, "crictl")}
    rootfs.install_programs(root, node_programs)
    rootfs.install_ssh_key(root, public_key)
    rootfs.enable_services(root)
    done()
    done = _progress(4, "container images (docker archives)")
    version = binaries.kubernetes_version()
    archives = containers.write_all(version, built, root / "tmp" / "images")
    done()
    done = _progress(5, "preload them into the image's containerd")
    imported = preload.import_images(root, [item.tar for item in archives])
    references = [name for name in imported if not name.startswith("sha256:")]
    shutil.rmtree(root / "tmp" / "images")
    missing = sorted({item.reference for item in archives} - set(references))
    if missing:
        raise errors.LabError(f"containerd did not list the imported {', '.join(missing)}")
    rootfs.make_generic(root)
    done()
    done = _progress(6, f"bootable disk (BIOS + UEFI), {recipe.DISK_GIB} GiB, as qcow2")
    kernel, initrd = rootfs.kernel(root)
    disk.make(root, kernel, initrd, staging / QCOW2)
    shutil.rmtree(root)
    done()
    return {
        "kubernetes": version,
        "suite": recipe.SUITE,
        "kernel": kernel,
        "mirror": mirror_uri,
        "images": references,
    }


def ensure(*, force: bool = False) -> Image:
    """The node image, built first if the cache has none for the current inputs."""
    public_key = sshkey.ensure()
    target = directory(public_key)
    if (target / RECORD).is_file() and not force:
        return load(target)
    _check_root()
    check_space(target.parent)
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    started = time.monotonic()
    try:
        record = _assemble(staging, public_key)
        done = _progress(7, "checksum")
        sha = _sha256(staging / QCOW2)
        (staging / f"{QCOW2}.sha256").write_text(f"{sha}  {QCOW2}\n")
        record |= {
            "seconds": round(time.monotonic() - started),
            "bytes": (staging / QCOW2).stat().st_size,
            "cpus": os.cpu_count(),
        }
        (staging / RECORD).write_text(json.dumps(record, indent=2) + "\n")
        done()
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return load(target)
