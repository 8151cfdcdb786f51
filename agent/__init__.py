"""The metallab deploy agent: stdlib-only Python that runs inside a host's ramdisk.

``python3 -m agent`` reads ``/etc/metallab-agent/boot.json``, looks itself up at the
conductor, reports the host's inventory and carries out the conductor's orders (write an
image and a config drive, clean the disks). It imports nothing from the rest of metallab:
the wire format in ``docs/agent-protocol.md`` is its only contract.
"""
