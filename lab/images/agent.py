"""The agent ramdisk recipe: the generic Debian kernel, busybox, python3.11 and ``agent/``.

``plan`` pins its inputs (packages, the repo's ``agent/`` files, this builder's source);
``assemble`` makes ``vmlinuz``, ``initrd.img`` (zstd newc cpio), ``agent.iso`` (BIOS and UEFI,
initrds ``/initrd.img`` and an empty ``/boot-config.cpio`` the conductor replaces per host)
and ``boot-config.cpio`` (that empty placeholder). ``/init`` follows the deploy-agent
contract in ``docs/agent-ramdisk.md``: modules, DHCP on every NIC, ``STARTING`` on the
console, then ``python3 -m agent`` with ``PYTHONPATH=/opt/metallab``. Called by
``lab.images.build``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from hostkit import errors
from lab.images import debs, initramfs, initscript, iso, kernel, plan, python

NAME = "agent"
CMDLINE = "console=ttyS0"
STARTING = "metallab-agent: starting"
LEASE_WAIT_S = 30  # how long /init waits for a first DHCP lease before starting the agent
RESTARTS = 10  # the agent is restarted this often, then the host powers off
INSTALL_DIR = "opt/metallab"
MODULES = (*kernel.STORAGE, *kernel.NETWORK, *kernel.POWER_BUTTON)
ARTEFACTS = ("vmlinuz", "initrd.img", "agent.iso", "boot-config.cpio")

_UDHCPC_SCRIPT = """#!/bin/sh
# busybox udhcpc calls this with deconfig, bound or renew; $mask is a prefix length.
case "$1" in
  deconfig)
    ip addr flush dev "$interface"
    ip link set "$interface" up
    ;;
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    if [ -n "$router" ]; then
      ip route add default via "${router%% *}" dev "$interface" 2>/dev/null
    fi
    mkdir -p /run/metallab
    echo "$ip" > "/run/metallab/lease-$interface"
    echo "metallab-agent: $interface has $ip" > /dev/console
    ;;
esac
exit 0
"""


def _init() -> str:
    return (
        initscript.prologue("metallab-agent")
        + f"""ip link set lo up
nics=""
for path in /sys/class/net/*; do
  nic=${{path##*/}}
  [ "$nic" = lo ] && continue
  ip link set "$nic" up
  udhcpc -f -i "$nic" -s /etc/metallab/udhcpc.script -t 0 -T 2 -A 2 >/dev/null 2>&1 &
  nics="$nics $nic"
done
if [ -n "$nics" ]; then
  waited=0
  while [ $waited -lt {LEASE_WAIT_S} ] && ! ls /run/metallab/lease-* >/dev/null 2>&1; do
    sleep 1
    waited=$((waited + 1))
  done
fi
echo "{STARTING}"
export PYTHONPATH=/{INSTALL_DIR} HOME=/root
runs=0
while [ $runs -lt {RESTARTS} ]; do
  python3 -m agent
  echo "metallab-agent: the agent exited with status $?"
  runs=$((runs + 1))
  sleep 5
done
echo "metallab-agent: the agent exited {RESTARTS} times, powering off"
poweroff -f
"""
    )


def _check_agent(agent_dir: Path) -> None:
    if not (agent_dir / "__main__.py").is_file():
        raise errors.LabError(
            f"{agent_dir}/__main__.py is missing: the ramdisk runs `python3 -m agent`",
            fix="build from a tree that has the agent package (issue 7), or pass --agent-dir",
        )


def packages() -> tuple[debs.Package, ...]:
    names = (initramfs.BUSYBOX_PACKAGE, *python.PACKAGES, *python.LIBRARY_PACKAGES)
    return (debs.kernel_package(kernel.META_PACKAGE), *debs.resolve(names))


def make_plan(agent_dir: Path, builder: tuple[tuple[str, str], ...]) -> plan.Plan:
    _check_agent(agent_dir)
    agent_files = plan.file_hashes("agent", agent_dir, plan.tree_files(agent_dir))
    return plan.Plan(
        name=NAME,
        packages=packages(),
        files=tuple(sorted(builder + agent_files)),
        settings=(("cmdline", CMDLINE), ("modules", " ".join(MODULES))),
    )


def assemble(tree: Path, agent_dir: Path, out: Path) -> None:
    root = out.parent / "agent-root"
    initramfs.skeleton(root)
    initramfs.busybox(tree, root)
    modules = kernel.install(tree, root, MODULES)
    (root / initscript.MODULES_FILE).parent.mkdir(parents=True, exist_ok=True)
    (root / initscript.MODULES_FILE).write_text("\n".join(modules) + "\n")
    python.install(tree, root)
    target = root / INSTALL_DIR / "agent"
    shutil.copytree(agent_dir, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    python.compile_tree(
        root / "usr" / "bin" / "python3",
        target,
        destination=f"/{INSTALL_DIR}/agent",
        sourceless=False,
    )
    (root / "etc" / "metallab-agent").mkdir(parents=True)
    initramfs.write_script(root / "etc" / "metallab" / "udhcpc.script", _UDHCPC_SCRIPT)
    initramfs.write_script(root / "init", _init())
    shutil.copy2(kernel.vmlinuz(tree), out / "vmlinuz")
    initramfs.pack(root, out / "initrd.img")
    initramfs.empty(out / "boot-config.cpio")
    iso.build(
        out / "agent.iso",
        kernel=out / "vmlinuz",
        initrds=[
            ("initrd.img", out / "initrd.img"),
            ("boot-config.cpio", out / "boot-config.cpio"),
        ],
        cmdline=CMDLINE,
        volume="METALLAB_AGENT",
        layout=iso.Layout.CD,
    )
    shutil.rmtree(root)
