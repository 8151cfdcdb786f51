"""Running one step: each of its invocations (one per host, in parallel) through its action.

Called by ``scenarios.runner``. Every action either returns (passed) or raises ``StepFailed``
with what was expected and what was seen; waits poll with the session's stop flag, so Ctrl-C
ends them at once. Power through the BMC uses the controller's own BMC clients; faults use
``vbmc.faults`` exactly like ``metallab bmc fault``.
"""

from __future__ import annotations

import concurrent.futures
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from kubernetes.client import exceptions

from controller.bmc import access as bmc_access
from controller.bmc import credentials, ipmi, redfish
from hostkit import errors, restart, supervisor
from lab import controller_component
from lab.mgmt import embedded
from scenarios import conditions, model, playbook, report, session
from vbmc import faults
from vbmc import supervisor as bmc_supervisor

_MERGE = "application/merge-patch+json"
_RESTART_TIMEOUT = 90.0
_REPO = Path(__file__).resolve().parents[1]


class StepFailed(Exception):
    """The step ran and its expectation did not hold; the message says what was seen."""


def run_step(run: session.Session, step: model.Step, recorder: report.Recorder) -> None:
    """Run every invocation of ``step``; raise ``StepFailed`` naming each host that failed."""
    if len(step.invocations) == 1:
        _invoke(run, step.invocations[0], recorder)
        return
    failures: list[str] = []
    with concurrent.futures.ThreadPoolExecutor(len(step.invocations)) as pool:
        futures = {
            pool.submit(_invoke, run, invocation, recorder): invocation
            for invocation in step.invocations
        }
        try:
            for future in concurrent.futures.as_completed(futures):
                error = future.exception()
                if error is not None:
                    if isinstance(error, KeyboardInterrupt):
                        raise error
                    failures.append(f"{futures[future].host}: {error}")
        except KeyboardInterrupt:
            run.stop.set()  # the other hosts' waits end too
            raise
    if failures:
        raise StepFailed("; ".join(sorted(failures)))


def _invoke(run: session.Session, invocation: model.Invocation, recorder: report.Recorder) -> None:
    try:
        _act(run, invocation.action, recorder)
    except exceptions.ApiException as err:
        raise StepFailed(
            f"the API server answered {err.status} {err.reason}: {_body(err)}"
        ) from err
    except errors.LabError as err:
        raise StepFailed(str(err)) from err


def _body(err: exceptions.ApiException) -> str:
    return str(err.body or "")[:300]


def _act(run: session.Session, action: model.Action, recorder: report.Recorder) -> None:
    match action:
        case model.Enroll():
            session.enroll(run, action.host)
        case model.Apply():
            for document in action.objects:
                _apply(run, document)
        case model.Patch():
            resource = run.resource(action.ref.api_version, action.ref.kind)
            resource.patch(
                name=action.ref.name,
                namespace=action.ref.namespace,
                body=action.merge,
                content_type=_MERGE,
            )
        case model.Delete():
            resource = run.resource(action.ref.api_version, action.ref.kind)
            resource.delete(name=action.ref.name, namespace=action.ref.namespace)
        case model.Wait():
            _wait(run, action)
        case model.Assert():
            outcome = conditions.check(run, action.condition)
            if not outcome.ok:
                raise StepFailed(
                    f"expected {conditions.describe(action.condition)}; saw {outcome.seen}"
                )
        case model.Fault():
            faults.set_fault(run.state, action.host, faults.parse(action.fault))
            recorder.fault(action.host, action.fault)
        case model.PowerAction():
            _power(run, action)
        case model.Kill():
            _kill(run, action)
        case model.Run():
            _command(run, action)
        case model.Playbook():
            playbook.run_in_lab(run, action)
        case model.Sleep():
            run.sleep(action.seconds)


def _apply(run: session.Session, document: dict[str, Any]) -> None:
    resource = run.resource(document["apiVersion"], document["kind"])
    meta = document["metadata"]
    namespace = meta.get("namespace") or (model.DEFAULT_NAMESPACE if resource.namespaced else None)
    try:
        resource.create(body=document, namespace=namespace)
    except exceptions.ApiException as err:
        if err.status != 409:
            raise
        resource.patch(name=meta["name"], namespace=namespace, body=document, content_type=_MERGE)


def _wait(run: session.Session, action: model.Wait) -> None:
    deadline = time.monotonic() + action.timeout
    seen = "nothing yet"
    while True:
        try:
            outcome = conditions.check(run, action.condition)
        except (exceptions.ApiException, OSError) as err:
            # The API server may be down on purpose (a kill step): keep waiting.
            outcome = conditions.Outcome(False, f"could not read: {err}")
        if outcome.ok:
            return
        seen = outcome.seen
        if time.monotonic() >= deadline:
            raise StepFailed(
                f"timed out after {action.timeout:g}s waiting for "
                f"{conditions.describe(action.condition)}; last seen: {seen}"
            )
        run.sleep(min(action.interval, max(0.0, deadline - time.monotonic())))


def _power(run: session.Session, action: model.PowerAction) -> None:
    if action.via is model.PowerVia.ANNOTATION:
        resource = run.resource("metal3.io/v1alpha1", "BareMetalHost")
        if action.action is model.Power.REBOOT:
            body: dict[str, Any] = {"metadata": {"annotations": {"reboot.metal3.io": ""}}}
        else:
            body = {"spec": {"online": action.action is model.Power.ON}}
        resource.patch(
            name=action.host, namespace=model.DEFAULT_NAMESPACE, body=body, content_type=_MERGE
        )
        return
    found = run.bmc_access(action.host)
    address = bmc_access.parse(found.url)
    creds = credentials.Credentials(found.username, found.password)
    client: ipmi.IpmiClient | redfish.RedfishClient
    if address.protocol is bmc_access.Protocol.IPMI:
        client = ipmi.IpmiClient(address, creds)
    else:
        client = redfish.RedfishClient(address, creds, verify=False)
    if action.action in (model.Power.OFF, model.Power.REBOOT):
        client.set_power(False)
    if action.action in (model.Power.ON, model.Power.REBOOT):
        client.set_power(True)


def _kill(run: session.Session, action: model.Kill) -> None:
    number = signal.SIGKILL if action.signal is model.Signal.KILL else signal.SIGTERM
    if action.component is model.Component.BMC:
        assert action.host is not None
        before = _bmc_pid(run, action.host)
        assert before is not None  # _bmc_pid raises rather than return None here
        os.kill(before, number)
        _await(
            run,
            lambda: _bmc_pid(run, action.host or "", missing_ok=True) not in (None, before),
            f"the BMC of {action.host} to come back",
        )
        return
    directory = (
        controller_component.directory(run.state)
        if action.component is model.Component.CONTROLLER
        else embedded.Layout(run.state).run
    )
    name = action.component.value
    before_pid = supervisor.read_status(directory).get(name, {}).get("pid")
    if not isinstance(before_pid, int):
        raise StepFailed(f"{name} is not running in lab {run.name}")
    os.kill(before_pid, number)

    def back() -> bool:
        now = supervisor.read_status(directory).get(name, {})
        return now.get("state") == restart.State.RUNNING and now.get("pid") not in (
            None,
            before_pid,
        )

    _await(run, back, f"{name} to be restarted by its supervisor")


def _bmc_pid(run: session.Session, host: str, *, missing_ok: bool = False) -> int | None:
    for status in bmc_supervisor.status(run.state):
        if status.host == host and status.pid is not None:
            return status.pid
    if missing_ok:
        return None
    raise StepFailed(f"the BMC of {host} is not running in lab {run.name}")


def _await(run: session.Session, done: Any, what: str) -> None:
    deadline = time.monotonic() + _RESTART_TIMEOUT
    while not done():
        if time.monotonic() > deadline:
            raise StepFailed(f"timed out after {_RESTART_TIMEOUT:g}s waiting for {what}")
        run.sleep(0.2)


def environment(run: session.Session) -> dict[str, str]:
    """What a command or playbook step sees: the lab's name, state directory and kubeconfig."""
    return {
        **os.environ,
        "METALLAB_LAB": run.name,
        "METALLAB_STATE": str(run.state),
        "KUBECONFIG": run.kubeconfig_or_empty(),
    }


def _command(run: session.Session, action: model.Run) -> None:
    try:
        child = subprocess.Popen(
            action.argv,
            cwd=_REPO,
            env=environment(run),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    except OSError as err:
        raise StepFailed(f"cannot run {action.argv[0]}: {err.strerror}") from err
    try:
        output, _ = child.communicate(timeout=action.timeout)
    except subprocess.TimeoutExpired as err:
        child.kill()
        child.communicate()
        raise StepFailed(f"{' '.join(action.argv)} ran over {action.timeout:g}s") from err
    except KeyboardInterrupt:
        child.kill()
        child.communicate()
        raise
    if child.returncode != action.exit_code:
        tail = "\n".join(output.strip().splitlines()[-10:])
        raise StepFailed(
            f"{' '.join(action.argv)} exited {child.returncode} "
            f"(expected {action.exit_code}): {tail}"
        )
