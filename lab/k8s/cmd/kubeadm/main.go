// Command kubeadm is the upstream cluster bootstrapper, unchanged, linked from k8s.io/kubernetes.
package main

import (
	_ "time/tzdata"

	"k8s.io/kubernetes/cmd/kubeadm/app"
	kubeadmerrors "k8s.io/kubernetes/cmd/kubeadm/app/util/errors"
)

func main() {
	kubeadmerrors.HandleError(app.Run())
}
