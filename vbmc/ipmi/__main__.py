"""Entry point of one IPMI BMC process: ``python -m vbmc.ipmi CONFIG``.

The supervisor writes CONFIG (mode 0600: the spec with its password, and the lab state
directory) and starts this module through ``hostkit.process.spawn``; the password therefore never
appears in argv or ``ps``. Writes ``ready`` next to CONFIG once it listens. Exits non-zero when
the port cannot be bound or the domain is missing, which the supervisor reports or retries.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from pathlib import Path
from types import FrameType

import pyghmi.ipmi.private.session as ipmi_session

from vbmc import domain, logs, spec
from vbmc.ipmi import bmc

log = logging.getLogger("vbmc.ipmi")


def _exit(signum: int, _frame: FrameType | None) -> None:
    sys.exit(0)


def main(argv: list[str]) -> int:
    config_path = Path(argv[1])
    config = json.loads(config_path.read_text())
    bmc_spec = spec.BmcSpec.from_json(config["spec"])
    logs.setup([bmc_spec.password])
    signal.signal(signal.SIGTERM, _exit)
    try:
        # pyghmi registers the server in its class-level socket table; no handle needed.
        bmc.VirtualBmc(
            host=bmc_spec.host,
            port=bmc_spec.port,
            username=bmc_spec.username,
            password=bmc_spec.password,
            chassis=domain.Domain(
                bmc_spec.libvirt_uri,
                bmc_spec.domain,
                flags_path=config_path.with_name("boot-flags.json"),
            ),
            state_dir=Path(config["state_dir"]),
        )
    except domain.DomainError as err:
        log.error("%s", err)
        return 2
    except OSError as err:
        log.error("cannot listen on 127.0.0.1:%d/udp: %s", bmc_spec.port, err)
        return 3
    log.info(
        "IPMI BMC for %s (domain %s) on 127.0.0.1:%d, user %s",
        bmc_spec.host,
        bmc_spec.domain,
        bmc_spec.port,
        bmc_spec.username,
    )
    # The supervisor waits for this file: the socket is bound, requests will be answered.
    config_path.with_name("ready").write_text(str(os.getpid()))
    while True:
        ipmi_session.Session.wait_for_rsp(timeout=30)
    return 0  # pragma: no cover - the loop ends by signal


if __name__ == "__main__":
    sys.exit(main(sys.argv))
