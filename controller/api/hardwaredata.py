"""The HardwareData API (BMO's): the inspected hardware of the BareMetalHost of the same name.

Declared once, like ``api.host``; ``api.crds`` derives its CRD from ``HardwareDataSpec`` and
the operator writes it with ``spec_json`` each time a host's ``status.hardware`` changes.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from controller.api import codec, declare, hardware


@dataclasses.dataclass(frozen=True)
class HardwareDataSpec:
    """The inspected hardware."""

    hardware: hardware.HardwareDetails | None = declare.field(
        "hardware", "Hardware found by inspection."
    )


def spec_json(details: hardware.HardwareDetails) -> dict[str, Any]:
    return codec.to_json(HardwareDataSpec(hardware=details))
