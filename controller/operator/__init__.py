"""The operator: kopf wiring, Kubernetes I/O, metrics and logs on top of the state machine.

``app.serve`` runs kopf for watching (hosts, and the Secrets they use) and a
``reconciler.Reconciler`` that keeps a ``cache``, queues hosts on a ``workqueue``, runs
``reconcile.reconcile_once`` (the one reconcile path, which the unit tests call too) and
executes the writer's decision through ``kube`` and ``events``. Nothing below this package
knows about Kubernetes clients or kopf.
"""
