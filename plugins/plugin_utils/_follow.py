# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""Following the progress file a module writes while it waits (see _progress.py); no Ansible import, so that it is
tested on its own."""

from __future__ import annotations

import threading
from typing import Callable

READ_EVERY = 1.0


def follow(path: str, show: Callable[[str], None], stop: threading.Event) -> None:
    """Show each complete line written to PATH until STOP is set, then the rest."""
    offset, pending = 0, ""
    while True:
        stopping = stop.wait(READ_EVERY)
        try:
            with open(path, encoding="utf-8") as progress:
                progress.seek(offset)
                chunk = progress.read()
                offset = progress.tell()
        except OSError:
            chunk = ""
        pending += chunk
        *lines, pending = pending.split("\n")
        for line in lines:
            if line.strip():
                show(line)
        if stopping:
            return
