"""Remove a lab's hardware: domains, volumes, networks, daemons, leftover processes, netns.

``remove`` is the hardware half of ``metallab down`` and of a failed ``up``'s cleanup. It works
from names alone (the namespace, the PID files, the veth names derived from the lab name), so
it also cleans a half-made lab, and every step tolerates absence: running it twice is fine.
Any process still in the lab's namespace at the end (a qemu or dnsmasq whose libvirtd died) is
the lab's by construction and is ended by PID.
"""

from __future__ import annotations

import logging
from concurrent import futures
from pathlib import Path

from hostkit import errors, process
from lab.config import model
from lab.hardware import domains, layout, libvirtd, netns, networks, pool

log = logging.getLogger(__name__)


def remove(lab: str, state: Path) -> None:
    if libvirtd.running(state):
        try:
            conn = libvirtd.connect(state, wait=10.0)
        except errors.LabError as err:
            log.warning("cleaning up without libvirtd: %s", err)
        else:
            try:
                # Destroying a domain takes libvirt ~2 s; do them side by side.
                with futures.ThreadPoolExecutor(max_workers=8) as pool_:
                    list(pool_.map(lambda name: domains.remove(conn, name), domains.names(conn)))
                for network in model.NetworkName:
                    networks.remove(conn, network)
                pool.remove(conn)
            finally:
                conn.close()
    libvirtd.stop(state)
    for pid in netns.pids(lab):
        log.info("ending leftover process %d in the lab's namespace", pid)
        process.terminate(pid, grace=5.0)
    for network in model.NetworkName:
        netns.disconnect(lab, network)
    netns.remove(lab)
    for path in (layout.desired(state), layout.source(state), layout.acceleration(state)):
        path.unlink(missing_ok=True)
