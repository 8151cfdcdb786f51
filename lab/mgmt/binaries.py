"""Build and cache the Kubernetes binaries of the embedded management cluster.

``lab/k8s`` is a dedicated Go module requiring one ``k8s.io/kubernetes`` release with every
staging module replaced by its matching ``v0.Y.Z``; it builds kube-apiserver,
kube-controller-manager, kubectl and the etcd that release pins. Binaries land in the cache
(``$METALLAB_CACHE/k8s/<version>-<digest>/``), keyed by the version and a digest of the
module's sources, so a second ``ensure`` is a no-op that does not even start ``go``.
Called by the embedded provider, ``metallab mgmt build`` and ``.ci/run``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from hostkit import errors, runner
from lab import paths

log = logging.getLogger(__name__)

MODULE_DIR = Path(__file__).resolve().parent.parent / "k8s"
COMMANDS = ("etcd", "kube-apiserver", "kube-controller-manager", "kubectl")


@dataclass(frozen=True)
class Binaries:
    version: str
    directory: Path

    def path(self, command: str) -> Path:
        return self.directory / command


def kubernetes_version() -> str:
    """The ``k8s.io/kubernetes`` version the Go module requires (its one source of truth)."""
    found = re.search(r"^\s*(?:require\s+)?k8s\.io/kubernetes (v\S+)$", _go_mod(), re.MULTILINE)
    if found is None:
        raise errors.LabError(f"{MODULE_DIR / 'go.mod'} does not require k8s.io/kubernetes")
    return found.group(1)


def _go_mod() -> str:
    return (MODULE_DIR / "go.mod").read_text()


def _go_directive() -> tuple[int, int]:
    found = re.search(r"^go (\d+)\.(\d+)", _go_mod(), re.MULTILINE)
    assert found is not None
    return int(found.group(1)), int(found.group(2))


def _go_minimum() -> str:
    return ".".join(map(str, _go_directive()))


def _digest(ldflags: str) -> str:
    sha = hashlib.sha256(ldflags.encode())
    for source in sorted(MODULE_DIR.rglob("*")):
        if source.is_file() and source.suffix in {".go", ".mod", ".sum"}:
            sha.update(str(source.relative_to(MODULE_DIR)).encode())
            sha.update(source.read_bytes())
    return sha.hexdigest()[:12]


def _ldflags(version: str) -> str:
    major, minor = version.lstrip("v").split(".")[:2]
    flags = ["-s", "-w"]
    for package in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += [
            f"-X {package}.gitVersion={version}",
            f"-X {package}.gitMajor={major}",
            f"-X {package}.gitMinor={minor}",
            f"-X {package}.gitTreeState=clean",
        ]
    return " ".join(flags)


def cached() -> Binaries | None:
    """The built binaries if they are in the cache, without building."""
    version = kubernetes_version()
    directory = paths.cache() / "k8s" / f"{version}-{_digest(_ldflags(version))}"
    if (directory / ".complete").exists():
        return Binaries(version, directory)
    return None


def _check_go() -> str:
    go = shutil.which("go")
    if go is None:
        raise runner.MissingBinary(
            "the Go toolchain is not installed; it builds the Kubernetes binaries",
            fix=f"install Go >= {_go_minimum()} (https://go.dev/doc/install) and re-run",
        )
    found = re.search(r"go(\d+)\.(\d+)", runner.run([go, "version"]).stdout)
    if found is None or (int(found.group(1)), int(found.group(2))) < _go_directive():
        raise errors.LabError(
            f"{go} is too old to build Kubernetes {kubernetes_version()}",
            fix=f"install Go >= {_go_minimum()} and re-run",
        )
    return go


def ensure() -> Binaries:
    """Return the cached binaries, building them first if needed (cold: tens of minutes)."""
    built = cached()
    if built is not None:
        return built
    version = kubernetes_version()
    ldflags = _ldflags(version)
    target = paths.cache() / "k8s" / f"{version}-{_digest(ldflags)}"
    go = _check_go()
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    print(
        f"• Building Kubernetes {version} ({', '.join(COMMANDS)}) from Go modules "
        "— first time only, takes a while on 2 cores…",
        file=sys.stderr,
        flush=True,
    )
    started = time.monotonic()
    # readonly: go.mod and go.sum are complete, and a build must never rewrite them in the repo
    env = dict(os.environ, CGO_ENABLED="0", GOTOOLCHAIN="local", GOFLAGS="-mod=readonly")
    runner.run(
        [go, "build", "-trimpath", "-ldflags", ldflags, "-o", f"{staging}/", "./cmd/..."],
        cwd=MODULE_DIR,
        env=env,
        timeout=3600,
    )
    missing = [c for c in COMMANDS if not (staging / c).exists()]
    if missing:
        raise errors.LabError(f"go build produced no {', '.join(missing)} in {staging}")
    seconds = time.monotonic() - started
    build = {
        "version": version,
        "seconds": round(seconds),
        "cpus": os.cpu_count(),
        "at": time.time(),
    }
    (staging / ".complete").write_text(json.dumps(build) + "\n")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    print(f"✓ Built Kubernetes {version} in {seconds:.0f}s → {target}", file=sys.stderr)
    return Binaries(version, target)
