#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: cluster_key_rotation
short_description: Rotate the root key of a cluster's KMS encryption, or switch the cluster to a new root key
version_added: 0.2.0
description:
  - For one IBM Cloud Kubernetes Service or Red Hat OpenShift on IBM Cloud cluster with KMS encryption, reads the root
    key the cluster uses (from its Key Protect or Hyper Protect Crypto Services registration), decides what to do and
    does it, safe to run on a schedule.
  - O(mode=rotate) rotates the root key in the KMS (a new version of the same key; the cluster re-wraps its keys by
    itself). O(mode=switch) creates a new root key and moves the cluster to it; the old key stays active, since the
    cluster can never go back to it and data may still need it. O(mode=auto) switches when the key expires within
    O(expiration_threshold_days), rotates when its material is O(max_key_age_days) old, and else does nothing.
  - A rotation within an hour of the last one is skipped, not failed (Key Protect allows one per key per hour).
  - A switch is checked like M(ibmcloud.kms.cluster_kms) checks it, before its new key is created. A switch that
    failed after creating its key left that key unused; a rerun takes it instead of creating another one.
  - A rerun while the master still applies an earlier change waits for it first, then decides on what it finds.
  - Returns what it decided and why (RV(rotation)). Check mode predicts the decision and changes nothing; diff mode
    shows the root key and version before and after.
author:
  - ibmcloud.kms maintainers (@ibmcloud-kms)
options:
  cluster:
    description:
      - The cluster, by name or id. KMS encryption must be enabled on it.
    type: str
    required: true
  instance:
    description:
      - The Key Protect or Hyper Protect Crypto Services instance that holds the cluster's root key, by guid, name or
        CRN.
      - Searched first for the cluster's registration. When the cluster has no root key there (or the instance does
        not exist, for example a default name after a setup with another instance), or when not set, every other
        active KMS instance of the KMS account (O(kms_account_id), else the caller's) is searched, since the
        registration says which instance a cluster uses.
    type: str
  mode:
    description:
      - V(auto) decides from the key's expiration date and age; V(rotate) rotates in place; V(switch) moves the
        cluster to a new root key.
    type: str
    choices: [auto, rotate, switch]
    default: auto
  expiration_threshold_days:
    description:
      - With O(mode=auto), switch to a new key when the current one expires within this many days. A rotation keeps
        the expiration date, so only a switch helps then.
    type: int
    default: 30
  max_key_age_days:
    description:
      - With O(mode=auto), rotate the key in place when its material (since its last rotation, else its creation) is
        this many days old.
    type: float
    default: 90
  new_key_expiration_days:
    description:
      - The new root key of a switch expires this many days after the switch (at midnight UTC).
      - When not set, the new key never expires.
      - Must be more than O(min_days_before_expiration).
    type: int
  min_days_before_expiration:
    description:
      - Refuse a new root key that expires within this many days (as M(ibmcloud.kms.cluster_kms) does).
    type: int
    default: 30
  private_endpoint:
    description:
      - Whether the cluster reaches the KMS instance over its private endpoint after a switch, as in
        M(ibmcloud.kms.cluster_kms).
    type: bool
    default: true
  wait:
    description:
      - After a switch, wait until the master has applied it; before any change, wait for an update the master is
        still applying.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the master when O(wait=true). On IBM Cloud, a master update takes about 20 minutes.
    type: int
    default: 1800
  rewrap_timeout:
    description:
      - After a rotation in place, wait up to this many seconds while the cluster's registration shows the older key
        version. Best-effort, since IBM does not publish whether or when the registration follows a rotation; V(0)
        does not wait.
      - When the registration has not followed, the task succeeds with a warning, unless O(require_rewrap=true).
    type: int
    default: 900
  require_rewrap:
    description:
      - Fail when the registration still shows the older version after O(rewrap_timeout). The rotation itself stays
        done.
    type: bool
    default: false
extends_documentation_fragment:
  - ibmcloud.kms.auth
  - ibmcloud.kms.kms_account
  - ibmcloud.kms.attributes
notes:
  - Rotating needs the Writer service role on the KMS instance, a switch also the Administrator platform role on the
    cluster (see M(ibmcloud.kms.cluster_kms)).
  - Never deletes or disables a key. After a switch, the old key is recorded on the cluster (as
    M(ibmcloud.kms.cluster_kms) records it) so that no later run moves the cluster back to it.
  - The new key of a switch is named and aliased C(<cluster>-root-key-<YYYYmmdd-HHMMSS>) (UTC).
seealso:
  - module: ibmcloud.kms.cluster_kms
  - module: ibmcloud.kms.root_key
  - name: Rotating the root key of a cluster
    description: The IBM Cloud Kubernetes Service documentation.
    link: https://cloud.ibm.com/docs/containers?topic=containers-encryption-secrets
"""

EXAMPLES = r"""
- name: Scheduled job - rotate keys older than 90 days, switch keys expiring within 30 days
  ibmcloud.kms.cluster_key_rotation:
    cluster: my-cluster
    new_key_expiration_days: 365
  register: rotation

- name: Say what it did
  ansible.builtin.debug:
    msg: "{{ rotation.summary }}"

- name: Preview a switch to a new root key that never expires
  ibmcloud.kms.cluster_key_rotation:
    cluster: my-cluster
    instance: kms-for-clusters
    mode: switch
  check_mode: true
  diff: true

- name: Rotate in place and fail unless the cluster shows the new version within 15 minutes
  ibmcloud.kms.cluster_key_rotation:
    cluster: my-cluster
    mode: rotate
    rewrap_timeout: 900
    require_rewrap: true
"""

RETURN = r"""
rotation:
  description: What was decided and why, and what was done (in check mode, what would be).
  returned: always
  type: dict
  contains:
    cluster: {description: The cluster name., type: str, sample: my-cluster}
    mode: {description: The O(mode) asked for., type: str, sample: auto}
    action: {description: "What was decided: V(none), V(rotate) or V(switch).", type: str, sample: rotate}
    status:
      description: "V(unchanged), V(rotated), V(skipped) (a rotation within the hour) or V(switched)."
      type: str
      sample: rotated
    reason:
      description: Why; for V(skipped), why the rotation was skipped.
      type: str
    check_mode: {description: Whether this was a prediction., type: bool, sample: false}
    instance_id: {description: The guid of the KMS instance., type: str}
    instance_name: {description: The name of the KMS instance; null across accounts without its credentials., type: str}
    root_key_id: {description: The root key the cluster uses afterwards; null for a new key in check mode., type: str}
    root_key_alias: {description: Its first alias; null when it has none., type: str}
    key_version: {description: Its current version afterwards; null when unknown (check mode)., type: str}
    previous_key_version: {description: The version of the key the cluster used before., type: str}
    rewrap_status:
      description:
        - After a rotation in place, V(current) when the cluster's registration shows the new version, V(pending) when
          it still shows the older one, V(unknown) when no version is visible; null otherwise.
      type: str
    retired_root_key_id:
      description: After a switch, the key the cluster left, which stays active; else null.
      type: str
    key_age_days: {description: Days since the current key's material last changed; null when unknown., type: float}
    days_until_expiration: {description: Days until the current key expires; null when never., type: int}
summary:
  description: One line that says what happened, for a report.
  returned: always
  type: str
  sample: "Cluster my-cluster: root key 0792... rotated in place, version 2291... -> 4c1e...; the cluster's registration
    shows the new version."
cluster_kms:
  description: The cluster's KMS configuration afterwards, as M(ibmcloud.kms.cluster_kms_info) shows it.
  returned: always
  type: dict
waited_seconds:
  description: How long the master took to apply a switch.
  returned: when it waited for a switch
  type: float
"""

from typing import Any

from ansible_collections.ibmcloud.kms.plugins.module_utils._argspec import KMS_ACCOUNT_SPEC
from ansible_collections.ibmcloud.kms.plugins.module_utils._cluster_kms import (
    cluster_tags,
    kms_account,
    master_busy,
    settle,
    view_after,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._containers import ContainersClient, kms_enabled, lifecycle
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import IBMCloudError, InputError
from ansible_collections.ibmcloud.kms.plugins.module_utils._instances import NEEDS
from ansible_collections.ibmcloud.kms.plugins.module_utils._module import IBMCloudModule
from ansible_collections.ibmcloud.kms.plugins.module_utils._root_keys import ensure_rotated
from ansible_collections.ibmcloud.kms.plugins.module_utils._rotate_cluster import (
    Found,
    Outcome,
    current_view,
    locate,
    report,
    rewrap_refusal,
    summary,
    switch,
    switch_target,
    wait_for_rewrap,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._rotation import MODES, Decision, Policy, decide

CHECKS = {
    "cluster": "not_empty",
    "instance": "not_empty",
    "expiration_threshold_days": "not_negative",
    "max_key_age_days": "positive",
    "new_key_expiration_days": "positive",
    "min_days_before_expiration": "not_negative",
    "wait_timeout": "positive",
    "rewrap_timeout": "positive",
}


def argument_spec() -> dict:
    return dict(
        cluster=dict(type="str", required=True),
        instance=dict(type="str"),
        mode=dict(type="str", default="auto", choices=list(MODES)),
        expiration_threshold_days=dict(type="int", default=30),
        max_key_age_days=dict(type="float", default=90, no_log=False),
        new_key_expiration_days=dict(type="int", no_log=False),
        min_days_before_expiration=dict(type="int", default=30),
        private_endpoint=dict(type="bool", default=True),
        **KMS_ACCOUNT_SPEC,
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
        rewrap_timeout=dict(type="int", default=900),
        require_rewrap=dict(type="bool", default=False),
    )


def policy_of(params: dict) -> Policy:
    return Policy(
        mode=params["mode"],
        expiration_threshold_days=params["expiration_threshold_days"],
        max_key_age_days=params["max_key_age_days"],
        min_days_before_expiration=params["min_days_before_expiration"],
        new_key_expiration_days=params["new_key_expiration_days"],
    )


def run(module: IBMCloudModule) -> dict:
    params, session, check_mode = module.params, module.session, module.check_mode
    containers = session.shared(ContainersClient)
    cluster = containers.get_cluster(params["cluster"])
    if cluster is None:
        raise InputError(f"Cluster {params['cluster']!r} was not found in the account of the API key.")
    if not kms_enabled(cluster):
        raise InputError(
            f"KMS encryption is not enabled on cluster {cluster['name']}, so it has no root key to rotate; "
            "run ibmcloud.kms.setup (or ibmcloud.kms.cluster_kms) first."
        )
    cluster = settle(containers, cluster, wait=params["wait"], timeout=params["wait_timeout"])
    if master_busy(cluster):  # only without wait: deciding now could repeat the change still applying
        raise InputError(
            f"The master of cluster {cluster['name']} is {lifecycle(cluster)['masterState']} "
            f"({lifecycle(cluster)['masterStatus']}); run again when it is Ready, or with wait=true."
        )
    warnings: list = []
    kms_account_id = kms_account(session, module.kms_session, params["kms_account_id"])
    tags = cluster_tags(session, cluster, warnings) or []
    found = locate(module.kms_session or session, cluster, params["instance"], kms_account_id, tags)
    now = session.now()
    policy = policy_of(params)
    decision = decide(policy, found.key, now)
    for warning in warnings + ([decision.warning] if decision.warning else []):
        module.warn(warning)
    before = current_view(found, now)
    if decision.action == "none":
        outcome = Outcome("unchanged", decision.reason, found.key, before)
    elif decision.action == "rotate":
        outcome = rotate(module, found, decision, before, now)
    else:
        target = switch_target(found, policy, kms_account_id, params["private_endpoint"], now)
        changed, after, waited = switch(
            containers,
            target,
            session,
            module.kms_session,
            policy,
            check_mode=check_mode,
            wait=params["wait"],
            wait_timeout=params["wait_timeout"],
            now=now,
            warn=module.warn,
        )
        view = view_after(target, after, predicted=check_mode, now=now)
        outcome = Outcome(
            "switched", decision.reason, target.key or {}, view, changed, retired_key_id=found.key["id"], waited=waited
        )
    rotation = report(found, decision, outcome, params["mode"], check_mode=check_mode)
    result: dict[str, Any] = {
        "changed": outcome.changed,
        "rotation": rotation,
        "summary": summary(rotation),
        "cluster_kms": outcome.cluster_view,
    }
    if outcome.waited is not None:
        result["waited_seconds"] = round(outcome.waited, 1)
    if module._diff:
        result["diff"] = {
            "before": {"root_key_id": found.key["id"], "root_key_version": rotation["previous_key_version"]},
            "after": {"root_key_id": rotation["root_key_id"], "root_key_version": rotation["key_version"]},
        }
    return result


def rotate(module: IBMCloudModule, found: Found, decision: Decision, before: dict, now: float) -> Outcome:
    """Rotate the key in place (skipped within the hour), then wait, best-effort, for the cluster to show it."""
    params, check_mode = module.params, module.check_mode
    changed, key, result = ensure_rotated(found.kms, found.key, created=False, check_mode=check_mode, now=now)
    if not changed:
        return Outcome("skipped", str(result["reason"] or decision.blocked), key, before)
    if check_mode:  # the new version's id is IBM's to choose
        return Outcome("rotated", decision.reason, {**key, "keyVersion": None}, before, True)
    status, registered = wait_for_rewrap(found.kms, key, found.cluster, timeout=params["rewrap_timeout"])
    if status == "pending":
        refusal = rewrap_refusal(key, found.cluster, registered, params["rewrap_timeout"])
        if params["require_rewrap"]:
            module.fail_json(msg=refusal, changed=True)
        module.warn(refusal)
    view = dict(before, root_key_version=(key.get("keyVersion") or {}).get("id"), rewrap_status=status)
    return Outcome("rotated", decision.reason, key, view, True, rewrap=status)


def main() -> None:
    module = IBMCloudModule(argument_spec(), supports_check_mode=True, needs=NEEDS, checks=CHECKS)
    try:
        result = run(module)
    except IBMCloudError as error:
        module.fail_from_error(error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
