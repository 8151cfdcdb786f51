"""Integration tests of the virtual BMCs against a private libvirtd and real clients."""
