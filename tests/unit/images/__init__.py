"""Unit tests of the image builds' planning, caching and pure parts (``lab.images``)."""
