"""The busybox shell pieces every lab image's ``/init`` starts with.

``prologue`` mounts proc/sys/dev, reattaches the console, loads the modules listed in
``MODULES_FILE`` with ``modprobe`` (dependency order from ``modules.dep``) and arms a
power-button watcher, so a BMC's soft power-off (ACPI) really powers the guest off. Pure text;
used by ``lab.images.agent`` and ``lab.images.testos``.
"""

from __future__ import annotations

MODULES_FILE = "etc/metallab/modules"


def prologue(tag: str) -> str:
    """The start of ``/init``; ``tag`` prefixes its console lines (``metallab-agent``)."""
    return f"""#!/bin/sh
export PATH=/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
for module in $(cat /{MODULES_FILE}); do
  modprobe "$module" || echo "{tag}: cannot load kernel module $module"
done
for event in /sys/class/input/event*; do
  if [ "$(cat "$event/device/name" 2>/dev/null)" = "Power Button" ]; then
    # One input_event (24 bytes) arrives when the BMC presses the button.
    (dd if="/dev/input/${{event##*/}}" of=/dev/null bs=24 count=1 2>/dev/null &&
      echo "{tag}: power button, powering off" && poweroff -f) &
  fi
done
"""
