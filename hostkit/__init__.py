"""Low-level host helpers shared by the lab and the virtual BMCs; imports nothing of metallab.

Errors base, private files, background processes and their supervision, X.509 issuing,
loopback ports and the external command runner. ``lab`` and ``vbmc`` import this package;
it never imports them (import-linter enforces it).
"""
