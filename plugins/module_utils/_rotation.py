# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""What cluster_key_rotation decides, as pure functions of the root key, the policy and a clock (no I/O).

Two ways move a cluster off aging key material (IBM Cloud Kubernetes Service documentation, "Rotating the root
key"): rotate the root key in Key Protect or HPCS (a new version under the same id; the cluster re-wraps by itself),
or switch the cluster to a new root key. Only a switch escapes an expiration date: a rotation keeps the key's date.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Optional

from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import InputError
from ansible_collections.ibmcloud.kms.plugins.module_utils._kms import (
    ACTIVE,
    DAY,
    days_until,
    midnight_after,
    parse_time,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._root_keys import rotation_blocked

AUTO, ROTATE, SWITCH, NONE = "auto", "rotate", "switch", "none"
MODES = (AUTO, ROTATE, SWITCH)


@dataclass(frozen=True)
class Policy:
    """What the caller asked for (the options of cluster_key_rotation)."""

    mode: str = AUTO
    expiration_threshold_days: int = 30
    max_key_age_days: float = 90
    min_days_before_expiration: int = 30
    new_key_expiration_days: Optional[int] = None


@dataclass(frozen=True)
class Decision:
    """What to do with the cluster's root key, and why."""

    action: str  # none, rotate or switch
    reason: str
    key_age_days: Optional[float]
    days_until_expiration: Optional[int]
    blocked: Optional[str] = None  # why a rotation cannot happen now (Key Protect's hourly limit)
    warning: Optional[str] = None


def key_age_days(key: dict, now: float) -> Optional[float]:
    """Days since the key material last changed: its last rotation, else its creation; None when neither is known."""
    since = parse_time(key.get("lastRotateDate")) or parse_time(key.get("creationDate"))
    return None if since is None else (now - since) / DAY


def _expiry_text(days: Optional[int]) -> str:
    return "never expires" if days is None else f"expires in {days} days"


def decide(policy: Policy, key: dict, now: float) -> Decision:
    """The action for the cluster's current root key KEY (a Key Protect key record) under POLICY at NOW."""
    if policy.mode not in MODES:
        raise InputError(f"mode must be one of {', '.join(MODES)}, not {policy.mode!r}.")
    exact_age, days = key_age_days(key, now), days_until(key.get("expirationDate"), now)
    age = None if exact_age is None else round(exact_age, 1)
    expiring = days is not None and days <= policy.expiration_threshold_days
    facts = f"root key {key.get('id')} was last rotated (or created) {age} days ago and {_expiry_text(days)}"
    if policy.mode == SWITCH:
        return Decision(SWITCH, f"mode switch: {facts}", age, days)
    if policy.mode == ROTATE:
        warning = (
            f"Root key {key.get('id')} {_expiry_text(days)}, within {policy.expiration_threshold_days} days; a rotation"
            " keeps the expiration date, so the cluster still needs a switch to a new root key before then."
            if expiring
            else None
        )
        return Decision(ROTATE, f"mode rotate: {facts}", age, days, rotation_blocked(key, now), warning)
    if expiring:
        reason = f"{facts}, within expiration_threshold_days={policy.expiration_threshold_days}: switch to a new key"
        return Decision(SWITCH, reason, age, days)
    if exact_age is not None and exact_age >= policy.max_key_age_days:
        reason = f"{facts}; max_key_age_days={policy.max_key_age_days:g} is reached: rotate in place"
        return Decision(ROTATE, reason, age, days, rotation_blocked(key, now))
    return Decision(NONE, f"{facts}; nothing to do", age, days)


# -- a switch's new key --------------------------------------------------------------------------
def new_key_name(cluster_name: str, now: float) -> str:
    """The name and alias of a new root key: the cluster's name and the time, unique per cluster and second."""
    return f"{cluster_name}-root-key-{time.strftime('%Y%m%d-%H%M%S', time.gmtime(now))}"


def new_key_expiration(policy: Policy, now: float) -> Optional[str]:
    """The expiration date of a new root key (midnight UTC, NEW_KEY_EXPIRATION_DAYS on), None for a key that never
    expires; refuses a date the switch itself would refuse as too close."""
    days = policy.new_key_expiration_days
    if days is None:
        return None
    if days <= policy.min_days_before_expiration:
        raise InputError(
            f"A new root key would expire in {days} days, within min_days_before_expiration="
            f"{policy.min_days_before_expiration}; give it a later expiration (new_key_expiration_days) or none."
        )
    return midnight_after(now, days)


def unused_key(
    keys: list, registered_ids: set, cluster_name: str, current: dict, policy: Policy, now: float
) -> Optional[dict]:
    """The root key an earlier switch of this cluster created and then failed to move the cluster to, so that a rerun
    takes it instead of creating another one: named as new_key_name names them for this cluster, created after the
    key the cluster uses (so the cluster never used it), active, registered with nothing and not expiring too soon.
    The newest such key, else None."""
    stamped = re.compile(rf"^{re.escape(cluster_name)}-root-key-\d{{8}}-\d{{6}}$")
    since = parse_time(current.get("creationDate"))
    if since is None:
        return None
    found = [
        key
        for key in keys
        if stamped.match(key.get("name") or "")
        and key.get("state") == ACTIVE
        and key.get("id") not in registered_ids
        and (parse_time(key.get("creationDate")) or 0) > since
        and _lasts(key, policy, now)
    ]
    return max(found, key=lambda k: parse_time(k.get("creationDate")) or 0, default=None)


def _lasts(key: dict, policy: Policy, now: float) -> bool:
    days = days_until(key.get("expirationDate"), now)
    return days is None or days > policy.min_days_before_expiration
