"""The lab's storage pool and the hosts' disk volumes in it.

The pool is a directory pool named ``default`` inside the lab's libvirtd (sushy-tools' virtual
media uploads its ISOs there and fails without it), backed by ``<state>/pool``. Each host disk
is a sparse qcow2 volume ``<host>-disk<N>.qcow2``. Called by ``lab.up``, ``lab.down`` and
``lab.hardware.domains`` (volume names).
"""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import libvirt

from hostkit import errors
from lab.config import model
from lab.hardware import layout

POOL = "default"


def volume_name(host: model.Host, index: int) -> str:
    return f"{host.name}-disk{index}.qcow2"


def _pool(conn: libvirt.virConnect) -> libvirt.virStoragePool | None:
    try:
        return conn.storagePoolLookupByName(POOL)
    except libvirt.libvirtError:
        return None


def ensure(conn: libvirt.virConnect, state: Path) -> libvirt.virStoragePool:
    found = _pool(conn)
    try:
        if found is None:
            layout.pool_dir(state).mkdir(parents=True, exist_ok=True)
            root = ET.Element("pool", type="dir")
            ET.SubElement(root, "name").text = POOL
            target = ET.SubElement(root, "target")
            ET.SubElement(target, "path").text = str(layout.pool_dir(state))
            found = conn.storagePoolDefineXML(ET.tostring(root, encoding="unicode"))
        if not found.isActive():
            found.create()
        found.refresh()
    except libvirt.libvirtError as err:
        raise errors.LabError(
            f"cannot start the lab's storage pool: {err}",
            fix=f"check that {layout.pool_dir(state)} is writable",
        ) from err
    return found


def ensure_volumes(pool: libvirt.virStoragePool, host: model.Host) -> None:
    existing = set(pool.listVolumes())
    for index, disk in enumerate(host.disks):
        name = volume_name(host, index)
        if name in existing:
            continue
        root = ET.Element("volume")
        ET.SubElement(root, "name").text = name
        ET.SubElement(root, "capacity", unit="GiB").text = str(disk.size_gib)
        ET.SubElement(root, "allocation").text = "0"
        target = ET.SubElement(root, "target")
        ET.SubElement(target, "format", type="qcow2")
        try:
            pool.createXML(ET.tostring(root, encoding="unicode"), 0)
        except libvirt.libvirtError as err:
            raise errors.LabError(
                f"cannot create disk {name} of host {host.name}: {err}",
                fix="check free space in the lab's state directory",
            ) from err


def remove(conn: libvirt.virConnect) -> None:
    """Delete every volume (ours and uploaded ISOs), then the pool."""
    found = _pool(conn)
    if found is None:
        return
    if found.isActive():
        found.refresh()
        for name in found.listVolumes():
            found.storageVolLookupByName(name).delete()
        found.destroy()
    found.undefine()
