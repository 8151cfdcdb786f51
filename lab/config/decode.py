"""Turn a lab file document into a ``model.Lab``: strict keys, built-in defaults, derived ids.

Called by ``lab.config.load``. The document's shape::

    apiVersion: metallab.dev/v1alpha1
    kind: Lab
    spec:
      acceleration: auto            # auto | kvm | tcg
      networks:
        provisioning: {cidr: 172.22.0.0/24, pxe: {bootFile: boot.ipxe, tftpRoot: /srv/tftp}}
        external: {cidr: 192.168.111.0/24}
      bmc: {protocol: redfish, address: 127.0.0.1, ipmiPortBase: 6230, redfishPort: 8000,
            username: admin}
      hostDefaults: {cpus: 1, memoryMiB: 1024, bootMode: legacy, bmc: ipmi, vendor: …,
                     product: …, disks: [{sizeGiB: 20}], nics: [{network: provisioning}]}
      hosts: 2                      # a count (node-0, node-1) or a list of host mappings

A host's setting wins over ``hostDefaults``, which wins over the built-in default. The default
CIDRs and BMC ports above are those of the lab named ``metallab``; any other name gets its own,
derived from the name (``identity.default_cidrs``/``default_bmc_ports``).
"""

from __future__ import annotations

import ipaddress

from lab.config import identity, model, reader

DEFAULT_HOSTS = 2
# Checked before any host is built: a count of 10**20 must not allocate anything first.
MAX_HOSTS = 500
BMC_ADDRESS = "127.0.0.1"  # the only address the BMCs bind (vbmc listens on loopback only)
DEFAULT_NICS = (model.NetworkName.PROVISIONING, model.NetworkName.EXTERNAL)


def decode(document: object, *, name: str, hosts: int | None = None) -> model.Lab:
    """Decode ``document`` (parsed YAML) for the lab ``name``; ``hosts`` overrides the count."""
    top = reader.Mapping(document, "")
    api_version = top.string("apiVersion")
    if api_version != model.API_VERSION:
        raise reader.fail(
            "apiVersion",
            f"{api_version!r} is not supported",
            f"write apiVersion: {model.API_VERSION}",
        )
    if top.string("kind") != model.KIND:
        raise reader.fail("kind", "must be Lab", f"write kind: {model.KIND}")
    spec = top.mapping("spec") or reader.Mapping({}, "spec")
    top.finish()

    acceleration = reader.first(
        spec.choice("acceleration", model.Acceleration), default=model.Acceleration.AUTO
    )
    networks = _networks(spec.mapping("networks"), lab=name)
    bmc, protocol = _bmc(spec.mapping("bmc"), lab=name)
    defaults = spec.mapping("hostDefaults") or reader.Mapping({}, "spec.hostDefaults")
    raw_hosts = spec.raw("hosts")
    spec.finish()

    entries: list[tuple[str, object]]
    if hosts is not None:
        entries = [(f"--hosts[{i}]", {}) for i in range(hosts)]
    elif raw_hosts is None or (isinstance(raw_hosts, int) and not isinstance(raw_hosts, bool)):
        count = DEFAULT_HOSTS if raw_hosts is None else raw_hosts
        if not 0 <= count <= MAX_HOSTS:
            raise reader.fail(
                "spec.hosts", f"host count {count} is out of range", f"use 0-{MAX_HOSTS}"
            )
        entries = [(f"spec.hosts[{i}]", {}) for i in range(count)]
    else:
        entries = spec.items("hosts") or []
        if len(entries) > MAX_HOSTS:
            raise reader.fail(
                "spec.hosts", f"{len(entries)} hosts are too many", f"list at most {MAX_HOSTS}"
            )

    decoded = tuple(
        _host(reader.Mapping(raw, path), defaults, lab=name, index=index, protocol=protocol)
        for index, (path, raw) in enumerate(entries)
    )
    _check_defaults(defaults)
    return model.Lab(
        name=name, acceleration=acceleration, networks=networks, bmc=bmc, hosts=decoded
    )


def _networks(node: reader.Mapping | None, *, lab: str) -> tuple[model.Network, ...]:
    node = node or reader.Mapping({}, "spec.networks")
    provisioning, external = identity.default_cidrs(lab)
    defaults = {model.NetworkName.PROVISIONING: provisioning, model.NetworkName.EXTERNAL: external}
    networks = []
    for name in model.NetworkName:
        net = node.mapping(name.value) or reader.Mapping({}, node.at(name.value))
        text = reader.first(net.string("cidr"), default=defaults[name])
        try:
            cidr = ipaddress.IPv4Network(text, strict=True)
        except ValueError as err:
            raise reader.fail(
                net.at("cidr"), f"{text!r} is not an IPv4 network ({err})", "write e.g. 10.0.0.0/24"
            ) from err
        pxe = None
        if name is model.NetworkName.PROVISIONING:
            pxe_node = net.mapping("pxe")
            if pxe_node is not None:
                boot_file = pxe_node.string("bootFile")
                if not boot_file:
                    raise reader.fail(
                        pxe_node.at("bootFile"), "missing", "name the file PXE clients load"
                    )
                pxe = model.Pxe(boot_file=boot_file, tftp_root=pxe_node.string("tftpRoot"))
                pxe_node.finish()
        net.finish()
        networks.append(model.Network(name=name, cidr=cidr, pxe=pxe))
    node.finish()
    return tuple(networks)


def _bmc(node: reader.Mapping | None, *, lab: str) -> tuple[model.Bmc, model.BmcProtocol]:
    node = node or reader.Mapping({}, "spec.bmc")
    protocol = reader.first(
        node.choice("protocol", model.BmcProtocol), default=model.BmcProtocol.REDFISH
    )
    ipmi_port_base, redfish_port = identity.default_bmc_ports(lab)
    bmc = model.Bmc(
        address=reader.first(node.string("address"), default=BMC_ADDRESS),
        ipmi_port_base=reader.first(node.integer("ipmiPortBase"), default=ipmi_port_base),
        redfish_port=reader.first(node.integer("redfishPort"), default=redfish_port),
        username=reader.first(node.string("username"), default="admin"),
    )
    node.finish()
    return bmc, protocol


def _host(
    node: reader.Mapping,
    defaults: reader.Mapping,
    *,
    lab: str,
    index: int,
    protocol: model.BmcProtocol,
) -> model.Host:
    name = reader.first(node.string("name"), default=f"node-{index}")
    default_bmc = model.MIXED_CYCLE[index % 3] if protocol is model.BmcProtocol.MIXED else protocol
    bmc = reader.first(
        node.choice("bmc", model.BmcProtocol),
        defaults.choice("bmc", model.BmcProtocol),
        default=default_bmc,
    )
    if bmc is model.BmcProtocol.MIXED:
        bmc = model.MIXED_CYCLE[index % 3]
    disks_node, disks_default = node.items("disks"), defaults.items("disks")
    nics_node, nics_default = node.items("nics"), defaults.items("nics")
    host = model.Host(
        name=name,
        cpus=reader.first(node.integer("cpus"), defaults.integer("cpus"), default=1),
        memory_mib=reader.first(
            node.integer("memoryMiB"), defaults.integer("memoryMiB"), default=1024
        ),
        boot_mode=reader.first(
            node.choice("bootMode", model.BootMode),
            defaults.choice("bootMode", model.BootMode),
            default=model.BootMode.LEGACY,
        ),
        bmc=bmc,
        disks=_disks(reader.first(disks_node, disks_default, default=None), host=name),
        nics=_nics(reader.first(nics_node, nics_default, default=None), lab=lab, host=name),
        uuid=identity.system_uuid(lab, name),
        vendor=reader.first(node.string("vendor"), defaults.string("vendor"), default="Metallab"),
        product=reader.first(
            node.string("product"), defaults.string("product"), default="Emulated Server"
        ),
        serial=reader.first(node.string("serial"), default=identity.serial(lab, name)),
    )
    node.finish()
    return host


def _check_defaults(defaults: reader.Mapping) -> None:
    """Reject unknown keys in hostDefaults even when no host reads them (``hosts: 0``)."""
    for key in ("cpus", "memoryMiB", "bootMode", "bmc", "disks", "nics", "vendor", "product"):
        defaults.raw(key)
    defaults.finish()


def _disks(entries: list[tuple[str, object]] | None, *, host: str) -> tuple[model.Disk, ...]:
    if entries is None:
        entries = [("", {})]
    disks = []
    for index, (path, raw) in enumerate(entries):
        disk = reader.Mapping(raw, path)
        disks.append(
            model.Disk(
                size_gib=reader.first(disk.integer("sizeGiB"), default=20),
                serial=reader.first(
                    disk.string("serial"), default=identity.disk_serial(host, index)
                ),
                bus=reader.first(disk.choice("bus", model.DiskBus), default=model.DiskBus.VIRTIO),
                rotational=disk.boolean("rotational"),
            )
        )
        disk.finish()
    return tuple(disks)


def _nics(
    entries: list[tuple[str, object]] | None, *, lab: str, host: str
) -> tuple[model.Nic, ...]:
    if entries is None:
        entries = [("", {"network": net.value}) for net in DEFAULT_NICS]
    nics = []
    for index, (path, raw) in enumerate(entries):
        nic = reader.Mapping(raw, path)
        network = nic.choice("network", model.NetworkName)
        if network is None:
            raise reader.fail(nic.at("network"), "missing", "name provisioning or external")
        mac = reader.first(nic.string("mac"), default=identity.mac(lab, host, index))
        nics.append(model.Nic(network=network, mac=mac.lower()))
        nic.finish()
    return tuple(nics)
