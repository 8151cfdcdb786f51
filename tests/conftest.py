"""Suite-wide hooks: with ``METALLAB_NO_SKIPS=1`` (set by ``.ci/run``) a skipped test fails.

Tests skip themselves where the machine lacks something they need (root, libvirtd, a
cloud kernel). That is kind to a developer's laptop but would let CI go green without
having booted a single VM, so CI turns every skip into a failure that names what was missing.
"""

from __future__ import annotations

import os

import pytest


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("METALLAB_NO_SKIPS") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if not skipped:
        return
    reasons = sorted({str(report.longrepr[-1]) for report in skipped if report.longrepr})
    print(
        f"\nmetallab: error: {len(skipped)} test(s) skipped with METALLAB_NO_SKIPS=1 — "
        f"install what they need (scripts/setup-host) and run as root: {'; '.join(reasons)}"
    )
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
