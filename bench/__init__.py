"""Benchmarks: each ``bench/<name>.py`` measures one area and prints a markdown section.

``python -m bench.run`` (``make bench``) runs them all and writes ``docs/benchmarks.md``.
Targets live here, never as timed assertions in tests.
"""
