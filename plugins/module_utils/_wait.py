# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""Waiting for asynchronous IBM Cloud operations with adaptive polling."""

from __future__ import annotations

import time
from typing import Callable, Iterator, Optional, Tuple, TypeVar

from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import WaitTimeoutError

T = TypeVar("T")

# Short intervals first (most operations finish in seconds), longer later, bounded.
POLL_INTERVALS = (1.0, 1.0, 2.0, 2.0, 3.0, 5.0, 5.0, 10.0)
MAX_INTERVAL = 15.0


def intervals() -> Iterator[float]:
    yield from POLL_INTERVALS
    while True:
        yield MAX_INTERVAL


def wait_until(
    fetch: Callable[[], T],
    done: Callable[[T], bool],
    *,
    timeout: float,
    what: str,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    describe: Optional[Callable[[T], str]] = None,
) -> Tuple[T, float]:
    """Poll ``fetch`` until ``done(result)``; return the last result and the seconds waited.

    ``done`` may raise to stop early (a failed state). Raises WaitTimeoutError after ``timeout`` seconds.
    """
    started = monotonic()
    result = fetch()
    for pause in intervals():
        if done(result):
            return result, monotonic() - started
        remaining = timeout - (monotonic() - started)
        if remaining <= 0:
            state = f" Last seen: {describe(result)}." if describe else ""
            raise WaitTimeoutError(
                f"Timed out after {timeout:.0f}s waiting for {what}.{state}",
                hint="Raise wait_timeout, or set wait=false and check again later.",
            )
        sleep(min(pause, remaining))
        result = fetch()
    raise AssertionError("unreachable")  # pragma: no cover
