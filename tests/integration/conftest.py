"""Fixtures for integration tests: a real embedded management cluster, shared per session.

``kubeconfig`` is the admin kubeconfig of a real etcd + kube-apiserver +
kube-controller-manager started in a temporary METALLAB_HOME (the binaries come from the
cache; the first run builds them). ``fresh_lab`` gives a test its own lab directory for tests
that stop, wipe or break a cluster. Everything started here is stopped and wiped at the end.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from lab import paths
from lab.mgmt import binaries, cluster


@pytest.fixture(scope="session")
def metallab_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("metallab-home")
    old = os.environ.get("METALLAB_HOME")
    os.environ["METALLAB_HOME"] = str(home)
    yield home
    if old is None:
        os.environ.pop("METALLAB_HOME", None)
    else:
        os.environ["METALLAB_HOME"] = old


@pytest.fixture(scope="session")
def k8s_binaries() -> binaries.Binaries:
    return binaries.ensure()


@pytest.fixture(scope="session")
def mgmt_lab(metallab_home: Path, k8s_binaries: binaries.Binaries) -> Iterator[Path]:
    lab = paths.lab_dir("itest")
    cluster.up(lab, cluster.UpOptions())
    yield lab
    cluster.down(lab, wipe=True)


@pytest.fixture(scope="session")
def kubeconfig(mgmt_lab: Path) -> Path:
    return cluster.kubeconfig(mgmt_lab)


@pytest.fixture
def fresh_lab(
    metallab_home: Path, k8s_binaries: binaries.Binaries, request: pytest.FixtureRequest
) -> Iterator[Path]:
    """A lab directory of the test's own; whatever cluster the test starts in it is wiped."""
    name = "t" + format(abs(hash(request.node.nodeid)) % 10**8, "d")
    lab = paths.lab_dir(name)
    yield lab
    cluster.down(lab, wipe=True)
