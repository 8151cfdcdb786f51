"""Import the container images into the root's containerd at build time, so the node starts
with them unpacked (importing at boot costs over a minute under software emulation).

Runs the root's own containerd and ``ctr`` in a chroot inside a private mount namespace
(``unshare -m``: the proc/tmpfs mounts vanish with it), on a socket of its own, then stops
it. Called by ``lab.images.node.build``; root only.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path

from hostkit import runner

NAMESPACE = "k8s.io"  # the kubelet's CRI looks in this containerd namespace
_SOCKET = "/run/metallab-build/containerd.sock"

_SCRIPT = """
set -eu
mount -t proc proc /proc
mount -t tmpfs tmpfs /run
mkdir -p /run/metallab-build
containerd --config /etc/containerd/config.toml --address {socket} \
  >/run/metallab-build/containerd.log 2>&1 &
daemon=$!
tries=0
until ctr --address {socket} version >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -gt 120 ]; then
    echo "containerd did not start within 60 s:" >&2
    tail -5 /run/metallab-build/containerd.log >&2
    exit 1
  fi
  sleep 0.5
done
for tar in {tars}; do
  ctr --address {socket} -n {namespace} images import "$tar" >/dev/null
done
ctr --address {socket} -n {namespace} images list -q
kill "$daemon"
wait "$daemon" || true
umount /run /proc
"""


def import_images(root: Path, tars: Sequence[Path]) -> list[str]:
    """Import ``tars`` (paths inside ``root``) into its containerd; return the references."""
    script = _SCRIPT.format(
        socket=_SOCKET,
        namespace=NAMESPACE,
        tars=" ".join(shlex.quote("/" + str(tar.relative_to(root))) for tar in tars),
    )
    done = runner.run(
        ["unshare", "--mount", "--propagation", "private", "chroot", str(root), "sh", "-c", script],
        timeout=1800,
    )
    return sorted(line for line in done.stdout.split() if line)
