"""The IPMI virtual BMC: pyghmi's BMC server backed by a libvirt domain, one process per host.

Started by the supervisor as ``python -m vbmc.ipmi CONFIG`` (``vbmc.ipmi.__main__``); the protocol
edges pyghmi gets wrong live in ``vbmc.ipmi.session`` and the chassis commands in ``vbmc.ipmi.bmc``.
"""
