"""Choose the VMs' acceleration: KVM only when a guest really boots under it, else TCG.

``/dev/kvm`` existing is not proof: on the project's machines KVM guests hang while the kernel
decompresses. So ``probe`` boots the host's own kernel (no root disk: it panics at once, which
is the sign it ran) under ``-accel kvm`` with a timeout. ``resolve`` maps the lab's
``auto|kvm|tcg`` to a concrete mode and caches a probe per kernel release in the metallab cache.
Called by ``lab.up``.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from hostkit import errors, runner
from lab import paths
from lab.config import model

log = logging.getLogger(__name__)

PROBE_TIMEOUT = 20.0
MARKER = "Kernel panic"


def guest_kernel() -> Path | None:
    """The host's own kernel to boot as the probe guest: the last readable ``/boot/vmlinuz-*``
    in name order (any flavour will do: it only has to reach its panic)."""
    found = sorted(Path("/boot").glob("vmlinuz-*"), reverse=True)
    return next((path for path in found if os.access(path, os.R_OK)), None)


def probe(
    kernel: Path, *, accelerator: str = "kvm", timeout: float = PROBE_TIMEOUT
) -> tuple[bool, str]:
    """Boot ``kernel`` under ``accelerator`` (``kvm``; ``tcg`` checks the probe itself)."""
    if accelerator == "kvm" and not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False, "/dev/kvm is missing or not accessible"
    qemu = runner.require("qemu-system-x86_64", package="qemu-system-x86")
    # -nodefaults already drops the default NIC; -nic none says so for the next reader.
    argv = [qemu, "-accel", accelerator, "-m", "128", "-nodefaults", "-nic", "none"]
    argv += ["-display", "none"]
    argv += ["-no-reboot", "-serial", "stdio", "-kernel", str(kernel)]
    argv += ["-append", "console=ttyS0 panic=-1"]
    try:
        done = runner.run(argv, timeout=timeout, check=False)
    except runner.CommandError:
        return False, f"a {accelerator} guest did not boot within {timeout:g}s"
    if MARKER in done.stdout:
        return True, f"a {accelerator} guest booted"
    tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-2:])
    return False, f"a {accelerator} guest failed: {tail or 'no output'}"


def _cache_file() -> Path:
    return paths.cache() / f"kvm-probe-{os.uname().release}.json"


def _cached_probe() -> tuple[bool, str]:
    cache = _cache_file()
    try:
        data = json.loads(cache.read_text())
        return bool(data["works"]), str(data["why"])
    except (OSError, ValueError, KeyError):
        pass
    kernel = guest_kernel()
    if kernel is None:
        return False, "no readable kernel in /boot to probe KVM with"
    works, why = probe(kernel)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"works": works, "why": why}))
    return works, why


def resolve(wanted: model.Acceleration) -> model.Acceleration:
    if wanted is model.Acceleration.TCG:
        return wanted
    works, why = _cached_probe()
    if works:
        return model.Acceleration.KVM
    if wanted is model.Acceleration.KVM:
        raise errors.LabError(
            f"acceleration kvm was asked for but {why}",
            fix=f"set spec.acceleration: tcg (or auto); delete {_cache_file()} to probe again",
        )
    log.info("using TCG: %s", why)
    return model.Acceleration.TCG
