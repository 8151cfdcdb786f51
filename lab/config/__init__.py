"""The lab file: a versioned YAML document (``metallab.dev/v1alpha1``, ``kind: Lab``).

``load`` reads it strictly (an unknown key is an error naming its path), fills defaults and
validates it into the frozen values of ``model``; ``metallab up`` and the benchmarks call it.
"""
