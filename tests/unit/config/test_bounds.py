"""Inputs that are checked before anything is built (issue 12): huge host counts (from
``--hosts`` or the file) fail before any host is allocated, and lab files that are not UTF-8 or
are empty fail with an error naming the file instead of a traceback.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from hostkit import errors
from lab.config import decode, load, model

HUGE = 99999999999999999999


def _refused_within(limit_bytes: int, document: object, **kwargs: int) -> errors.LabError:
    tracemalloc.start()
    try:
        with pytest.raises(errors.LabError) as caught:
            load.build(document, name="x", **kwargs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < limit_bytes, f"allocated {peak} bytes before refusing"
    return caught.value


def test_a_huge_hosts_flag_is_refused_before_building_hosts() -> None:
    refused = _refused_within(1 << 20, None, hosts=HUGE)
    assert f"--hosts {HUGE} is out of range" in str(refused)
    assert f"0-{decode.MAX_HOSTS}" in refused.fix


def test_a_huge_host_count_in_the_file_is_refused_before_building_hosts() -> None:
    document = {"apiVersion": model.API_VERSION, "kind": model.KIND, "spec": {"hosts": HUGE}}
    refused = _refused_within(1 << 20, document)
    assert "spec.hosts: host count" in str(refused)


def test_a_long_host_list_is_refused_by_its_length() -> None:
    hosts: list[dict[str, object]] = [{} for _ in range(decode.MAX_HOSTS + 1)]
    document = {"apiVersion": model.API_VERSION, "kind": model.KIND, "spec": {"hosts": hosts}}
    with pytest.raises(errors.LabError, match="hosts are too many"):
        load.build(document, name="x")


def test_the_largest_allowed_count_loads() -> None:
    networks = {"provisioning": {"cidr": "10.20.0.0/16"}, "external": {"cidr": "10.21.0.0/16"}}
    document = {"apiVersion": model.API_VERSION, "kind": model.KIND, "spec": {"networks": networks}}
    assert len(load.build(document, name="x", hosts=decode.MAX_HOSTS).hosts) == decode.MAX_HOSTS


def test_a_lab_file_that_is_not_utf8_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "lab.yaml"
    path.write_bytes(b"apiVersion: metallab.dev/v1alpha1\nkind: Lab\n# caf\xe9\n")
    with pytest.raises(errors.LabError) as caught:
        load.load(path, name="x")
    assert f"lab file {path} is not UTF-8 text" in str(caught.value)
    assert "UTF-8" in caught.value.fix


def test_an_empty_lab_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "lab.yaml"
    path.write_text("")
    with pytest.raises(errors.LabError) as caught:
        load.load(path, name="x")
    assert str(caught.value).startswith(f"lab file {path} is empty")
    assert "apiVersion" in caught.value.fix
