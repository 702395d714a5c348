# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The action plugin's follower shows each complete progress line once, including those written at the end."""

from __future__ import annotations

import threading

from ansible_collections.ibmcloud.kms.plugins.plugin_utils import _follow


def test_follow_shows_each_complete_line_once(tmp_path, monkeypatch):
    monkeypatch.setattr(_follow, "READ_EVERY", 0.01)
    path = tmp_path / "progress.txt"
    path.write_text("one\ntw", encoding="utf-8")
    shown, stop = [], threading.Event()
    reader = threading.Thread(target=_follow.follow, args=(str(path), shown.append, stop))
    reader.start()
    with open(path, "a", encoding="utf-8") as progress:
        progress.write("o\n\nthree\n")
    stop.set()
    reader.join(timeout=10)
    assert not reader.is_alive()
    assert shown == ["one", "two", "three"]


def test_follow_stops_when_the_file_is_gone(tmp_path):
    shown, stop = [], threading.Event()
    stop.set()
    _follow.follow(str(tmp_path / "never-written.txt"), shown.append, stop)
    assert shown == []
