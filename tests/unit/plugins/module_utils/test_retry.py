# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import random

import pytest

from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import (
    CertificateError,
    BadRequestError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._retry import RetryPolicy


def failing(errors, result="ok"):
    """A call that raises each error in turn, then returns ``result``; counts its calls."""
    calls = {"n": 0}
    pending = list(errors)

    def call():
        calls["n"] += 1
        if pending:
            raise pending.pop(0)
        return result

    return call, calls


def policy(attempts=4):
    sleeps = []
    return RetryPolicy(attempts=attempts, sleep=sleeps.append, rng=random.Random(1)), sleeps


# (errors raised before success, idempotent, expected calls, raises)
CASES = [
    ([], True, 1, None),
    ([ServerError("x", status=500)], True, 2, None),
    ([ServerError("x", status=502), ServerError("x", status=503), ServerError("x", status=504)], True, 4, None),
    ([TransportError("reset")], True, 2, None),
    ([CertificateError("untrusted")], True, 1, CertificateError),
    ([RateLimitedError("slow", status=429)], False, 2, None),
    ([ServerError("x", status=500)], False, 1, ServerError),
    ([TransportError("reset")], False, 1, TransportError),
    ([BadRequestError("bad", status=400)], True, 1, BadRequestError),
    ([NotFoundError("gone", status=404)], True, 1, NotFoundError),
    ([ServerError("x", status=500)] * 4, True, 4, ServerError),
]


@pytest.mark.parametrize("errors, idempotent, calls_expected, raises", CASES)
def test_run_retries_only_what_is_safe(errors, idempotent, calls_expected, raises):
    retry, sleeps = policy()
    call, calls = failing(errors)
    if raises:
        with pytest.raises(raises):
            retry.run(call, idempotent=idempotent, what="test")
    else:
        assert retry.run(call, idempotent=idempotent, what="test") == "ok"
    assert calls["n"] == calls_expected
    assert len(sleeps) == calls_expected - 1


def test_retry_after_wins_and_is_clamped():
    retry, sleeps = policy()
    call = failing([RateLimitedError("a", status=429, retry_after=2.0),
                    RateLimitedError("b", status=429, retry_after=500.0)])[0]
    retry.run(call, idempotent=True, what="test")
    assert sleeps == [2.0, retry.max_delay]


def test_backoff_grows_and_stays_bounded():
    retry = policy()[0]
    delays = [retry.delay(n) for n in range(1, 10)]
    assert all(0 < d <= retry.max_delay for d in delays)
    assert delays[0] <= retry.base_delay
    assert max(delays[5:]) > retry.base_delay * 4


def test_create_looks_before_creating_again_and_adopts():
    retry = policy()[0]
    create, created = failing([TransportError("lost answer")], result="created")
    found = iter([{"id": "1"}])
    assert retry.create(create, lambda: next(found), what="create") == {"id": "1"}
    assert created["n"] == 1


def test_create_retries_when_nothing_was_created():
    retry = policy()[0]
    create, created = failing([ServerError("boom", status=500)], result="created")
    assert retry.create(create, lambda: None, what="create") == "created"
    assert created["n"] == 2


def test_create_does_not_retry_a_rejected_request():
    retry = policy()[0]
    create, created = failing([BadRequestError("bad", status=400)])
    with pytest.raises(BadRequestError):
        retry.create(create, lambda: pytest.fail("must not look"), what="create")
    assert created["n"] == 1
