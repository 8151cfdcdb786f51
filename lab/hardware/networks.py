"""The lab networks as libvirt networks: an isolated bridge with dnsmasq DHCP (and PXE).

``xml`` is pure (unit-tested); on the provisioning network it hands iPXE clients the lab's
generic script that chains to the conductor. ``ensure`` defines and starts a network in the
lab's libvirtd if it is missing and leaves a running one alone; ``remove`` destroys and
undefines it, which also stops its dnsmasq. Each host NIC gets a fixed lease so its address
never changes. Called by ``lab.up`` and ``lab.down``.
"""

from __future__ import annotations

import ipaddress
from xml.etree import ElementTree as ET

import libvirt

from hostkit import errors
from lab.config import model
from lab.hardware import layout


def address(lab: model.Lab, host: model.Host, nic: model.Nic) -> ipaddress.IPv4Address:
    """The fixed DHCP address of ``nic``: host i gets the i-th address of the DHCP range."""
    first, _ = lab.network(nic.network).dhcp_range
    index = lab.hosts.index(host)
    same_net = [n for n in host.nics if n.network is nic.network]
    return first + index * len(same_net) + same_net.index(nic)


def xml(lab: model.Lab, net: model.Network, *, chain_url: str | None = None) -> str:
    """The network's libvirt XML; iPXE clients on the provisioning network get ``chain_url``
    (the lab's generic script chaining to the conductor) unless the lab file names a boot
    file."""
    root = ET.Element("network")
    ET.SubElement(root, "name").text = net.name.value
    ET.SubElement(root, "bridge", name=layout.bridge(net.name), stp="off", delay="0")
    ip = ET.SubElement(root, "ip", address=str(net.gateway), netmask=str(net.cidr.netmask))
    if net.cidr.prefixlen % 8 == 0:
        # Answer reverse lookups locally; libvirt can only name the PTR zone of an
        # octet-aligned prefix and refuses localPtr for a /26 or /28 (both are allowed here).
        ip.set("localPtr", "yes")
    if net.pxe is not None and net.pxe.tftp_root:
        ET.SubElement(ip, "tftp", root=net.pxe.tftp_root)
    dhcp = ET.SubElement(ip, "dhcp")
    first, last = net.dhcp_range
    ET.SubElement(dhcp, "range", start=str(first), end=str(last))
    for host in lab.hosts:
        for nic in host.nics:
            if nic.network is net.name:
                ET.SubElement(
                    dhcp, "host", mac=nic.mac, name=host.name, ip=str(address(lab, host, nic))
                )
    if net.pxe is not None:
        ET.SubElement(dhcp, "bootp", file=net.pxe.boot_file)
    elif chain_url is not None and net.name is model.NetworkName.PROVISIONING:
        ET.SubElement(dhcp, "bootp", file=chain_url)
    return ET.tostring(root, encoding="unicode")


def _lookup(conn: libvirt.virConnect, name: str) -> libvirt.virNetwork | None:
    try:
        return conn.networkLookupByName(name)
    except libvirt.libvirtError:
        return None


def ensure(
    conn: libvirt.virConnect, lab: model.Lab, net: model.Network, *, chain_url: str | None = None
) -> None:
    found = _lookup(conn, net.name.value)
    try:
        if found is None:
            found = conn.networkDefineXML(xml(lab, net, chain_url=chain_url))
        if not found.isActive():
            found.create()
        found.setAutostart(False)
    except libvirt.libvirtError as err:
        raise errors.LabError(
            f"cannot start the lab's {net.name.value} network: {err}",
            fix="see the lab's libvirtd log (logs/libvirtd.log in its state directory)",
        ) from err


def remove(conn: libvirt.virConnect, name: model.NetworkName) -> None:
    found = _lookup(conn, name.value)
    if found is None:
        return
    if found.isActive():
        found.destroy()
    found.undefine()
