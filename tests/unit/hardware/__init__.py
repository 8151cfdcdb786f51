"""Unit tests of the lab's hardware descriptions (``lab.hardware``, ``lab.inventory``)."""
