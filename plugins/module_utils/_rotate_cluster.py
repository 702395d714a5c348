# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""What cluster_key_rotation does with IBM Cloud: find the root key a cluster uses, rotate it in place or switch the
cluster to a new one, and wait. The decisions are _rotation's pure functions; this file only reads, acts and waits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from ansible_collections.ibmcloud.kms.plugins.module_utils._client import Session
from ansible_collections.ibmcloud.kms.plugins.module_utils._cluster_kms import (
    Target,
    describe,
    ensure_enabled,
    instances_to_search,
    keys_used_before,
    record_previous_key,
    refuse,
    registers_cluster,
    rewrap_status,
    split_registrations,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._containers import ContainersClient
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import InputError, WaitTimeoutError
from ansible_collections.ibmcloud.kms.plugins.module_utils._kms import DESTROYED, KmsClient
from ansible_collections.ibmcloud.kms.plugins.module_utils._prerequisites import check_change
from ansible_collections.ibmcloud.kms.plugins.module_utils._resource_controller import ResourceClient
from ansible_collections.ibmcloud.kms.plugins.module_utils._root_keys import create_key
from ansible_collections.ibmcloud.kms.plugins.module_utils._rotation import (
    Decision,
    Policy,
    new_key_expiration,
    new_key_name,
    unused_key,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._tagging import recorded_key_ids
from ansible_collections.ibmcloud.kms.plugins.module_utils._wait import wait_until


@dataclass
class Found:
    """The cluster, the instance and root key it uses, and what else was read about them, before any change."""

    cluster: dict
    instance: dict
    kms: KmsClient
    registrations: list  # every registration of the instance
    current: Optional[dict]  # the cluster's registration, None when only this collection's tag names the key
    key: dict
    tags: list = field(default_factory=list)

    @property
    def previous_key_ids(self) -> list:
        _current, older = split_registrations(self.registrations, self.cluster)
        return keys_used_before(older, self.tags)


def locate(key_session: Session, cluster: dict, ref: Optional[str], kms_account_id: str, tags: list) -> Found:
    """The instance and root key the cluster uses, from the cluster's registration, else from the key this collection
    recorded on the cluster: in the instance REF names first, then in every other active KMS instance of the KMS
    account (the registration, not a default instance name, says where the cluster's key is)."""
    resources = ResourceClient(key_session)
    searched: list = []
    try:
        named = instances_to_search(resources, [ref], kms_account_id, key_session.account_id) if ref else []
    except InputError:  # no such instance: the cluster's registration says which one it uses
        named = []
    found = _search(key_session, named, cluster, tags, searched)
    if found is None:
        seen = {instance["guid"] for instance, _kms, _registrations in searched}
        others = instances_to_search(resources, None, kms_account_id, key_session.account_id)
        found = _search(key_session, [i for i in others if i["guid"] not in seen], cluster, tags, searched)
    if found is None:
        found = _recorded(searched, cluster, tags)
    if found is None:
        raise InputError(
            f"Cluster {cluster['name']} has no root key to rotate in any active KMS instance of account "
            f"{kms_account_id}. Run ibmcloud.kms.setup (or ibmcloud.kms.cluster_kms) first; for a KMS instance in "
            "another account, give that account (kms_account_id) and its credentials (kms_api_key)."
        )
    return found


def _search(session: Session, instances: list, cluster: dict, tags: list, searched: list) -> Optional[Found]:
    """The first instance with the cluster's registration; each instance searched is added to SEARCHED."""
    for instance in instances:
        kms = KmsClient(session, instance)
        registrations = kms.registrations()
        current, _older = split_registrations(registrations, cluster)
        key = kms.get_key(current["keyId"]) if current else None
        if key is not None:
            return Found(cluster, instance, kms, registrations, current, key, tags)
        searched.append((instance, kms, registrations))
    return None


def _recorded(searched: list, cluster: dict, tags: list) -> Optional[Found]:
    """The key this collection recorded on the cluster (its root-key tag), in the first instance that holds it."""
    recorded = recorded_key_ids(tags)
    for instance, kms, registrations in searched if len(recorded) == 1 else []:
        key = kms.get_key(recorded[0])
        if key is not None and key.get("state") != DESTROYED:
            return Found(cluster, instance, kms, registrations, None, key, tags)
    return None


# -- rotating in place ---------------------------------------------------------------------------
def _registered_version(kms: KmsClient, key_id: str, cluster: dict) -> Optional[str]:
    mine = [r for r in kms.registrations(key_id) if registers_cluster(r, cluster["id"])]
    return ((mine[0].get("keyVersion") or {}).get("id")) if mine else None


def wait_for_rewrap(
    kms: KmsClient, key: dict, cluster: dict, *, timeout: float, sleep: Optional[Callable[[float], None]] = None
) -> tuple:
    """(re-wrap status, registered version) after waiting while the registration shows an older version than the key's
    (best-effort: IBM does not publish whether or when the registration follows a rotation)."""
    version = (key.get("keyVersion") or {}).get("id")

    def status(registered: Optional[str]) -> str:
        return rewrap_status(version, registered)

    seen = [_registered_version(kms, key["id"], cluster)]  # the last version read

    def read() -> Optional[str]:
        seen.append(_registered_version(kms, key["id"], cluster))
        return seen[-1]

    if timeout > 0 and status(seen[-1]) == "pending":
        options: dict = {"sleep": sleep} if sleep else {}
        try:
            wait_until(
                read,
                lambda registered: status(registered) != "pending",
                timeout=timeout,
                what=f"cluster {cluster['name']}'s registration to show version {version}",
                **options,
            )
        except WaitTimeoutError:
            pass  # best-effort: the status says that the registration has not followed
    return status(seen[-1]), seen[-1]


def rewrap_refusal(key: dict, cluster: dict, registered: Optional[str], timeout: float) -> str:
    return (
        f"Root key {key['id']} was rotated to version {(key.get('keyVersion') or {}).get('id')}, but after"
        f" {timeout:g} s cluster {cluster['name']}'s registration shows version {registered or 'unknown'}."
        " The rotation itself is done; run the verify playbook later to see whether the cluster picked it up."
    )


# -- switching ---------------------------------------------------------------------------------
def switch_target(found: Found, policy: Policy, kms_account_id: str, private_endpoint: bool, now: float) -> Target:
    """The switch's target: the key an earlier failed switch left unused, else a new key (predicted, not created)."""
    expiration = new_key_expiration(policy, now)
    registered = {r.get("keyId") for r in found.registrations}
    reuse = unused_key(found.kms.list_root_keys(), registered, found.cluster["name"], found.key, policy, now)
    name = reuse["name"] if reuse else new_key_name(found.cluster["name"], now)
    key = reuse or create_key(
        found.kms, {"name": name, "alias": name, "expiration_date": expiration}, check_mode=True, now=now
    )
    return Target(
        cluster=found.cluster,
        instance=found.instance,
        key_ref=key.get("id") or name,
        kms_account_id=kms_account_id,
        private_endpoint=private_endpoint,
        kms=found.kms,
        key=key,
        current=found.current,
        previous_key_ids=found.previous_key_ids,
        recorded_key_id=found.key["id"],
    )


def create_new_key(target: Target, now: float) -> None:
    """Create the switch's predicted key (after every check passed); a rerun finds it through unused_key."""
    if target.key and target.key.get("id"):
        return
    name = target.key_ref
    want = {"name": name, "alias": name, "expiration_date": (target.key or {}).get("expirationDate")}
    target.key = create_key(target.kms, want, check_mode=False, now=now)  # type: ignore[arg-type]
    target.key_ref = target.key["id"]


@dataclass
class Outcome:
    """What the module did, for its result."""

    status: str  # unchanged, rotated, skipped or switched
    reason: str
    key: dict  # the root key the cluster uses afterwards (predicted in check mode)
    cluster_view: dict
    changed: bool = False
    retired_key_id: Optional[str] = None
    rewrap: Optional[str] = None
    waited: Optional[float] = None


def switch(
    containers: ContainersClient,
    target: Target,
    session: Session,
    kms_session: Optional[Session],
    policy: Policy,
    *,
    check_mode: bool,
    wait: bool,
    wait_timeout: int,
    now: float,
    warn: Callable[[str], None],
) -> tuple:
    """(changed, cluster after, seconds waited) of moving the cluster to the target's key, checked before the new key
    is created, so that a refused switch leaves nothing behind."""
    check_change(target, session, policy.min_days_before_expiration, now, kms_session=kms_session)
    for warning in target.warnings:
        warn(warning)
    refuse(target)
    if not check_mode:
        create_new_key(target, now)
    changed, after, waited = ensure_enabled(
        containers, target, check_mode=check_mode, wait=wait, wait_timeout=wait_timeout
    )
    if changed and not check_mode:
        warning = record_previous_key(target, session)
        if warning:
            warn(warning)
    return changed, after, waited


def current_view(found: Found, now: float) -> dict:
    return describe(found.cluster, instance=found.instance, key=found.key, registration=found.current, now=now)


def report(found: Found, decision: Decision, outcome: Outcome, mode: str, *, check_mode: bool) -> dict[str, Any]:
    """The module's RV(rotation): what was decided and why, and what it did."""
    before, after = found.key, outcome.key
    return {
        "cluster": found.cluster["name"],
        "mode": mode,
        "action": decision.action,
        "status": outcome.status,
        "reason": outcome.reason,
        "check_mode": check_mode,
        "instance_id": found.instance.get("guid"),
        "instance_name": found.instance.get("name"),
        "root_key_id": after.get("id"),
        "root_key_alias": (list(after.get("aliases") or []) + [None])[0],
        "key_version": (after.get("keyVersion") or {}).get("id"),
        "previous_key_version": (before.get("keyVersion") or {}).get("id"),
        "rewrap_status": outcome.rewrap,
        "retired_root_key_id": outcome.retired_key_id,
        "key_age_days": decision.key_age_days,
        "days_until_expiration": decision.days_until_expiration,
    }


def summary(rotation: dict) -> str:
    """One line that says what happened (in check mode, what would)."""
    r, would = rotation, "would be " if rotation["check_mode"] else ""
    cluster = f"Cluster {r['cluster']}"
    if r["status"] == "unchanged":
        return f"{cluster}: {r['reason']}."
    if r["status"] == "skipped":
        return f"{cluster}: rotation of root key {r['root_key_id']} skipped: {r['reason']}."
    if r["action"] == "rotate":
        if r["check_mode"]:
            return f"{cluster}: root key {r['root_key_id']} would be rotated in place ({r['reason']})."
        seen = {
            "current": "the cluster's registration shows the new version",
            "pending": "the cluster's registration still shows the old version (see the warning; run verify later)",
        }.get(r["rewrap_status"] or "", "whether the cluster picked it up cannot be seen in the KMS (run verify later)")
        return (
            f"{cluster}: root key {r['root_key_id']} rotated in place, version {r['previous_key_version']} -> "
            f"{r['key_version']}; {seen}."
        )
    return (
        f"{cluster}: {would}switched to new root key {r['root_key_alias']} ({r['root_key_id'] or 'new'}); old root key "
        f"{r['retired_root_key_id']} is retired but kept (never delete or disable it). Why: {r['reason']}."
    )
