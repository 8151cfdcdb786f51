"""Which module files an initramfs needs: the closure over ``modules.dep``, built-ins skipped."""

from __future__ import annotations

import pytest

from hostkit import errors
from lab.images import kernel

DEP = """k/ata/libata.ko: k/scsi/scsi_mod.ko
k/scsi/scsi_mod.ko:
k/ata/libahci.ko: k/ata/libata.ko k/scsi/scsi_mod.ko
k/ata/ahci.ko: k/ata/libahci.ko k/ata/libata.ko k/scsi/scsi_mod.ko
k/virtio/virtio-pci.ko:
"""


def test_the_closure_holds_each_module_and_what_it_needs() -> None:
    found = kernel.closure(kernel.parse_dep(DEP), set(), ["ahci"])
    assert found == [
        "k/ata/ahci.ko",
        "k/ata/libahci.ko",
        "k/ata/libata.ko",
        "k/scsi/scsi_mod.ko",
    ]


def test_dashes_and_underscores_name_the_same_module_and_builtins_need_no_file() -> None:
    dep = kernel.parse_dep(DEP)
    assert kernel.closure(dep, set(), ["virtio_pci"]) == ["k/virtio/virtio-pci.ko"]
    assert kernel.closure(dep, {"ahci"}, ["ahci"]) == []


def test_a_module_the_kernel_lacks_is_an_error_naming_it() -> None:
    with pytest.raises(errors.LabError, match="no module nvme"):
        kernel.closure(kernel.parse_dep(DEP), set(), ["ahci", "nvme"])
