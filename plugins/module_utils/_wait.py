# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""Waiting for asynchronous IBM Cloud operations with adaptive polling, and telling the user while it lasts.

A module cannot print while it runs. When the collection's action plugin runs it (plugins/action/), it names a file
in PROGRESS_ENV; each wait writes a line there when it starts and then every PROGRESS_EVERY seconds (what it waits
for, the last state seen, the time waited and the timeout), and the action plugin shows each line as it comes.

Several clusters or keys of one run wait side by side (run_each), and what they share is read once (ReadOnce).
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple, TypeVar, cast

from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import IBMCloudError, WaitTimeoutError
from ansible_collections.ibmcloud.kms.plugins.module_utils._retry import is_retryable

T = TypeVar("T")
Item = TypeVar("Item")

# Short intervals first (most operations finish in seconds), longer later, bounded.
POLL_INTERVALS = (1.0, 1.0, 2.0, 2.0, 3.0, 5.0, 5.0, 10.0)
MAX_INTERVAL = 15.0
PROGRESS_ENV = "IBMCLOUD_KMS_PROGRESS_FILE"
PROGRESS_EVERY = 15.0


def report_progress(line: str) -> None:
    """Append LINE to the progress file the action plugin named, if any (a failure to write is not the task's)."""
    path = os.environ.get(PROGRESS_ENV)
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as progress:
            progress.write(line.replace("\n", " ") + "\n")
    except OSError:
        pass


def intervals() -> Iterator[float]:
    yield from POLL_INTERVALS
    while True:
        yield MAX_INTERVAL


def _poll(fetch: Callable[[], T]) -> Tuple[Optional[T], Optional[IBMCloudError]]:
    """fetch(), or the transient failure it ended in (connection failure, 429, 5xx after the retry policy's own
    retries): an outage of the API during a wait is waited through, not the end of the wait."""
    try:
        return fetch(), None
    except IBMCloudError as error:
        if not is_retryable(error):
            raise
        return None, error


def wait_until(
    fetch: Callable[[], T],
    done: Callable[[T], bool],
    *,
    timeout: float,
    what: str,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    describe: Optional[Callable[[T], str]] = None,
    report: Callable[[str], None] = report_progress,
) -> Tuple[T, float]:
    """Poll ``fetch`` until ``done(result)``; return the last result and the seconds waited.

    ``done`` may raise to stop early (a failed state). A transient failure of ``fetch`` (no answer, 429, 5xx) is
    shown as the last state and polled through. Raises WaitTimeoutError after ``timeout`` seconds. While it waits,
    ``report`` gets a line at the start and then every PROGRESS_EVERY seconds.
    """
    started = monotonic()
    result, error = _poll(fetch)
    next_report = 0.0
    for pause in intervals():
        if error is None and done(cast(T, result)):  # without an error, fetch() gave the result
            return cast(T, result), monotonic() - started
        waited = monotonic() - started
        if error is not None:
            seen: Optional[str] = f"no answer from IBM Cloud ({error.status or type(error).__name__}), still trying"
        else:
            seen = describe(cast(T, result)) if describe else None
        if waited >= next_report:
            state = f": {seen}" if seen else ""
            report(f"Waiting for {what}{state} ({waited:.0f} s of at most {timeout:.0f} s)")
            next_report = waited + PROGRESS_EVERY
        remaining = timeout - (monotonic() - started)
        if remaining <= 0:
            state = f" Last seen: {seen}." if seen else ""
            raise WaitTimeoutError(
                f"Timed out after {timeout:.0f}s waiting for {what}.{state}",
                hint="Raise wait_timeout, or set wait=false and check again later.",
            )
        sleep(min(pause, remaining))
        result, error = _poll(fetch)
    raise AssertionError("unreachable")  # pragma: no cover


def run_each(work: Callable[[Item], T], items: Sequence[Item], *, at_once: int) -> List[T]:
    """[work(item) for item in ITEMS], up to AT_ONCE at once in threads: clusters that each wait for IBM Cloud (a read,
    a master update) wait side by side. The results are in the order of ITEMS; an exception of WORK is raised here."""
    if len(items) < 2:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(at_once, len(items))) as pool:
        return list(pool.map(work, items))


class ReadOnce:
    """The reads that the clusters of one run share (an identity's policies, the instance, the authorization), each
    made once, also when the clusters are checked or changed in parallel threads (run_each): a second asker waits for
    the first read and gets its answer, or its IBMCloudError raised again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict = {}

    def get(self, key: tuple, read: Callable[[], Any]) -> Any:
        with self._lock:
            entry = self._entries.setdefault(key, {"lock": threading.Lock()})
        with entry["lock"]:
            if "value" not in entry and "error" not in entry:
                try:
                    entry["value"] = read()
                except IBMCloudError as error:
                    entry["error"] = error
        if "error" in entry:
            raise entry["error"]
        return entry["value"]
