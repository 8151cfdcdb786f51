"""Unit tests of the virtual BMCs (no daemons; libvirt only through test:///default)."""
