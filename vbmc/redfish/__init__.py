"""The Redfish virtual BMCs: sushy-tools' emulator with a fault-aware front, one process per lab.

Started by the supervisor as ``python -m vbmc.redfish CONFIG`` (``vbmc.redfish.__main__``); it
serves every Redfish host of the lab on one HTTPS port. ``vbmc.redfish.front`` is the WSGI layer
that applies faults and per-host credentials in front of sushy-tools' Flask app.
"""
