"""Unit tests of the lab file (``lab.config``)."""
