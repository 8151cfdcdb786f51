"""The management cluster: a real Kubernetes API for the lab, from one of three providers.

``embedded`` (default) runs etcd, kube-apiserver and kube-controller-manager built from the
official Go modules as supervised local processes; ``kind`` creates a kind cluster where a
Docker engine answers; ``existing`` adopts a cluster by kubeconfig and never deletes from it.
The CLI (``lab/cli/mgmt.py``) and ``metallab up`` call ``lab.mgmt.cluster``.
"""
