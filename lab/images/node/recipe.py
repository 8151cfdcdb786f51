"""What goes into the node image: the Debian suite and packages, the programs built from Go
modules, the container images kubeadm asks for, and the disk's size.

These constants (with the builder modules, ``files/`` and ``go/``) are the inputs the
image's cache key hashes. Called by ``lab.images.node.build``, ``rootfs``, ``programs`` and
``containers``; to change the Kubernetes version see docs/node-image.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SUITE = "trixie"
# debootstrap does not resolve virtual packages: python3-cffi-backend is what cryptography
# (cloud-init's dependency) needs, named explicitly.
PACKAGES = (
    "systemd-sysv",
    "udev",
    "dbus",
    "linux-image-amd64",
    "cloud-init",
    "python3-cffi-backend",
    "containerd",
    "runc",
    "containernetworking-plugins",
    "iptables",
    "conntrack",
    "iproute2",
    "kmod",
    "ethtool",
    "socat",
    "ifupdown",
    "dhcpcd-base",
    "openssh-server",
    "ca-certificates",
)
DISK_GIB = 5
ESP_MIB = 64
# the free space a build needs in the cache's file system: root tree, container archives,
# the raw disk and its qcow2 copy (measured about 5.5 GiB; rounded up)
NEEDED_BYTES = 9 << 30
ROOT_LABEL = "root"
KERNEL_ARGS = "root=LABEL=root ro console=tty0 console=ttyS0,115200n8"

HERE = Path(__file__).resolve().parent
GO_DIR = HERE / "go"
FILES_DIR = HERE / "files"
# the modules whose code decides what the image holds: part of its cache key (the user-data
# and config-drive writers, which only use the image, are not)
BUILDER_MODULES = (
    "recipe.py",
    "build.py",
    "rootfs.py",
    "containers.py",
    "archive.py",
    "preload.py",
    "disk.py",
    "programs.py",
)


@dataclass(frozen=True)
class GoProgram:
    """A program built from a Go module of its own under ``go/<module>`` (its ``tool`` line)."""

    name: str
    module: str
    version_variable: str = ""  # set to the module's version with -X when not empty


# etcd here is the 3.6.6 kubeadm deploys (the management cluster's etcd is the one
# k8s.io/kubernetes pins); CoreDNS and crictl pull in dependencies that must not bump lab/k8s.
GO_PROGRAMS = (
    GoProgram("etcd", "etcd"),
    GoProgram("coredns", "coredns"),
    GoProgram("crictl", "crictl", "sigs.k8s.io/cri-tools/pkg/version.Version"),
)
# from lab/k8s (lab.mgmt.binaries), installed on the node itself
NODE_BINARIES = ("kubelet", "kubeadm", "kubectl")
ETCD_TAG = "3.6.6-0"
PAUSE_TAG = "3.10.1"
COREDNS_TAG = "v1.13.1"
REGISTRY = "registry.k8s.io"


@dataclass(frozen=True)
class ContainerImage:
    """One single-binary image: ``program`` at ``path``, run as ``entrypoint`` (or the pod's
    ``command`` when empty, as kubeadm's static pods give one)."""

    reference: str
    program: str
    path: str
    entrypoint: tuple[str, ...] = ()


def container_images(kubernetes_version: str) -> tuple[ContainerImage, ...]:
    """Exactly the references ``kubeadm config images list`` prints for this version."""
    bin_dir = "/usr/local/bin"
    control_plane = tuple(
        ContainerImage(f"{REGISTRY}/{name}:{kubernetes_version}", name, f"{bin_dir}/{name}")
        for name in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy")
    )
    return (
        *control_plane,
        ContainerImage(f"{REGISTRY}/etcd:{ETCD_TAG}", "etcd", f"{bin_dir}/etcd"),
        ContainerImage(f"{REGISTRY}/pause:{PAUSE_TAG}", "pause", "/pause", ("/pause",)),
        ContainerImage(
            f"{REGISTRY}/coredns/coredns:{COREDNS_TAG}", "coredns", "/coredns", ("/coredns",)
        ),
    )
