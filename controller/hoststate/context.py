"""What a guard or handler gets to look at: the host, its provisioner, credentials, limits.

Built by the operator for one reconcile of one host. ``provisioner`` is None exactly when the
host has no usable BMC access yet, and then ``access_error`` says why (bad address, missing
Secret, …) in words fit for the host's ``errorMessage``.
"""

from __future__ import annotations

import dataclasses

from controller.api import host as api_host
from controller.hoststate import capacity as capacity_mod
from controller.provisioner import base


@dataclasses.dataclass(frozen=True)
class Timing:
    steady_poll: float = 60.0  # power re-check of hosts at rest (BMO: 60 s)
    unmanaged_poll: float = 600.0
    detached_poll: float = 600.0
    delayed_poll: float = 30.0  # fallback; a freed slot wakes parked hosts at once
    soft_power_off: float = base.SOFT_POWER_OFF_TIMEOUT
    power_change: float = base.POWER_CHANGE_TIMEOUT  # then a power management error


@dataclasses.dataclass(frozen=True)
class Context:
    host: api_host.Host
    provisioner: base.Provisioner | None
    credentials_version: str
    access_error: str
    capacity: capacity_mod.Capacity
    timing: Timing = Timing()
