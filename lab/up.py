"""``metallab up`` and ``down``: the lab brought up as an ordered list of announced actions.

Like kind's cluster creation, ``up`` runs one ``Action`` after another — management cluster,
CRDs, the hardware (namespace, libvirtd, networks, disks, hosts, BMCs), the boot images and
their server with the controller, and the inventory — printing one ``✓ title (seconds)`` line
per action. When an action fails on a lab this ``up`` created, everything made so far is torn
down (unless ``retain``); a lab that was already up is left as it was; a plain ``up`` (no lab
file, no ``--hosts``) of a lab that is up reuses the lab file it was brought up with, so it
repairs what died (libvirtd, BMCs, the cluster). An interrupted action says so. ``down``
removes all of it and is idempotent. Called by ``lab.cli.lab``, the e2e tests and
``bench/lab_up.py``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import libvirt

import controller.api
from hostkit import errors
from hostkit import pki as lab_pki
from lab import controller_component, inventory, paths
from lab.config import load, model
from lab.hardware import (
    accel,
    bmcs,
    domains,
    layout,
    libvirtd,
    netns,
    networks,
    pool,
    preflight,
    teardown,
)
from lab.images import build, serving
from lab.mgmt import cluster, crds, embedded
from lab.mgmt import pki as mgmt_pki
from vbmc import spec, supervisor

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclasses.dataclass(frozen=True)
class Options:
    name: str = paths.DEFAULT_LAB
    config: Path | None = None
    hosts: int | None = None
    retain: bool = False
    # Only the hardware and the inventory file: no management cluster, CRDs or controller.
    hardware_only: bool = False


class Context:
    """What the actions share while ``up`` runs: filled in as they go."""

    def __init__(
        self, lab: model.Lab, state: Path, source: dict[str, object], *, boots: bool = False
    ) -> None:
        self.lab = lab
        self.state = state
        self.source = source
        self.boots = boots  # agents boot from the lab (a controller runs): serve their images
        self.accel = model.Acceleration.TCG
        self.kubeconfig: Path | None = None
        self._libvirt: libvirt.virConnect | None = None

    def connection(self) -> libvirt.virConnect:
        """One connection to the lab's libvirtd for every hardware action of this ``up``."""
        if self._libvirt is None:
            self._libvirt = libvirtd.connect(self.state)
        return self._libvirt

    @functools.cached_property
    def bmc_access(self) -> list[bmcs.Access]:
        """Each host's BMC URL, port and credentials, read (or generated) once per ``up``."""
        return bmcs.access(self.state, self.lab)

    @functools.cached_property
    def endpoints(self) -> serving.Endpoints:
        """Where the image server and the controller's conductor listen, chosen once."""
        return serving.endpoints(self.state, self.lab)

    def close(self) -> None:
        if self._libvirt is not None:
            self._libvirt.close()
            self._libvirt = None


@dataclasses.dataclass(frozen=True)
class Action:
    title: str
    execute: Callable[[Context], None]


def _preflight(ctx: Context) -> None:
    preflight.same_lab(ctx.state, ctx.lab)
    preflight.tools()
    preflight.firmware(ctx.lab)
    preflight.memory(ctx.lab, total_mib=preflight.machine_memory_mib())
    if preflight.recorded(ctx.state) is None:
        preflight.ports(ctx.lab)
    ctx.state.mkdir(parents=True, exist_ok=True)
    layout.desired(ctx.state).write_text(json.dumps(ctx.lab.to_json(), indent=1))
    layout.source(ctx.state).write_text(json.dumps(ctx.source))


def _acceleration(ctx: Context) -> None:
    chosen = layout.acceleration(ctx.state)
    if chosen.exists():
        ctx.accel = model.Acceleration(chosen.read_text().strip())
        return
    ctx.accel = accel.resolve(ctx.lab.acceleration)
    chosen.write_text(ctx.accel.value)


def _namespace(ctx: Context) -> None:
    netns.create(ctx.lab.name)


def _libvirtd(ctx: Context) -> None:
    libvirtd.start(ctx.lab.name, ctx.state)


def _networks(ctx: Context) -> None:
    chain = ctx.endpoints.chain_url if ctx.boots else None
    for net in ctx.lab.networks:
        networks.ensure(ctx.connection(), ctx.lab, net, chain_url=chain)
        netns.connect(ctx.lab.name, net)


def _disks(ctx: Context) -> None:
    found = pool.ensure(ctx.connection(), ctx.state)
    for host in ctx.lab.hosts:
        pool.ensure_volumes(found, host)


def _hosts(ctx: Context) -> None:
    for host in ctx.lab.hosts:
        domains.ensure(ctx.connection(), host, state=ctx.state, accel=ctx.accel)


def _bmcs(ctx: Context) -> None:
    uri = layout.libvirt_uri(ctx.state)
    specs = [
        spec.BmcSpec(
            host=access.host,
            kind=spec.BmcKind.IPMI
            if access.protocol is model.BmcProtocol.IPMI
            else spec.BmcKind.REDFISH,
            port=access.port,
            username=access.username,
            password=access.password,
            libvirt_uri=uri,
            domain=access.host,
        )
        for access in ctx.bmc_access
    ]
    supervisor.reconcile(ctx.state, specs, ca=lab_ca(ctx.state))


def lab_ca(state: Path) -> lab_pki.Pair:
    """The lab's CA, the one the embedded management cluster's certificates come from: made
    here when the cluster has not made it (``--hardware-only``), at the path the cluster uses."""
    directory = embedded.Layout(state).pki
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    # Same path and name as lab.mgmt.pki gives it; whichever of the two runs first makes it.
    return lab_pki.ensure_ca(mgmt_pki.layout(directory).ca)


def _inventory(ctx: Context) -> None:
    docs = inventory.manifests(ctx.lab, ctx.bmc_access)
    inventory.write(ctx.state, docs)
    if ctx.kubeconfig is not None and inventory.crd_installed(ctx.kubeconfig):
        inventory.apply(ctx.kubeconfig, docs)


def _cluster(ctx: Context) -> None:
    record = cluster.up(ctx.state, cluster.UpOptions())
    ctx.kubeconfig = Path(record.kubeconfig)


def _crds(ctx: Context) -> None:
    assert ctx.kubeconfig is not None
    directory = Path(controller.api.__file__).parent / "crds"
    crds.install(ctx.kubeconfig, crds.load(sorted(directory.glob("*.yaml"))))


def _images(ctx: Context) -> None:
    for name in build.NAMES:
        build.build(name, progress=log.info)
    serving.publish(ctx.state, ctx.endpoints, list(build.NAMES))


def _controller(ctx: Context) -> None:
    assert ctx.kubeconfig is not None
    boot = controller_component.Boot(ctx.endpoints, lab_ca(ctx.state))
    controller_component.start(ctx.state, ctx.kubeconfig, provisioner="direct", boot=boot)


def actions(options: Options) -> list[Action]:
    management = [
        Action("Starting the management cluster", _cluster),
        Action("Installing the Metal3 CRDs", _crds),
    ]
    hardware = [
        Action("Creating the lab's network namespace", _namespace),
        Action("Starting the lab's libvirtd", _libvirtd),
        Action("Creating the lab networks", _networks),
        Action("Creating disks", _disks),
        Action("Defining hosts", _hosts),
        Action("Starting BMCs", _bmcs),
    ]
    # The controller's conductor and the image server listen on the provisioning veth, so
    # they start once the networks exist.
    boot = [
        Action("Building the boot images (a no-op when cached)", _images),
        Action("Starting the controller and the image server", _controller),
    ]
    first = [
        Action("Checking the lab file", _preflight),
        Action("Choosing VM acceleration", _acceleration),
    ]
    last = [Action("Writing the inventory", _inventory)]
    if options.hardware_only:
        return first + hardware + last
    return first + management + hardware + boot + last


def up(options: Options, *, progress: Progress = print) -> model.Lab:
    state = paths.lab_dir(options.name)
    known = _recorded_source(state) if options.config is None and options.hosts is None else None
    if known is not None:
        # Plain `up` of a lab that is already up repairs it as it was brought up (its lab
        # file's document is recorded), instead of comparing it with the built-in lab.
        document, hosts = known["document"], known["hosts"]
    else:
        document, hosts = load.read(options.config), options.hosts
    lab = load.build(document, name=options.name, hosts=hosts)
    ctx = Context(
        lab, state, {"document": document, "hosts": hosts}, boots=not options.hardware_only
    )
    existed = preflight.recorded(state) is not None
    try:
        for action in actions(options):
            _run(action, ctx, options, existed=existed, progress=progress)
    finally:
        ctx.close()
    return lab


def _run(
    action: Action, ctx: Context, options: Options, *, existed: bool, progress: Progress
) -> None:
    started = time.monotonic()
    try:
        action.execute(ctx)
    except BaseException as err:
        took = time.monotonic() - started
        if isinstance(err, KeyboardInterrupt):
            progress(f"✗ {action.title} (interrupted after {took:.1f}s)")
        else:
            progress(f"✗ {action.title} ({took:.1f}s)")
        if not existed and not options.retain:
            ctx.close()  # before down stops the libvirtd it points at
            progress("  tearing down what this up made (--retain keeps it)")
            _tear_down(options.name, progress=progress)
        if isinstance(err, errors.LabError | KeyboardInterrupt):
            raise
        raise errors.LabError(
            f"{action.title} failed: {err!r}", fix="rerun with -v to see every command"
        ) from err
    progress(f"✓ {action.title} ({time.monotonic() - started:.1f}s)")


def _tear_down(name: str, *, progress: Progress) -> None:
    """``down`` after a failed step; a teardown error is reported, never raised, so the error
    that made ``up`` fail is the one the caller sees."""
    try:
        down(name, progress=lambda _line: None)
    except Exception as err:
        log.error("tearing down lab %s after a failed up: %s", name, err, exc_info=True)
        progress(f"  ✗ teardown failed too: {err} — run `metallab down --name {name}`")


def _recorded_source(state: Path) -> dict[str, Any] | None:
    """What the last ``up`` was given: the lab file's document and ``--hosts``."""
    try:
        source: dict[str, Any] = json.loads(layout.source(state).read_text())
    except (OSError, ValueError):
        return None
    return source


def recorded_lab(name: str) -> model.Lab | None:
    """The lab as the last ``up`` of ``name`` built it, or None if it is not up."""
    source = _recorded_source(paths.lab_dir(name))
    if source is None:
        return None
    return load.build(source["document"], name=name, hosts=source["hosts"])


def down(name: str, *, progress: Progress = print) -> None:
    """Remove everything ``up`` made for lab ``name``; nothing to do is not an error."""
    state = paths.lab_dir(name)
    steps: list[tuple[str, Callable[[], None]]] = [
        ("Stopping the controller", lambda: _stop_controller(state)),
        ("Stopping BMCs", lambda: _stop_bmcs(state)),
        ("Removing the lab's hardware", lambda: teardown.remove(name, state)),
        ("Stopping the management cluster", lambda: _stop_cluster(state)),
    ]
    failures: list[errors.LabError] = []
    for title, step in steps:
        started = time.monotonic()
        try:
            step()
        except errors.LabError as err:
            # Keep going: a stuck BMC must not keep the VMs and the namespace alive.
            progress(f"✗ {title} ({time.monotonic() - started:.1f}s): {err}")
            failures.append(err)
            continue
        progress(f"✓ {title} ({time.monotonic() - started:.1f}s)")
    if failures:
        raise failures[0]
    shutil.rmtree(state, ignore_errors=True)


def _stop_controller(state: Path) -> None:
    controller_component.stop(state)


def _stop_bmcs(state: Path) -> None:
    supervisor.stop_all(state)


def _stop_cluster(state: Path) -> None:
    cluster.down(state, wipe=True)
