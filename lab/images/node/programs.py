"""Build the node image's programs that come from Go modules of their own (etcd 3.6.6,
CoreDNS, crictl), cached like the Kubernetes binaries.

Each ``go/<module>/go.mod`` names its program on a ``tool`` line and pins it; the binaries
land in ``$METALLAB_CACHE/node-programs/<digest>/``, keyed by a digest of those modules, so a
second ``ensure`` starts no ``go``. Called by ``lab.images.node.build``.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import sys
import time
from pathlib import Path

from hostkit import errors, runner
from lab import paths
from lab.images.node import recipe
from lab.mgmt import binaries


def digest() -> str:
    sha = hashlib.sha256(repr(recipe.GO_PROGRAMS).encode())
    for source in sorted(recipe.GO_DIR.rglob("*")):
        if source.is_file() and source.suffix in {".go", ".mod", ".sum"}:
            sha.update(str(source.relative_to(recipe.GO_DIR)).encode())
            sha.update(source.read_bytes())
    return sha.hexdigest()[:12]


def directory() -> Path:
    return paths.cache() / "node-programs" / digest()


def tool_package(module_dir: Path) -> tuple[str, str]:
    """The package on the module's ``tool`` line and the version its module is required at."""
    go_mod = (module_dir / "go.mod").read_text()
    tool = re.search(r"^tool (\S+)$", go_mod, re.MULTILINE)
    if tool is None:
        raise errors.LabError(f"{module_dir / 'go.mod'} has no 'tool' line naming the program")
    required = [
        (module, version)
        for module, version in re.findall(r"^\s+(\S+) (v\S+)", go_mod, re.MULTILINE)
        if tool.group(1) == module or tool.group(1).startswith(module + "/")
    ]
    if not required:
        raise errors.LabError(f"{module_dir / 'go.mod'} does not require {tool.group(1)}")
    return tool.group(1), max(required, key=lambda pair: len(pair[0]))[1]


def ensure() -> Path:
    """The directory holding every program of ``recipe.GO_PROGRAMS``, built if needed."""
    target = directory()
    if (target / ".complete").exists():
        return target
    go = binaries.check_go()
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    env = dict(os.environ, CGO_ENABLED="0", GOTOOLCHAIN="local", GOFLAGS="-mod=readonly")
    for program in recipe.GO_PROGRAMS:
        module_dir = recipe.GO_DIR / program.module
        package, version = tool_package(module_dir)
        ldflags = "-s -w"
        if program.version_variable:
            ldflags += f" -X {program.version_variable}={version}"
        print(f"  • go build {package}@{version}", file=sys.stderr, flush=True)
        started = time.monotonic()
        runner.run(
            [
                go,
                "build",
                "-trimpath",
                "-ldflags",
                ldflags,
                "-o",
                str(staging / program.name),
                package,
            ],
            cwd=module_dir,
            env=env,
            timeout=3600,
        )
        print(f"    built in {time.monotonic() - started:.0f}s", file=sys.stderr, flush=True)
    (staging / ".complete").write_text("")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return target
