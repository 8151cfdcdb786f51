"""The embedded management cluster: etcd, kube-apiserver and kube-controller-manager.

Real upstream binaries (``lab.mgmt.binaries``) run as local processes on 127.0.0.1 under
``hostkit.supervisor``, which restarts a crashed component. TLS comes from the lab's own CA
(``lab.mgmt.pki``); the admin kubeconfig is ``<lab>/kubeconfig``. etcd's data directory is
kept across ``down``/``up`` and removed only by ``down --wipe``. Called by ``lab.mgmt.cluster``.
"""

from __future__ import annotations

import logging
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from hostkit import errors, logtail, ports, process, supervisor
from lab.mgmt import binaries, kubeconfig, pki, probe, provider, record

log = logging.getLogger(__name__)

READY_TIMEOUT = 90.0
CONTROLLERS = (
    "garbage-collector-controller",
    "namespace-controller",
    "serviceaccount-controller",
    "serviceaccount-token-controller",
)


@dataclass(frozen=True)
class Layout:
    """Where the embedded cluster keeps things inside a lab's state directory."""

    lab: Path

    @property
    def root(self) -> Path:
        return record.directory(self.lab)

    @property
    def pki(self) -> Path:
        return self.root / "pki"

    @property
    def etcd_data(self) -> Path:
        return self.root / "etcd"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def supervisor_pid(self) -> Path:
        return self.root / "supervisor.pid"

    @property
    def kubeconfig(self) -> Path:
        return self.lab / "kubeconfig"

    @property
    def kcm_kubeconfig(self) -> Path:
        return self.root / "controller-manager.kubeconfig"


def _choose_ports(previous: record.Record | None, port: int | None) -> dict[str, int]:
    """Keep the ports of the last run (the kubeconfig names the apiserver's); re-pick internal ones
    that another process took meanwhile; fail clearly on an apiserver port that is taken."""
    old = previous.ports if previous else {}
    chosen: dict[str, int] = {}
    for name in ("etcd-client", "etcd-peer", "controller-manager"):
        kept = old.get(name)
        chosen[name] = kept if kept and ports.is_free(kept) else ports.free()
    if port is not None:
        ports.check_free(
            port, who="kube-apiserver", fix="choose another with `metallab mgmt up --port N`"
        )
        chosen["apiserver"] = port
    elif "apiserver" in old:
        ports.check_free(
            old["apiserver"],
            who="kube-apiserver (the lab's kubeconfig points at it)",
            fix="stop whatever holds it, or move the API server with `metallab mgmt up --port N`",
        )
        chosen["apiserver"] = old["apiserver"]
    else:
        chosen["apiserver"] = ports.free()
    return chosen


def _check_data_dir(layout: Layout) -> None:
    """Refuse an etcd data directory that is clearly not etcd's, before etcd crash-loops on it."""
    data = layout.etcd_data
    if not data.exists():
        return
    db = data / "member" / "snap" / "db"
    problem = None
    if not (data / "member").is_dir():
        problem = "has no member/ directory"
    elif not db.is_file() or db.stat().st_size < 4096:
        problem = "has no usable member/snap/db"
    if problem:
        raise errors.LabError(
            f"the etcd data directory {data} {problem} (corrupt?); it was left untouched",
            fix=f"move it aside (mv {data} {data}.bad) to start empty, "
            "or erase the cluster with `metallab mgmt down --wipe`",
        )


def _plan(
    layout: Layout, bins: binaries.Binaries, creds: pki.Pki, p: dict[str, int]
) -> supervisor.Plan:
    etcd_url = f"http://127.0.0.1:{p['etcd-client']}"
    peer_url = f"http://127.0.0.1:{p['etcd-peer']}"
    etcd = supervisor.Component(
        "etcd",
        [
            str(bins.path("etcd")),
            "--name=metallab",
            f"--data-dir={layout.etcd_data}",
            f"--listen-client-urls={etcd_url}",
            f"--advertise-client-urls={etcd_url}",
            f"--listen-peer-urls={peer_url}",
            f"--initial-advertise-peer-urls={peer_url}",
            f"--initial-cluster=metallab={peer_url}",
            # A lab's cluster lives on one disk of one machine: fsync buys nothing a process
            # crash could take away, and costs most of etcd's write latency.
            "--unsafe-no-fsync",
            "--quota-backend-bytes=2147483648",
            "--log-level=warn",
        ],
        ready_url=f"{etcd_url}/health",
    )
    apiserver = supervisor.Component(
        "kube-apiserver",
        [
            str(bins.path("kube-apiserver")),
            f"--etcd-servers={etcd_url}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={p['apiserver']}",
            f"--cert-dir={layout.run / 'apiserver-certs'}",
            f"--tls-cert-file={creds.apiserver.cert}",
            f"--tls-private-key-file={creds.apiserver.key}",
            f"--client-ca-file={creds.ca.cert}",
            "--authorization-mode=RBAC",
            "--service-cluster-ip-range=10.96.0.0/24",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={creds.service_account.cert}",
            f"--service-account-signing-key-file={creds.service_account.key}",
            "--allow-privileged=true",
            "--profiling=false",
            "--v=1",
        ],
        ready_url=f"https://127.0.0.1:{p['apiserver']}/readyz",
    )
    controller_manager = supervisor.Component(
        "kube-controller-manager",
        [
            str(bins.path("kube-controller-manager")),
            f"--kubeconfig={layout.kcm_kubeconfig}",
            f"--authentication-kubeconfig={layout.kcm_kubeconfig}",
            f"--authorization-kubeconfig={layout.kcm_kubeconfig}",
            f"--controllers={','.join(CONTROLLERS)}",
            f"--service-account-private-key-file={creds.service_account.key}",
            f"--root-ca-file={creds.ca.cert}",
            "--use-service-account-credentials=true",
            "--leader-elect=false",
            "--bind-address=127.0.0.1",
            f"--secure-port={p['controller-manager']}",
            f"--cert-dir={layout.run / 'controller-manager-certs'}",
            "--profiling=false",
            "--v=1",
        ],
    )
    return supervisor.Plan([etcd, apiserver, controller_manager], str(layout.run))


_ERROR_LINE = re.compile(r'^[EF]\d{4} |"level":"(error|fatal|panic)"|^panic:|^Error:')


def _tail(path: Path) -> str:
    """The last error a component logged (klog E/F, etcd's JSON levels), else the last line."""
    return logtail.tail(path, lines=1, prefer=_ERROR_LINE)


def _abort_on_crash(layout: Layout, *, started: bool) -> None:
    """Stop waiting as soon as a component crashed during this ``up``, naming its error.

    When this ``up`` started the supervisor (its status starts empty, so every restart is
    this start's), any restart aborts and stops it. A supervisor this ``up`` found running is
    never stopped: it restarts its components, so the wait fails only on one left down.
    """
    if process.read_pid(layout.supervisor_pid) is None:
        raise errors.LabError(
            f"the supervisor exited during start-up: {_tail(layout.root / 'supervisor.log')}",
            fix=f"read {layout.root / 'supervisor.log'}",
        )
    for name, state in supervisor.read_status(layout.run).items():
        restarts = state.get("restarts")
        log_path = layout.run / f"{name}.log"
        if state.get("state") == supervisor.State.FAILED and not started:
            raise errors.LabError(
                f"{name} crash-looped and the supervisor left it down: {_tail(log_path)}",
                fix=f"read {log_path}, then `metallab mgmt down` and `metallab mgmt up`",
            )
        if not (started and isinstance(restarts, int) and restarts > 0):
            continue
        process.stop(layout.supervisor_pid, grace=45.0)
        hint = (
            f"if etcd's data is corrupt, move {layout.etcd_data} aside "
            "or erase it with `metallab mgmt down --wipe`"
            if name == "etcd"
            else f"read {log_path}"
        )
        raise errors.LabError(
            f"{name} crashed while starting: {_tail(log_path)}; nothing was deleted",
            fix=hint,
        )


def _stop_orphans(layout: Layout) -> None:
    """Stop components a killed supervisor left running, by the PID files it wrote.

    ``process.read_pid`` checks each PID's start time, so only the lab's own processes are hit.
    """
    for pid_file in layout.run.glob("*.pid") if layout.run.exists() else []:
        if (pid := process.read_pid(pid_file)) is not None:
            log.warning(
                "stopping %s (pid %d), left running by a killed supervisor", pid_file.stem, pid
            )
            process.terminate(pid)
        pid_file.unlink(missing_ok=True)


def up(lab: Path, options: provider.UpOptions) -> record.Record:
    layout = Layout(lab)
    port = options.port
    previous = record.load(lab)
    if process.read_pid(layout.supervisor_pid) is not None and previous is not None:
        if port is not None and previous.ports.get("apiserver") != port:
            raise errors.LabError(
                f"the cluster already runs on port {previous.ports['apiserver']}",
                fix="`metallab mgmt down` first to move it",
            )
        _wait_ready(layout, previous, started=False)
        return previous
    _check_data_dir(layout)
    bins = binaries.ensure()
    _stop_orphans(layout)
    chosen = _choose_ports(previous, port)
    creds = pki.ensure(layout.pki)
    server = f"https://127.0.0.1:{chosen['apiserver']}"
    kubeconfig.write(
        layout.kubeconfig, server=server, ca=creds.ca.cert, client=creds.admin, name="metallab"
    )
    kubeconfig.write(
        layout.kcm_kubeconfig,
        server=server,
        ca=creds.ca.cert,
        client=creds.controller_manager,
        name="metallab",
    )
    rec = record.Record("embedded", str(layout.kubeconfig), chosen)
    record.save(lab, rec)
    layout.run.mkdir(parents=True, exist_ok=True)
    supervisor.status_path(layout.run).unlink(missing_ok=True)  # a killed one's restart counts
    supervisor.launch(
        _plan(layout, bins, creds, chosen),
        plan_path=layout.run / "plan.json",
        log_path=layout.root / "supervisor.log",
        pid_path=layout.supervisor_pid,
    )
    _wait_ready(layout, rec, started=True)
    return rec


def _wait_ready(layout: Layout, rec: record.Record, *, started: bool) -> None:
    creds = pki.layout(layout.pki)
    context = probe.client_context(creds.ca.cert, creds.admin.cert, creds.admin.key)
    insecure = probe.insecure_context()

    def ready() -> bool:
        return probe.https_ok(rec.ports["apiserver"], "/readyz", context=context) and (
            probe.https_ok(rec.ports["controller-manager"], "/healthz", context=insecure)
        )

    def abort() -> None:
        _abort_on_crash(layout, started=started)

    if not probe.wait_until(ready, timeout=READY_TIMEOUT, abort=abort):
        raise errors.LabError(
            f"the API server was not ready within {READY_TIMEOUT:.0f}s: "
            f"{_tail(layout.run / 'kube-apiserver.log')}",
            fix=f"read the logs in {layout.run}; `metallab mgmt down` stops what started",
        )


def down(lab: Path, *, wipe: bool) -> None:
    """Stop the cluster; the record stays (same ports and kubeconfig next time) unless ``wipe``
    erases the whole state directory, record included."""
    layout = Layout(lab)
    process.stop(layout.supervisor_pid, grace=30.0)
    _stop_orphans(layout)
    if wipe:
        shutil.rmtree(layout.root, ignore_errors=True)
        layout.kubeconfig.unlink(missing_ok=True)


def status(lab: Path, rec: record.Record) -> dict[str, object]:
    layout = Layout(lab)
    running = process.read_pid(layout.supervisor_pid) is not None
    components = supervisor.read_status(layout.run) if running else {}
    ready = False
    if running and rec is not None:
        creds = pki.layout(layout.pki)
        context = probe.client_context(creds.ca.cert, creds.admin.cert, creds.admin.key)
        ready = probe.https_ok(rec.ports["apiserver"], "/readyz", context=context)
    return {
        "provider": "embedded",
        "running": running,
        "ready": ready,
        "server": f"https://127.0.0.1:{rec.ports['apiserver']}" if rec else None,
        "components": components,
        "dataDir": str(layout.etcd_data),
    }
