"""Scenarios: versioned YAML files of steps run against a lab, and the reports they produce.

``metallab scenario run|list`` (``lab.cli.scenario``) calls ``scenarios.runner``; a scenario
file is decoded strictly by ``scenarios.decode`` (like the lab file), its steps run by
``scenarios.execute``, and the one ``scenarios.report.Report`` a run fills is rendered to
JUnit XML, HTML and ``summary.json`` by ``scenarios.render``. The library of scenarios lives
beside this package as ``scenarios/*.yaml``; docs/scenarios.md explains how to write one.
"""
