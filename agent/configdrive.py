"""The config drive: an ISO9660 volume labelled ``config-2`` holding
``openstack/latest/{meta_data.json,user_data,network_data.json}`` (OpenStack's layout, which
cloud-init reads), written into a new partition at the end of the root disk after the image.
Called by ``orders`` for deploy."""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any

from agent import iso9660, partitions

LABEL = "config-2"


@dataclasses.dataclass(frozen=True)
class ConfigDrive:
    meta_data: dict[str, Any]
    user_data: bytes | None = None
    network_data: dict[str, Any] | None = None


def image(drive: ConfigDrive) -> bytes:
    files = {"openstack/latest/meta_data.json": json.dumps(drive.meta_data).encode()}
    if drive.user_data is not None:
        files["openstack/latest/user_data"] = drive.user_data
    if drive.network_data is not None:
        files["openstack/latest/network_data.json"] = json.dumps(drive.network_data).encode()
    return iso9660.build(LABEL, files)


def write(device: str, drive: ConfigDrive) -> partitions.Partition:
    """Append a partition at the end of ``device`` and write the config drive into it."""
    data = image(drive)
    fd = os.open(device, os.O_RDWR)
    try:
        part = partitions.append(fd, len(data))
        partitions.write_at(fd, data, part.start)
        os.fsync(fd)
    finally:
        os.close(fd)
    return part
