"""The conductor: the agent-facing side of the controller (Ironic's conductor role,
in-process). ``wire`` validates what agents send, ``tokens`` and ``sessions`` hold the
per-boot state, ``service`` serves the agent API over HTTPS and the boot files over HTTP,
``bootfiles`` makes iPXE scripts, boot-config initrds and per-host ISOs, ``hardware`` maps an
inventory to BMO's hardware details. The ``direct`` provisioner drives it.
"""
