"""The image references are the ones kubeadm v1.35 asks for, and the Go modules are sound."""

from __future__ import annotations

from lab.images.node import containers, programs, recipe
from lab.mgmt import binaries


def test_references_are_kubeadms_list() -> None:
    version = binaries.kubernetes_version()
    references = [image.reference for image in recipe.container_images(version)]
    assert references == [
        f"registry.k8s.io/kube-apiserver:{version}",
        f"registry.k8s.io/kube-controller-manager:{version}",
        f"registry.k8s.io/kube-scheduler:{version}",
        f"registry.k8s.io/kube-proxy:{version}",
        "registry.k8s.io/etcd:3.6.6-0",
        "registry.k8s.io/pause:3.10.1",
        "registry.k8s.io/coredns/coredns:v1.13.1",
    ]


def test_each_go_module_names_its_program_and_pins_it() -> None:
    found = {
        program.name: programs.tool_package(recipe.GO_DIR / program.module)
        for program in recipe.GO_PROGRAMS
    }
    assert found == {
        "etcd": ("go.etcd.io/etcd/server/v3", "v3.6.6"),
        "coredns": ("github.com/coredns/coredns", "v1.13.1"),
        "crictl": ("sigs.k8s.io/cri-tools/cmd/crictl", "v1.34.0"),
    }


def test_etcd_image_tag_matches_the_module() -> None:
    _, version = programs.tool_package(recipe.GO_DIR / "etcd")
    assert version.removeprefix("v") + "-0" == recipe.ETCD_TAG


def test_busybox_reference_names_the_build_machines_version() -> None:
    assert containers.busybox_reference().startswith("metallab.local/busybox:1.")


def test_node_binaries_are_in_the_kubernetes_build() -> None:
    assert set(recipe.NODE_BINARIES) <= set(binaries.COMMANDS + binaries.NODE_COMMANDS)
    images = {image.program for image in recipe.container_images("v1.0.0")}
    built = set(binaries.COMMANDS + binaries.NODE_COMMANDS) | {p.name for p in recipe.GO_PROGRAMS}
    assert images <= built
