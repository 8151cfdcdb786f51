"""The operator: kopf wiring, Kubernetes I/O, metrics and logs on top of the state machine.

``app.serve`` runs kopf for watching (hosts and Secrets) and a ``reconciler.Reconciler`` that
turns each observed host into a ``hoststate`` reconcile and executes the writer's decision
through ``kube``. Nothing below this package knows about Kubernetes clients or kopf.
"""
