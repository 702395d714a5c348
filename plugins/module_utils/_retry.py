# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""The collection's one retry policy.

Retried: 429, 500, 502, 503, 504 and connection failures, with jittered exponential backoff,
honouring Retry-After, each delay clamped, the number of attempts capped. A POST is retried only
after a 429 (the request was refused before it did anything); any other failure of a POST is
ambiguous and goes back to the caller, which must look before it creates again.
"""

from __future__ import annotations

import random
import time
from typing import Callable, Optional, TypeVar

from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import (
    CertificateError,
    IBMCloudError,
    RateLimitedError,
    ServerError,
    TransportError,
)

T = TypeVar("T")
RETRYABLE_STATUS = frozenset((429, 500, 502, 503, 504))


def is_retryable(error: IBMCloudError) -> bool:
    if isinstance(error, CertificateError):
        return False
    return isinstance(error, TransportError) or error.status in RETRYABLE_STATUS


def is_ambiguous(error: IBMCloudError) -> bool:
    """The request may have been applied: a lost answer or a server failure."""
    return isinstance(error, TransportError) or (isinstance(error, ServerError) and error.status != 501)


class RetryPolicy:
    def __init__(
        self,
        attempts: int = 5,
        base_delay: float = 1.0,
        max_delay: float = 20.0,
        sleep: Callable[[float], None] = time.sleep,
        log: Optional[Callable[[str], None]] = None,
        rng: Optional[random.Random] = None,
    ) -> None:
        self.attempts = max(1, attempts)
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep
        self.log = log or (lambda _msg: None)
        self.rng = rng or random.Random()

    def delay(self, attempt: int, error: Optional[IBMCloudError] = None) -> float:
        """Full-jitter backoff for attempt 1, 2, ...; Retry-After wins when the server sent it."""
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            return min(self.max_delay, retry_after)
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return self.rng.uniform(ceiling / 2, ceiling)

    def should_retry(self, error: IBMCloudError, idempotent: bool, attempt: int) -> bool:
        if attempt >= self.attempts or not is_retryable(error):
            return False
        return idempotent or isinstance(error, RateLimitedError)

    def run(self, call: Callable[[], T], *, idempotent: bool, what: str) -> T:
        attempt = 1
        while True:
            try:
                return call()
            except IBMCloudError as error:
                if not self.should_retry(error, idempotent, attempt):
                    raise
                pause = self.delay(attempt, error)
                self.log(
                    f"{what}: attempt {attempt} failed ({error.status or type(error).__name__}); "
                    f"retrying in {pause:.1f}s"
                )
                self.sleep(pause)
                attempt += 1

    def create(self, create: Callable[[], T], find: Callable[[], Optional[T]], *, what: str) -> T:
        """Create once; after an ambiguous failure look for the resource before creating again."""
        attempt = 1
        while True:
            try:
                return create()
            except IBMCloudError as error:
                if not is_ambiguous(error) or attempt >= self.attempts:
                    raise
                pause = self.delay(attempt, error)
                self.sleep(pause)
                found = find()
                if found is not None:
                    self.log(f"{what}: the create answer was lost, but the resource exists; adopting it")
                    return found
                self.log(
                    f"{what}: create failed ({error.status or type(error).__name__}) and nothing was "
                    f"created; trying again"
                )
                attempt += 1
