"""What the controller knows of the cluster: the latest body of each host, the Secrets hosts
use, and which machine each host claims.

The reconciler feeds it every host and Secret event kopf delivers and asks it which hosts to
wake. Only Secrets a host references are kept (the watch sees only those labelled
``environment.metal3.io: baremetal``, as BMO labels them, and the reconciler labels a
referenced Secret that lacks it); a deleted host leaves nothing behind: its body, its
Secret references (and Secrets no other host uses) and its claims go with it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from controller.api import host as api_host
from controller.hoststate import claims

Body = Mapping[str, Any]

# BMO's label on the Secrets it manages; the Secret watch selects on it.
SECRET_LABEL = "environment.metal3.io"
SECRET_LABEL_VALUE = "baremetal"


def key_of(body: Body) -> str:
    meta = body.get("metadata") or {}
    return f"{meta.get('namespace')}/{meta.get('name')}"


def _meta_changed(old: Body | None, new: Body) -> bool:
    """Whether ``new`` differs from ``old`` in what a reconcile acts on.

    Like BMO's update predicate: a change of status alone (most often our own write) does not
    need a reconcile; spec (generation), annotations, finalizers and deletion do.
    """
    if old is None:
        return True
    a, b = old.get("metadata") or {}, new.get("metadata") or {}
    return any(
        a.get(field) != b.get(field)
        for field in ("generation", "annotations", "finalizers", "deletionTimestamp", "uid")
    )


def newer(candidate: Body, current: Body | None) -> bool:
    if current is None:
        return True
    new_rv = str((candidate.get("metadata") or {}).get("resourceVersion") or "")
    old_rv = str((current.get("metadata") or {}).get("resourceVersion") or "")
    if new_rv.isdigit() and old_rv.isdigit():
        return int(new_rv) >= int(old_rv)
    return True


def labelled(secret: Body) -> bool:
    labels = (secret.get("metadata") or {}).get("labels") or {}
    return bool(labels.get(SECRET_LABEL) == SECRET_LABEL_VALUE)


class Cache:
    def __init__(self) -> None:
        self.hosts: dict[str, dict[str, Any]] = {}
        self.secrets: dict[str, dict[str, Any]] = {}
        self.claims = claims.Registry()
        self._uses: dict[str, str] = {}  # host key → key of the Secret it references
        self._users: dict[str, set[str]] = {}  # Secret key → host keys referencing it

    def states(self) -> Iterator[str]:
        for body in list(self.hosts.values()):
            yield str(((body.get("status") or {}).get("provisioning") or {}).get("state") or "")

    def put_host(self, body: Body) -> set[str]:
        """Keep ``body`` if it is news; returns the hosts to reconcile because of it."""
        key = key_of(body)
        old = self.hosts.get(key)
        if not newer(body, old):
            return set()
        self.hosts[key] = dict(body)
        if not _meta_changed(old, body):
            return set()
        host = api_host.parse(body)
        self._use(key, f"{host.namespace}/{host.spec.credentials_name}", host.spec.credentials_name)
        created = str((body.get("metadata") or {}).get("creationTimestamp") or "")
        return {key} | self.claims.put(key, created, claims.of(host))

    def wrote(self, body: Body) -> None:
        """``body`` is what our own write returned: keep it, it needs no reconcile."""
        key = key_of(body)
        if key in self.hosts and newer(body, self.hosts[key]):
            self.hosts[key] = dict(body)

    def forget_host(self, key: str) -> set[str]:
        """Drop everything about a deleted host; returns the hosts that shared a claim."""
        self.hosts.pop(key, None)
        self._use(key, "", "")
        return self.claims.remove(key)

    def _use(self, host_key: str, secret_key: str, name: str) -> None:
        old = self._uses.pop(host_key, None)
        if old is not None and old != secret_key:
            users = self._users.get(old, set())
            users.discard(host_key)
            if not users:
                self._users.pop(old, None)
                self.secrets.pop(old, None)
        if name:
            self._uses[host_key] = secret_key
            self._users.setdefault(secret_key, set()).add(host_key)

    def put_secret(self, event_type: str | None, body: Body) -> set[str]:
        """Keep (or drop) a Secret a host references; returns the hosts using it."""
        key = key_of(body)
        users = self._users.get(key, set())
        if event_type == "DELETED" or not users or not labelled(body):
            self.secrets.pop(key, None)
        elif newer(body, self.secrets.get(key)):
            self.secrets[key] = dict(body)
        return {host for host in users if host in self.hosts}

    def secret(self, namespace: str, name: str) -> dict[str, Any] | None:
        return self.secrets.get(f"{namespace}/{name}")

    def conflict(self, key: str) -> str:
        return self.claims.conflict(key)
