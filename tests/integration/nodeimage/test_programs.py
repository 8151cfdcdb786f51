"""The node image's programs as built: kubeadm asks for exactly the images the recipe makes,
and every binary reports the version its module pins (cache hits after the first build)."""

from __future__ import annotations

import pytest

from hostkit import runner
from lab.images.node import programs, recipe
from lab.mgmt import binaries


@pytest.fixture(scope="module")
def k8s() -> binaries.Binaries:
    return binaries.ensure()


def test_kubeadm_lists_exactly_the_recipes_images(k8s: binaries.Binaries) -> None:
    version = binaries.kubernetes_version()
    listed = runner.run(
        [str(k8s.path("kubeadm")), "config", "images", "list", "--kubernetes-version", version]
    ).stdout.split()
    assert sorted(listed) == sorted(image.reference for image in recipe.container_images(version))


def test_node_binaries_report_the_module_version(k8s: binaries.Binaries) -> None:
    version = binaries.kubernetes_version()
    assert (
        runner.run([str(k8s.path("kubeadm")), "version", "-o", "short"]).stdout.strip() == version
    )
    assert (
        runner.run([str(k8s.path("kubelet")), "--version"]).stdout.strip()
        == f"Kubernetes {version}"
    )


def test_own_module_programs_report_their_pinned_versions() -> None:
    built = programs.ensure()
    etcd = runner.run([str(built / "etcd"), "--version"]).stdout
    assert "etcd Version: 3.6.6" in etcd
    coredns = runner.run([str(built / "coredns"), "-version"]).stdout
    assert "CoreDNS-1.13.1" in coredns
    crictl = runner.run([str(built / "crictl"), "--version"]).stdout
    assert "v1.34.0" in crictl
