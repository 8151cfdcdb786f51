"""Entry point of one Redfish emulator process: ``python -m vbmc.redfish CONFIG``.

The supervisor writes CONFIG (mode 0600: the Redfish specs of one port with their passwords, the
libvirt URI, the server certificate, the lab state directory). This module configures
sushy-tools' Flask app (libvirt driver, allowed instances), wraps it in ``vbmc.redfish.front``
(per-host basic auth, faults, request bounds) and ``vbmc.redfish.reconnect`` (survives a
libvirtd restart) and serves it on 127.0.0.1 with ``vbmc.redfish.server`` (bounded waits),
writing ``ready`` next to CONFIG once it listens.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import ssl
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from vbmc import logs, spec
from vbmc.redfish import front, reconnect, server

log = logging.getLogger("vbmc.redfish")


def _exit(signum: int, _frame: FrameType | None) -> None:
    sys.exit(0)


def main(argv: list[str]) -> int:
    config_path = Path(argv[1])
    config: dict[str, Any] = json.loads(config_path.read_text())
    specs = [spec.BmcSpec.from_json(s) for s in config["specs"]]
    logs.setup([s.password for s in specs])
    signal.signal(signal.SIGTERM, _exit)
    uuids: dict[str, str] = config["uuids"]
    identities = sorted({s.domain for s in specs} | set(uuids.values()))

    from sushy_tools.emulator import main as sushy_main  # heavy import, after config is valid

    app = sushy_main.app
    app.configure(
        extra_config={
            "SUSHY_EMULATOR_LIBVIRT_URI": config["libvirt_uri"],
            "SUSHY_EMULATOR_ALLOWED_INSTANCES": identities,
            "SUSHY_EMULATOR_LISTEN_IP": "127.0.0.1",
            "SUSHY_EMULATOR_LISTEN_PORT": config["port"],
        }
    )
    hosts = [
        front.Host(s.host, s.username, frozenset({s.domain, uuids[s.host]}), s.password)
        for s in specs
    ]
    inner = reconnect.Reconnect(app.wsgi_app, lambda: app.systems)
    app.wsgi_app = front.Front(inner, hosts=hosts, state_dir=Path(config["state_dir"]))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(config["cert"], config["key"])
    log.info(
        "Redfish emulator for %s on https://127.0.0.1:%d (libvirt %s)",
        ", ".join(s.host for s in specs),
        config["port"],
        config["libvirt_uri"],
    )
    try:
        http = server.Server(config["port"], app, context)
    except (OSError, SystemExit) as err:
        log.error("cannot listen on 127.0.0.1:%d/tcp: %s", config["port"], err)
        return 3
    # The supervisor waits for this file: the socket is bound, requests will be answered.
    config_path.with_name("ready").write_text(str(os.getpid()))
    http.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
