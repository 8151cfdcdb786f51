"""The conductor's settings, all from controller flags (``python -m controller run --help``):
where it listens, the URLs agents and BMCs are given, the TLS files. Nothing assumes the
controller runs on the lab machine: the lab passes its own addresses. Built by
``controller.cli``, used by ``service`` and the ``direct`` provisioner."""

from __future__ import annotations

import dataclasses
import pathlib


@dataclasses.dataclass(frozen=True, kw_only=True)
class Config:
    agent_url: str  # https://IP:PORT the agent calls (boot.json's conductor_url)
    boot_url: str  # http://IP:PORT of the plain-HTTP boot endpoints (iPXE, cpio, ISO)
    listen_address: str = "0.0.0.0"
    agent_port: int = 8443
    boot_port: int = 8480
    kernel_url: str = ""
    initrd_url: str = ""
    iso_url: str = ""  # the base agent.iso; per-host ISOs are made from it
    cert_file: pathlib.Path
    key_file: pathlib.Path
    ca_file: pathlib.Path  # the CA that signed cert_file, handed to agents
    kernel_args: str = "console=ttyS0"
    agent_timeout: float = 600.0  # bounded wait for an agent to call back
    heartbeat_s: float = 5.0
