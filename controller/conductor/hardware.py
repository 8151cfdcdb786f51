"""An agent's inventory as BMO's hardware details (``status.hardware`` and the HardwareData
object): the same field names and units BMO's Ironic mapping produces — NIC ``pxe`` from the
boot MAC, ``model`` as "vendor product", storage ``alternateNames`` from by-path, speeds in
Gbps. Called by the ``direct`` provisioner when inspection finishes."""

from __future__ import annotations

from typing import Any

from controller.conductor import wire


def details(inventory: wire.Inventory, boot_mac: str) -> dict[str, Any]:
    cpu, system = inventory.cpu, inventory.system
    return {
        "cpu": {
            "arch": cpu.architecture,
            "model": cpu.model,
            "clockMegahertz": cpu.frequency_mhz,
            "flags": sorted(cpu.flags),
            "count": cpu.count,
        },
        "ramMebibytes": inventory.memory_physical_mb,
        "nics": [
            {
                "name": nic.name,
                "model": f"{nic.vendor} {nic.product}".strip(),
                "mac": nic.mac,
                "ip": nic.ipv4,
                "speedGbps": nic.speed_mbps // 1000,
                "pxe": nic.mac == boot_mac.lower(),
            }
            for nic in inventory.nics
        ],
        "storage": [
            {
                "name": disk.name,
                "alternateNames": [disk.by_path] if disk.by_path else [],
                "rotational": disk.rotational,
                "type": disk.type,
                "sizeBytes": disk.size,
                "wwn": disk.wwn,
                "wwnWithExtension": disk.wwn_with_extension,
                "wwnVendorExtension": disk.wwn_vendor_extension,
                "vendor": disk.vendor,
                "model": disk.model,
                "serialNumber": disk.serial,
                "hctl": disk.hctl,
            }
            for disk in inventory.disks
        ],
        "systemVendor": {
            "manufacturer": system.manufacturer,
            "productName": system.product_name,
            "serialNumber": system.serial_number,
        },
        "firmware": {
            "bios": {
                "date": system.bios_date,
                "vendor": system.bios_vendor,
                "version": system.bios_version,
            }
        },
        "hostname": inventory.hostname,
    }
