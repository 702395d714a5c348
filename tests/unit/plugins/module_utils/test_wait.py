# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The waits' progress lines, on a fake clock."""

from __future__ import annotations

import pytest

from ansible_collections.ibmcloud.kms.plugins.module_utils import _wait
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import WaitTimeoutError


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
