"""The one interface every management-cluster provider implements, and the names they go by.

Modelled on kind's node providers: ``lab.mgmt.cluster`` picks a provider by the name the user
gave (never by probing) and calls it through ``Provider`` only. The providers are the modules
``lab.mgmt.embedded``, ``lab.mgmt.kind`` and ``lab.mgmt.existing``; a new one is a module with
these three functions plus a line in ``cluster.PROVIDERS``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from lab.mgmt import record


class Name(enum.StrEnum):
    EMBEDDED = "embedded"
    KIND = "kind"
    EXISTING = "existing"


@dataclass(frozen=True)
class UpOptions:
    provider: Name = Name.EMBEDDED
    kubeconfig: Path | None = None  # for ``existing``
    port: int | None = None  # kube-apiserver port for ``embedded``; free one when None


class Provider(Protocol):
    def up(self, lab: Path, options: UpOptions) -> record.Record:
        """Start (or confirm) the cluster, save and return its record; idempotent."""
        ...

    def down(self, lab: Path, *, wipe: bool) -> None:
        """Stop the cluster and forget the record, unless it is kept to restart with the same
        ports and data; ``wipe`` also erases the data. Idempotent."""
        ...

    def status(self, lab: Path, rec: record.Record) -> dict[str, object]:
        """``provider``, ``running``, ``ready`` and whatever else the provider can tell."""
        ...
