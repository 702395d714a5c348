# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The rotation decision as a table: mode x key age x days to expiry x rotated within the hour, and the key a failed
switch left unused, on a fake clock."""

from __future__ import annotations

import calendar

import pytest

from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import InputError
from ansible_collections.ibmcloud.kms.plugins.module_utils._kms import format_time
from ansible_collections.ibmcloud.kms.plugins.module_utils._rotation import (
    Policy,
    decide,
    key_age_days,
    new_key_expiration,
    new_key_name,
    unused_key,
)

NOW = float(calendar.timegm((2027, 3, 1, 12, 0, 0)))
DAY, HOUR = 86400, 3600


def key(age_days=10.0, expires_in_days=None, rotated_minutes_ago=None, **extra):
    """A root key created AGE_DAYS ago (or rotated ROTATED_MINUTES_AGO), expiring in EXPIRES_IN_DAYS (None: never)."""
    record = {"id": "k1", "state": 1, "creationDate": format_time(NOW - age_days * DAY)}
    if rotated_minutes_ago is not None:
        record["lastRotateDate"] = format_time(NOW - rotated_minutes_ago * 60)
    if expires_in_days is not None:
        record["expirationDate"] = format_time(NOW + expires_in_days * DAY + 60)
    record.update(extra)
    return record


# mode, key age (days), days to expiry, rotated minutes ago -> action, blocked by the hourly limit
DECISIONS = [
    # auto: a key expiring within the threshold is switched, whatever its age or last rotation
    ("auto", 10, 20, None, "switch", False),
    ("auto", 10, 30, None, "switch", False),
    ("auto", 200, 5, None, "switch", False),
    ("auto", 10, 20, 5, "switch", False),
    ("auto", 10, -1, None, "switch", False),  # expired already: only a new key helps
    # auto: an old key not expiring soon is rotated in place
    ("auto", 90, 31, None, "rotate", False),
    ("auto", 120, None, None, "rotate", False),
    ("auto", 120, 400, None, "rotate", False),
    # auto: the age counts from the last rotation, not the creation
    ("auto", 120, None, 60 * 24 * 10, "none", False),
    ("auto", 120, None, 60 * 24 * 100, "rotate", False),
    # auto: young keys that do not expire soon are left alone
    ("auto", 10, None, None, "none", False),
    ("auto", 89.9, 31, None, "none", False),
    ("auto", 0, 400, 5, "none", False),
    # rotate: always in place; within the hour it is blocked (skipped), never failed
    ("rotate", 10, None, None, "rotate", False),
    ("rotate", 10, 20, None, "rotate", False),
    ("rotate", 10, None, 5, "rotate", True),
    ("rotate", 10, None, 59, "rotate", True),
    ("rotate", 10, None, 61, "rotate", False),
    ("rotate", 200, 400, 30, "rotate", True),
    # switch: always a new key, whatever the age, the expiry or the last rotation
    ("switch", 0, None, None, "switch", False),
    ("switch", 10, 400, 5, "switch", False),
    ("switch", 200, 5, None, "switch", False),
]


@pytest.mark.parametrize("mode, age, expires, rotated, action, blocked", DECISIONS)
def test_decide(mode, age, expires, rotated, action, blocked):
    policy = Policy(mode=mode, expiration_threshold_days=30, max_key_age_days=90)
    decision = decide(policy, key(age, expires, rotated), NOW)
    assert decision.action == action
    assert (decision.blocked is not None) == blocked
    if blocked:
        assert "one rotation per hour" in decision.blocked
    assert decision.days_until_expiration == expires
    assert str(decision.key_age_days) in decision.reason


def test_auto_with_a_key_rotated_within_the_hour_and_a_tiny_max_age_is_blocked():
    decision = decide(Policy(max_key_age_days=0.01), key(10, None, rotated_minutes_ago=30), NOW)
    assert (decision.action, decision.blocked is not None) == ("rotate", True)


def test_rotating_a_key_that_expires_soon_warns_that_only_a_switch_helps():
    assert "switch" in decide(Policy(mode="rotate"), key(10, 20), NOW).warning
    assert decide(Policy(mode="rotate"), key(10, 200), NOW).warning is None


def test_a_key_without_dates_has_no_age_and_auto_leaves_it():
    decision = decide(Policy(), {"id": "k1", "state": 1}, NOW)
    assert (decision.action, decision.key_age_days) == ("none", None)


def test_an_unknown_mode_is_refused():
    with pytest.raises(InputError, match="mode must be one of"):
        decide(Policy(mode="sometimes"), key(), NOW)


def test_key_age_counts_from_the_last_rotation():
    assert key_age_days(key(100, rotated_minutes_ago=60 * 24 * 3), NOW) == 3.0
    assert key_age_days(key(100), NOW) == 100.0


@pytest.mark.parametrize(
    "days, min_days, expected",
    [(None, 30, None), (365, 30, "2028-02-29T00:00:00Z"), (31, 30, "2027-04-01T00:00:00Z")],
)
def test_new_key_expiration(days, min_days, expected):
    policy = Policy(new_key_expiration_days=days, min_days_before_expiration=min_days)
    assert new_key_expiration(policy, NOW) == expected


@pytest.mark.parametrize("days", [30, 5, 0, -3])
def test_a_new_key_the_switch_would_refuse_is_refused_before_it_is_created(days):
    with pytest.raises(InputError, match="new_key_expiration_days"):
        new_key_expiration(Policy(new_key_expiration_days=days, min_days_before_expiration=30), NOW)


def test_new_key_name_is_the_cluster_and_the_time():
    assert new_key_name("demo-vpc", NOW) == "demo-vpc-root-key-20270301-120000"


# -- the key a failed switch left unused ---------------------------------------------------------
CURRENT = key(50, id="current", name="demo-root-key-20270109-120000")


def left(name="demo-root-key-20270301-110000", age_days=0.05, **extra):
    return key(age_days, id=extra.pop("id", "left"), name=name, **extra)


# keys, registered ids -> the id taken (None: create a new key)
UNUSED = [
    ([left()], set(), "left"),
    ([], set(), None),
    ([left()], {"left"}, None),  # registered: some cluster uses it
    ([left(name="other-root-key-20270301-110000")], set(), None),  # another cluster's key
    ([left(name="demo-root-key-latest")], set(), None),  # not named the way a switch names keys
    ([left(name="demo-root-key-20270301-110000-x")], set(), None),
    ([left(age_days=60)], set(), None),  # older than the current key: the cluster may have used it
    ([left(state=2)], set(), None),  # suspended
    ([left(expires_in_days=10)], set(), None),  # expires too soon for a switch
    ([left(expires_in_days=300)], set(), "left"),
    ([left(id="a", age_days=0.5), left(id="b", age_days=0.1)], set(), "b"),  # the newest
    ([CURRENT, left()], {"current"}, "left"),  # the current key itself is never taken
]


@pytest.mark.parametrize("keys, registered, expected", UNUSED)
def test_unused_key(keys, registered, expected):
    found = unused_key(keys, registered, "demo", CURRENT, Policy(min_days_before_expiration=30), NOW)
    assert (found or {}).get("id") == expected


def test_no_unused_key_when_the_current_key_has_no_creation_date():
    assert unused_key([left()], set(), "demo", {"id": "current"}, Policy(), NOW) is None
