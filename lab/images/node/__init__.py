"""The node OS image: Debian trixie with containerd, kubelet and kubeadm, and the control
plane's container images preloaded, so a lab VM becomes a Kubernetes node with no registry."""
