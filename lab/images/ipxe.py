"""The generic iPXE script the lab's DHCP server hands every iPXE client.

It knows nothing of any host: it chains to the controller's conductor, which answers
``<boot_url>/v1/boot/<mac>.ipxe`` for a host it is booting (kernel, initrds, arguments) and
nothing otherwise. A few bounded retries ride out a conductor that is still starting; then
iPXE exits so the firmware tries the next boot device. Pure; written by
``lab.images.serving``.
"""

from __future__ import annotations

ATTEMPTS = 3
RETRY_S = 5


def chain_script(boot_url: str) -> str:
    target = f"{boot_url.rstrip('/')}/v1/boot/${{net0/mac}}.ipxe"
    return f"""#!ipxe
set attempt:int32 0
:retry
inc attempt
echo metallab: asking {target}
chain --replace --autofree {target} && goto done ||
iseq ${{attempt}} {ATTEMPTS} && goto give_up ||
sleep {RETRY_S}
goto retry
:give_up
echo metallab: no boot script for ${{net0/mac}} after {ATTEMPTS} attempts; next boot device
:done
exit
"""
