"""hostkit.restart: the one restart policy (capped backoff, crash-loop limit, forgiveness after
a healthy run) and the one record every supervisor reports; hostkit.logtail's log ends."""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path

import pytest

from hostkit import logtail, restart


def test_backoff_doubles_up_to_the_cap() -> None:
    policy = restart.Policy(first_delay=0.25, max_delay=5.0)
    assert [policy.delay(n) for n in range(7)] == [0.25, 0.5, 1.0, 2.0, 4.0, 5.0, 5.0]


def test_exit_schedules_a_restart_and_counts_it_once_restarted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tracker = restart.Tracker(restart.Policy(first_delay=0.0, max_delay=0.0), ["etcd"])
    assert tracker.record("etcd") == restart.Record(None, None, 0, restart.State.STARTING)
    tracker.started("etcd", 100)
    assert tracker.record("etcd").state is restart.State.RUNNING
    assert tracker.record("etcd").started is not None
    with caplog.at_level(logging.INFO):
        tracker.exited("etcd", code=-9, last_log="boom")
        assert tracker.record("etcd") == restart.Record(None, None, 0, restart.State.RESTARTING)
        assert tracker.due("etcd")
        tracker.started("etcd", 101)
    assert tracker.record("etcd").pid == 101 and tracker.record("etcd").restarts == 1
    assert "etcd exited with code -9; restart #1 in 0.00s. Last log: boom" in caplog.text
    assert "etcd: restarting it (restart #1, pid 101)" in caplog.text


def test_a_restart_waits_for_its_backoff() -> None:
    tracker = restart.Tracker(restart.Policy(first_delay=60.0, max_delay=60.0))
    tracker.started("bmc", 1)
    tracker.exited("bmc")
    assert not tracker.due("bmc")


def test_crash_loop_leaves_it_down() -> None:
    tracker = restart.Tracker(restart.Policy(first_delay=0.0, max_delay=0.0, crash_loop=2))
    tracker.started("kcm", 1)
    for pid in (2, 3):
        tracker.exited("kcm", code=1)
        tracker.started("kcm", pid)
    tracker.exited("kcm", code=1)
    assert tracker.record("kcm") == restart.Record(None, None, 2, restart.State.FAILED)
    assert not tracker.due("kcm")


def test_a_healthy_run_forgives_earlier_crashes() -> None:
    policy = restart.Policy(first_delay=1.0, max_delay=30.0, healthy_after=0.0)
    tracker = restart.Tracker(policy)
    tracker.started("bmc", 1)
    tracker.exited("bmc")
    tracker.started("bmc", 2)
    time.sleep(0.01)
    tracker.running("bmc")
    tracker.exited("bmc")  # counted as a first crash again: 1 s, not 2 s
    assert not tracker.due("bmc")
    assert tracker.record("bmc").restarts == 1


def test_record_round_trips_through_json() -> None:
    record = restart.Record(42, 1700000000.5, 3, restart.State.RUNNING)
    assert restart.Record.from_json(record.to_json()) == record


def test_log_tail_prefers_matching_lines(tmp_path: Path) -> None:
    log = tmp_path / "log"
    assert logtail.tail(log) == "(no log)"
    log.write_text("")
    assert logtail.tail(log) == "(empty log)"
    log.write_text("one\nE0101 broken\ntwo\nthree\n")
    assert logtail.tail(log, lines=2) == "two | three"
    assert logtail.tail(log, lines=1, prefer=re.compile(r"^E\d{4} ")) == "E0101 broken"
