"""Provisioning backends behind one narrow protocol (``base``), built per host by a factory.

``fixture`` runs the whole API in memory (tests, benchmarks); ``direct`` talks to real BMCs
(registration, power, out-of-band inspection). The state machine calls only ``base``.
"""
