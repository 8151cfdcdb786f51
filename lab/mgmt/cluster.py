"""Bring a lab's management cluster up or down with the provider the user chose.

The one entry point for the CLI and ``metallab up``. Providers are chosen explicitly
(``embedded``, ``kind``, ``existing``) and remembered per lab, so ``down`` and ``status`` act on
the cluster that ``up`` made; asking a lab for a different provider is an error, not a switch.
"""

from __future__ import annotations

import contextlib
import enum
from dataclasses import dataclass
from pathlib import Path

from hostkit import errors
from lab.mgmt import embedded, existing, kind, record


class Provider(enum.StrEnum):
    EMBEDDED = "embedded"
    KIND = "kind"
    EXISTING = "existing"


@dataclass(frozen=True)
class UpOptions:
    provider: Provider = Provider.EMBEDDED
    kubeconfig: Path | None = None  # for ``existing``
    port: int | None = None  # kube-apiserver port for ``embedded``; free one when None


def _check_flags(options: UpOptions) -> None:
    """Refuse a flag the chosen provider would ignore, so nothing is silently dropped."""
    for flag, value, owner in (
        ("--kubeconfig", options.kubeconfig, Provider.EXISTING),
        ("--port", options.port, Provider.EMBEDDED),
    ):
        if value is not None and options.provider is not owner:
            raise errors.LabError(
                f"{flag} does not apply to --provider {options.provider}",
                fix=f"drop {flag}; it is only for --provider {owner}",
            )


def up(lab: Path, options: UpOptions) -> record.Record:
    """Start (or confirm) the cluster and return its record; idempotent."""
    _check_flags(options)
    previous = record.load(lab)
    if previous is not None and previous.provider != options.provider:
        raise errors.LabError(
            f"lab {lab.name!r} already has a management cluster "
            f"from provider {previous.provider!r}",
            fix=f"`metallab mgmt down --wipe` first, or keep `--provider {previous.provider}`",
        )
    lab.mkdir(parents=True, exist_ok=True)
    if options.provider is Provider.EMBEDDED:
        return embedded.up(lab, port=options.port)
    if options.provider is Provider.KIND:
        return kind.up(lab)
    return existing.up(lab, options.kubeconfig)


def down(lab: Path, *, wipe: bool) -> None:
    """Stop the cluster; with ``wipe`` also erase its data. Idempotent.

    With ``wipe`` an unreadable record is no obstacle: that is the fix its error names.
    """
    try:
        rec = record.load(lab)
    except record.Unreadable:
        if not wipe:
            raise
        rec = None
    if rec is None:
        if wipe:  # a half-made embedded cluster may have left data but no record
            embedded.down(lab, wipe=True)
            _remove_empty(lab)
        return
    if rec.provider == Provider.EMBEDDED:
        embedded.down(lab, wipe=wipe)
    elif rec.provider == Provider.KIND:
        kind.down(lab)
    if wipe or rec.provider != Provider.EMBEDDED:
        record.forget(lab)
    if wipe:
        _remove_empty(lab)


def _remove_empty(lab: Path) -> None:
    for directory in (record.directory(lab), lab):
        with contextlib.suppress(OSError):  # only when nothing else of the lab is left
            directory.rmdir()


def status(lab: Path) -> dict[str, object]:
    rec = record.load(lab)
    if rec is None:
        return {"provider": None, "running": False, "ready": False}
    if rec.provider == Provider.EMBEDDED:
        return embedded.status(lab)
    try:
        version = existing.check_answers(Path(rec.kubeconfig))
    except errors.LabError as err:
        return {"provider": rec.provider, "running": False, "ready": False, "error": str(err)}
    return {"provider": rec.provider, "running": True, "ready": True, "version": version}


def kubeconfig(lab: Path) -> Path:
    """The admin kubeconfig of the lab's cluster, or an error saying how to get one."""
    rec = record.load(lab)
    if rec is None or not Path(rec.kubeconfig).is_file():
        raise errors.LabError(
            f"lab {lab.name!r} has no management cluster", fix="run `metallab mgmt up` first"
        )
    return Path(rec.kubeconfig)
