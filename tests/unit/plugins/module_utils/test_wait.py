# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The waits' progress lines, on a fake clock."""

from __future__ import annotations

import pytest

from ansible_collections.ibmcloud.kms.plugins.module_utils import _wait
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import (
    CertificateError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
    WaitTimeoutError,
)


class Clock:
    def __init__(self):
        self.now = 0.0

    def sleep(self, seconds):
        self.now += seconds

    def monotonic(self):
        return self.now


def test_a_wait_reports_at_its_start_and_then_every_fifteen_seconds():
    clock, lines, states = Clock(), [], iter(["Deploying"] * 12 + ["Ready"])
    result, waited = _wait.wait_until(lambda: next(states), lambda s: s == "Ready", timeout=1800, what="the master",
                                      sleep=clock.sleep, monotonic=clock.monotonic, describe=str, report=lines.append)
    assert result == "Ready" and waited == clock.now
    assert lines[0] == "Waiting for the master: Deploying (0 s of at most 1800 s)"
    seconds = [int(line.split("(")[1].split(" ")[0]) for line in lines]
    assert seconds[0] == 0 and all(later - earlier >= 15 for earlier, later in zip(seconds, seconds[1:]))
    assert seconds[-1] >= clock.now - 15 - _wait.MAX_INTERVAL  # no long silence before the end


def test_a_wait_done_at_once_reports_nothing():
    lines = []
    _wait.wait_until(lambda: "Ready", lambda s: True, timeout=10, what="x", report=lines.append)
    assert lines == []


def test_a_wait_that_times_out_reported_until_then():
    clock, lines = Clock(), []
    with pytest.raises(WaitTimeoutError, match="Last seen: Deploying"):
        _wait.wait_until(lambda: "Deploying", lambda s: False, timeout=40, what="the master", sleep=clock.sleep,
                         monotonic=clock.monotonic, describe=str, report=lines.append)
    assert [line.split("(")[1] for line in lines] == ["0 s of at most 40 s)", "19 s of at most 40 s)",
                                                      "40 s of at most 40 s)"]


def test_progress_goes_to_the_file_the_action_plugin_names(tmp_path, monkeypatch):
    path = tmp_path / "progress.txt"
    _wait.report_progress("not written anywhere")  # no file named: nothing happens
    monkeypatch.setenv(_wait.PROGRESS_ENV, str(path))
    _wait.report_progress("first")
    _wait.report_progress("second\nline")
    assert path.read_text(encoding="utf-8") == "first\nsecond line\n"
    monkeypatch.setenv(_wait.PROGRESS_ENV, str(tmp_path / "missing" / "progress.txt"))
    _wait.report_progress("a file that cannot be written is not the task's failure")


def answers(*steps):
    """fetch() that gives or raises each of STEPS in turn (an exception instance is raised)."""
    sequence = iter(steps)

    def fetch():
        step = next(sequence)
        if isinstance(step, Exception):
            raise step
        return step

    return fetch


OUTAGE = [TransportError("no answer from the server (ConnectionError)"), ServerError("down", status=503),
          RateLimitedError("slow down", status=429), ServerError("bad gateway", status=502)]


# (failures in a row, whether the outage lasts long enough to be shown in a progress line)
@pytest.mark.parametrize("failures, shown", [(OUTAGE, False), (OUTAGE * 5, True), ([OUTAGE[1]], False)])
def test_a_wait_polls_through_an_outage(failures, shown):
    clock, lines = Clock(), []
    fetch = answers("Deploying", *failures, "Deploying", "Ready")
    result, _waited = _wait.wait_until(fetch, lambda s: s == "Ready", timeout=1800, what="the master",
                                       sleep=clock.sleep, monotonic=clock.monotonic, describe=str, report=lines.append)
    assert result == "Ready"
    assert any("no answer from IBM Cloud" in line for line in lines) is shown


def test_an_outage_that_lasts_past_the_timeout_says_so():
    clock = Clock()
    fetch = answers("Deploying", *[ServerError("down", status=503)] * 50)
    with pytest.raises(WaitTimeoutError, match=r"Last seen: no answer from IBM Cloud \(503\), still trying"):
        _wait.wait_until(fetch, lambda s: s == "Ready", timeout=60, what="the master", sleep=clock.sleep,
                         monotonic=clock.monotonic, describe=str, report=lambda _line: None)


@pytest.mark.parametrize("error", [ForbiddenError("no", status=403), NotFoundError("gone", status=404),
                                   CertificateError("bad certificate")])
def test_a_wait_stops_at_an_error_that_is_not_an_outage(error):
    clock = Clock()
    with pytest.raises(type(error)):
        _wait.wait_until(answers("Deploying", error), lambda s: False, timeout=60, what="x", sleep=clock.sleep,
                         monotonic=clock.monotonic, report=lambda _line: None)


def test_run_each_keeps_the_order_of_the_items():
    assert _wait.run_each(lambda n: n * n, [3, 1, 2], at_once=2) == [9, 1, 4]
    assert _wait.run_each(lambda n: n, [], at_once=4) == []


def test_run_each_runs_the_items_side_by_side():
    """Three items that each wait for the other two: they only get past the barrier when they run at once (run one
    after the other, the first would wait out the barrier's timeout and break it)."""
    import threading

    barrier = threading.Barrier(3, timeout=60)
    assert _wait.run_each(lambda n: barrier.wait() >= 0 and n, [1, 2, 3], at_once=3) == [1, 2, 3]


def test_run_each_raises_what_an_item_raised():
    def work(n):
        if n == 2:
            raise ValueError("two")
        return n

    with pytest.raises(ValueError, match="two"):
        _wait.run_each(work, [1, 2, 3], at_once=3)
