"""Redfish processor families are reported as machine architectures, as Metal3 shows them."""

from __future__ import annotations

import pytest
from sushy.resources.system import constants

from controller.bmc import redfish


@pytest.mark.parametrize(
    ("given", "reported"),
    [
        (constants.ProcessorArchitecture.X86, "x86_64"),
        (constants.ProcessorArchitecture.ARM, "aarch64"),
        ("x86", "x86_64"),
        ("MIPS", "mips"),
        (None, ""),
    ],
)
def test_architecture_names(given: object, reported: str) -> None:
    assert redfish._arch(given) == reported
