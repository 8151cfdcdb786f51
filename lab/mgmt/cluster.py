"""Bring a lab's management cluster up or down with the provider the user chose.

The one entry point for the CLI and ``metallab up``. Providers are chosen explicitly
(``embedded``, ``kind``, ``existing``), reached only through ``provider.Provider``, and
remembered per lab, so ``down`` and ``status`` act on the cluster that ``up`` made; asking a
lab for a different provider is an error, not a switch.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path

from hostkit import errors
from lab.mgmt import embedded, existing, kind, provider, record

# The names the CLI and ``metallab up`` use.
Provider = provider.Name
UpOptions = provider.UpOptions

PROVIDERS: Mapping[provider.Name, provider.Provider] = {
    provider.Name.EMBEDDED: embedded,
    provider.Name.KIND: kind,
    provider.Name.EXISTING: existing,
}


def _recorded(rec: record.Record) -> provider.Provider | None:
    """The provider a record names; None for a name no provider has (nothing to stop)."""
    try:
        return PROVIDERS[provider.Name(rec.provider)]
    except ValueError:
        return None


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
    return PROVIDERS[options.provider].up(lab, options)


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
    chosen = _recorded(rec)
    if chosen is None:
        record.forget(lab)
    else:
        chosen.down(lab, wipe=wipe)
    if wipe:
        record.forget(lab)
        _remove_empty(lab)


def _remove_empty(lab: Path) -> None:
    for directory in (record.directory(lab), lab):
        with contextlib.suppress(OSError):  # only when nothing else of the lab is left
            directory.rmdir()


def status(lab: Path) -> dict[str, object]:
    rec = record.load(lab)
    if rec is None:
        return {"provider": None, "running": False, "ready": False}
    chosen = _recorded(rec)
    if chosen is None:
        problem = f"the record names an unknown provider {rec.provider!r}"
        return {"provider": rec.provider, "running": False, "ready": False, "error": problem}
    return chosen.status(lab, rec)


def kubeconfig(lab: Path) -> Path:
    """The admin kubeconfig of the lab's cluster, or an error saying how to get one."""
    rec = record.load(lab)
    if rec is None or not Path(rec.kubeconfig).is_file():
        raise errors.LabError(
            f"lab {lab.name!r} has no management cluster", fix="run `metallab mgmt up` first"
        )
    return Path(rec.kubeconfig)
