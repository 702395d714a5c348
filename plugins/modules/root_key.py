#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: root_key
short_description: Create, rotate, enable, disable or delete a Key Protect or HPCS root key
version_added: 0.1.0
description:
  - Makes sure a root key (a key that never leaves the service, C(extractable=false)) exists in a Key Protect or
    Hyper Protect Crypto Services instance, with the wanted rotation policy and state, and rotates it on demand.
  - The key is identified by O(key_id) or O(alias) when one is given (an alias is unique in an instance), otherwise
    by O(name). When several keys have the name and no alias is given, the module fails and lists them instead of
    guessing.
  - This is step 2 of enabling KMS encryption of Kubernetes secrets on an IBM Cloud Kubernetes Service or
    Red Hat OpenShift on IBM Cloud cluster; the cluster then uses the key by its RV(root_key.id).
author:
  - ibmcloud.kms maintainers (@ibmcloud-kms)
options:
  instance:
    description:
      - The KMS instance that holds the key, by guid, CRN or name.
      - Required, here or in each item of O(root_keys).
    type: str
  root_keys:
    description:
      - Several keys made sure of in one run, up to 16 at once, such as the root keys of a fleet of clusters. Only
        with O(state=present) and without O(rotate).
      - Each item is a key and the options it sets for itself; an option it leaves out is the module's. Each key is
        found and, when missing, created as for one key (looked for again before it is created again).
      - Two items for the same key (the same instance and O(key_id), O(alias) or O(name)) are refused before any
        request.
      - Each key has its own outcome in RV(root_keys). A key that fails does not stop the others; the task then fails,
        naming each key that failed and why, and still returns RV(root_keys).
      - With O(root_keys), the module returns RV(root_keys) instead of RV(root_key), RV(created) and RV(rotation).
    type: list
    elements: dict
    version_added: 0.2.0
    suboptions:
      id:
        description: Any value, returned as it is with the key's outcome (the role passes what it looks the key up by).
        type: raw
      instance:
        description: As O(instance).
        type: str
      name:
        description: As O(name).
        type: str
      alias:
        description: As O(alias).
        type: str
      key_id:
        description: As O(key_id).
        type: str
      expiration_date:
        description: As O(expiration_date).
        type: str
      expiration_days:
        description: As O(expiration_days).
        type: int
      rotation_policy:
        description: As O(rotation_policy).
        type: dict
        suboptions:
          enabled:
            description: As O(rotation_policy.enabled).
            type: bool
            default: true
          interval_month:
            description: As O(rotation_policy.interval_month).
            type: int
      tags:
        description: As O(tags).
        type: list
        elements: str
        version_added: 0.2.0
      instance_predicted:
        description: As O(instance_predicted).
        type: bool
  name:
    description:
      - Name of the key. Required to create a key. Identifies the key when neither O(alias) nor O(key_id) is set.
    type: str
  alias:
    description:
      - An alias of the key (2 to 90 characters of letters, digits, V(_) and V(-)). Identifies the key when set,
        and is given to the key when it is created.
      - Mutually exclusive with O(key_id).
    type: str
  key_id:
    description:
      - The id of an existing key, for example the RV(ibmcloud.kms.cluster_kms_info#module:clusters[].root_key_id)
        of a cluster, so that a rotation job can rotate the key a cluster uses knowing only its id.
      - Identifies the key when set. A key id cannot be chosen, so a key that does not exist is an error, not
        created; use O(name) and O(alias) to create a key.
      - Mutually exclusive with O(alias).
    type: str
  key_ring:
    description:
      - The key ring of the key. A new key is created in it; an existing key in another ring is moved to it.
      - When not set, new keys go to the V(default) ring and existing keys stay where they are.
    type: str
  description:
    description:
      - Description of a new key. The description of an existing key cannot change; a difference is reported as a
        warning.
    type: str
  tags:
    description:
      - Key Protect's own tags of a new key (up to 30, each 1 to 30 characters, none of V(<) V(>) V(,) V(:) V(&)
        V(|), so no V(key:value) tags). These are not Global Tagging tags.
      - Key Protect sets a key's tags when it creates the key and offers no way to change them afterwards, so the
        tags of an existing key are not changed; a difference is reported as a warning. There is therefore no
        C(purge_tags).
    type: list
    elements: str
    version_added: 0.2.0
  expiration_date:
    description:
      - When a new key expires, as an RFC 3339 timestamp such as V(2030-01-01T00:00:00Z). An expired key is
        deactivated and a cluster that uses it stops working.
      - The expiration date of an existing key cannot change; a difference is reported as a warning and the key is
        never replaced.
      - Mutually exclusive with O(expiration_days).
    type: str
  expiration_days:
    description:
      - When a new key expires, as a number of days from now by IBM's clock (the issue time of the IAM token), at
        midnight UTC of that day.
      - Used only when the key is created; an existing key keeps its expiration date, and no warning is given.
      - Mutually exclusive with O(expiration_date).
    type: int
    version_added: 0.2.0
  rotation_policy:
    description:
      - The automatic rotation policy of the key. When not set, the policy is left as it is.
    type: dict
    suboptions:
      enabled:
        description:
          - Whether Key Protect rotates the key automatically.
        type: bool
        default: true
      interval_month:
        description:
          - Months (of 30 days) between automatic rotations, 1 to 12.
        type: int
  dual_auth_delete:
    description:
      - Turn on dual authorization for deletion, after which deleting the key needs two users.
      - This cannot be undone, so it needs O(acknowledge_irreversible=true). V(false) never turns it off; the module
        warns when the key has it.
    type: bool
  acknowledge_irreversible:
    description:
      - Confirms that O(dual_auth_delete=true) cannot be turned off again.
    type: bool
    default: false
  rotate:
    description:
      - Rotate the key now (a new key version under the same id). Key Protect allows one rotation per key per hour.
      - A rotation refused because the key was rotated within the hour does not fail the task; it is reported in
        RV(rotation) as V(skipped) with RV(rotation.next_rotation_allowed), and the task is not changed. A key
        created by the same task is not rotated either.
    type: bool
    default: false
  state:
    description:
      - V(present) creates the key when it does not exist, and restores it when it was deleted less than 30 days
        ago. It does not enable a disabled key.
      - V(enabled) does the same and also enables a disabled (suspended) key.
      - V(disabled) disables an existing active key. A key that does not exist is an error.
      - V(absent) deletes the key. A deleted key stays readable, and restorable, for 30 days.
      - V(disabled) and V(absent) are refused, before any change, while resources such as clusters are registered
        with the key (see RV(root_key.registrations)), unless O(force=true) and O(acknowledge_data_loss=true).
    type: str
    choices: [present, enabled, disabled, absent]
    default: present
  force:
    description:
      - Disable or delete the key although resources are registered with it. Those resources can no longer decrypt
        their data; for a cluster, its Kubernetes secrets. Needs O(acknowledge_data_loss=true).
      - Registrations that prevent deletion (retention policies) refuse deletion even so.
    type: bool
    default: false
  acknowledge_data_loss:
    description:
      - Confirms O(force=true).
    type: bool
    default: false
extends_documentation_fragment:
  - ibmcloud.kms.predicted
  - ibmcloud.kms.auth
  - ibmcloud.kms.attributes
notes:
  - Writing keys needs the Writer service role on the instance; disabling, enabling, deleting, restoring and moving
    keys need Manager; reading needs Reader.
  - A Hyper Protect Crypto Services instance must be initialized (master key loaded) before it can hold keys; the
    module fails with a message saying how.
  - Key Protect allows one rotation per key per hour. The module compares the last rotation with IBM Cloud's clock
    as carried by the IAM token, and treats the service's refusal the same way, so a scheduled rotation stays
    green.
  - Names, descriptions and expiration dates of existing keys cannot be changed by the API; differences are
    reported as warnings.
  - A key disabled less than 30 seconds ago cannot be enabled yet, and a key deleted less than 30 seconds ago
    cannot be restored yet; the module then fails with the service's message.
seealso:
  - module: ibmcloud.kms.root_key_info
  - module: ibmcloud.kms.kms_instance
  - name: Key Protect root keys
    description: Creating, rotating and deleting root keys.
    link: https://cloud.ibm.com/docs/key-protect?topic=key-protect-create-root-keys
  - name: Key Protect API
    description: The API this module calls.
    link: https://cloud.ibm.com/apidocs/key-protect
"""

EXAMPLES = r"""
- name: Create the root key for cluster secrets
  ibmcloud.kms.root_key:
    instance: kms-for-clusters
    name: cluster-secrets
    alias: prod-cluster-crk
    description: Root key for prod cluster secrets
    rotation_policy:
      interval_month: 3
  register: crk

- name: Make sure each cluster of a fleet has its own root key, expiring in a year, in one run
  ibmcloud.kms.root_key:
    instance: kms-for-clusters
    expiration_days: 365
    root_keys:
      - {name: prod-eu-1-crk, alias: prod-eu-1-crk}
      - {name: prod-eu-2-crk, alias: prod-eu-2-crk}
      - {name: prod-eu-3-crk, alias: prod-eu-3-crk}
  register: fleet_keys

- name: Preview the creation without changing anything
  ibmcloud.kms.root_key:
    instance: kms-for-clusters
    name: cluster-secrets
    alias: prod-cluster-crk
  check_mode: true
  diff: true

- name: Rotate the key (a scheduled job; skipped, not failed, within an hour of the last rotation)
  ibmcloud.kms.root_key:
    instance: kms-for-clusters
    alias: prod-cluster-crk
    rotate: true
  register: rotated

- name: Find the root key a cluster uses
  ibmcloud.kms.cluster_kms_info:
    cluster: my-cluster
  register: info

- name: Rotate that key, knowing only its id
  ibmcloud.kms.root_key:
    instance: "{{ info.clusters[0].instance_id }}"
    key_id: "{{ info.clusters[0].root_key_id }}"
    rotate: true

- name: Show when the next rotation is allowed
  ansible.builtin.debug:
    msg: "{{ rotated.rotation.status }}, next allowed {{ rotated.rotation.next_rotation_allowed }}"

- name: Turn on dual authorization for deletion (cannot be undone)
  ibmcloud.kms.root_key:
    instance: kms-for-clusters
    alias: prod-cluster-crk
    dual_auth_delete: true
    acknowledge_irreversible: true

- name: Delete a key no cluster uses any more
  ibmcloud.kms.root_key:
    instance: kms-for-clusters
    alias: sandbox-crk
    state: absent
"""

RETURN = r"""
root_keys:
  description:
    - With O(root_keys), the outcome of each key, in the order of O(root_keys).
  returned: with O(root_keys)
  type: list
  elements: dict
  version_added: 0.2.0
  contains:
    id:
      description: The O(root_keys[].id) given for the key.
      type: raw
      sample: kms-for-clusters/prod-eu-3-crk
    changed:
      description: Whether the key was changed or created (or, in check mode, would be).
      type: bool
      sample: true
    created:
      description: As RV(created), for this key.
      type: bool
      sample: true
    failed:
      description: Whether the key failed; the other keys went on.
      type: bool
      sample: false
    msg:
      description: Why the key failed, with what to do about it.
      returned: when failed
      type: str
      sample: "Root key 'prod-eu-3-crk' ..."
    root_key:
      description: As RV(root_key), for this key.
      returned: unless failed
      type: dict
      sample: {}
root_key:
  description:
    - The key after the task; in check mode, what it would be (without an id when it would be created).
    - After O(state=absent), the deleted key (RV(root_key.state=destroyed)); empty when the key does not exist.
  returned: without O(root_keys)
  type: dict
  contains:
    id:
      description: The key id (the C(crk_id) of a cluster's KMS configuration).
      type: str
      sample: 02fd6835-6001-4482-a892-13bd2085f75d
    crn:
      description: The key CRN.
      type: str
      sample: >-
        crn:v1:bluemix:public:kms:us-south:a/a1b2c3:12043812-757f-4e1e-8436-6af3245e6a69:key:02fd6835-6001-4482-a892-13bd2085f75d
    name:
      description: The key name.
      type: str
      sample: cluster-secrets
    aliases:
      description: The aliases of the key.
      type: list
      elements: str
      sample: [prod-cluster-crk]
    tags:
      description: Key Protect's own tags of the key (set when it was created).
      type: list
      elements: str
      sample: [cluster-secrets]
      version_added: 0.2.0
    description:
      description: The key description.
      type: str
      sample: Root key for prod cluster secrets
    state:
      description:
        V(active), V(suspended) (disabled), V(deactivated) (expired), V(destroyed) (deleted) or V(pre-activation).
      type: str
      sample: active
    extractable:
      description: Whether the key material can leave the service; always false for a root key.
      type: bool
      sample: false
    imported:
      description: Whether the key material was imported.
      type: bool
      sample: false
    key_ring:
      description: The key ring of the key.
      type: str
      sample: default
    creation_date:
      description: When the key was created.
      type: str
      sample: "2026-11-27T12:00:00Z"
    last_update_date:
      description: When the key last changed.
      type: str
      sample: "2026-11-27T12:00:00Z"
    expiration_date:
      description: When the key expires; null when it never does.
      type: str
      sample: "2030-01-01T00:00:00Z"
    days_until_expiration:
      description:
        Whole days until RV(root_key.expiration_date), negative once expired; null when the key never expires.
      type: int
      sample: 1130
    key_version:
      description: The current key version, C(id) and C(creation_date); a rotation makes a new one.
      type: dict
      sample: {"id": "2291e4ae-a14c-4af9-88f0-27c0cb2739e2", "creation_date": "2026-11-27T12:00:00Z"}
    last_rotate_date:
      description: When the key was last rotated; null when never.
      type: str
      sample: "2026-11-27T13:00:00Z"
    rotation_policy:
      description: The automatic rotation policy, C(enabled) and C(interval_month); null when none was ever set.
      type: dict
      sample: {"enabled": true, "interval_month": 3}
    dual_auth_delete:
      description: Dual authorization for deletion, C(enabled) and C(key_set_for_deletion).
      type: dict
      sample: {"enabled": false, "key_set_for_deletion": false}
    deleted:
      description: Whether the key is deleted.
      type: bool
      sample: false
    deletion_date:
      description: When the key was deleted; null for a key that is not deleted.
      type: str
      sample: "2026-11-28T09:00:00Z"
    restore_allowed:
      description: Whether a deleted key can still be restored; null for a key that is not deleted.
      type: bool
      sample: true
    restore_expiration_date:
      description: Until when a deleted key can be restored; null for a key that is not deleted.
      type: str
      sample: "2026-12-28T09:00:00Z"
    registrations:
      description: The cloud resources, such as clusters, that are registered with the key.
      type: list
      elements: dict
      contains:
        resource_crn:
          description: The CRN of the resource; for a cluster, the cluster CRN.
          type: str
          sample: "crn:v1:bluemix:public:containers-kubernetes:us-south:a/a1b2c3:c0ffee12::"
        key_version:
          description: The key version the resource uses, C(id) and C(creation_date).
          type: dict
          sample: {"id": "2291e4ae-a14c-4af9-88f0-27c0cb2739e2", "creation_date": "2026-11-27T12:00:00Z"}
        prevent_key_deletion:
          description: Whether the resource forbids deleting the key, even with O(force=true).
          type: bool
          sample: false
        description:
          description: What the registration is for.
          type: str
          sample: Kubernetes Service cluster secret encryption
        creation_date:
          description: When the resource registered.
          type: str
          sample: "2026-11-27T12:10:00Z"
        last_updated:
          description: When the registration last changed.
          type: str
          sample: "2026-11-27T13:00:00Z"
created:
  description: Whether the task created the key (in check mode, whether it would).
  returned: without O(root_keys)
  type: bool
  sample: false
  version_added: 0.2.0
rotation:
  description: What O(rotate=true) did.
  returned: when O(rotate=true)
  type: dict
  contains:
    status:
      description: V(rotated) (in check mode, would be rotated) or V(skipped).
      type: str
      sample: skipped
    reason:
      description: Why the rotation was skipped; null when it was rotated.
      type: str
      sample: "Key Protect allows one rotation per hour and the key was rotated at 2026-11-27T13:00:00Z"
    previous_key_version:
      description: The key version before the task.
      type: dict
      sample: {"id": "2291e4ae-a14c-4af9-88f0-27c0cb2739e2", "creation_date": "2026-11-27T12:00:00Z"}
    key_version:
      description: The key version after the task.
      type: dict
      sample: {"id": "7a1c03d2-5b1e-4c39-9f0e-3d1f2c4b5a69", "creation_date": "2026-11-27T13:00:00Z"}
    last_rotate_date:
      description: When the key was last rotated.
      type: str
      sample: "2026-11-27T13:00:00Z"
    next_rotation_allowed:
      description: The earliest time Key Protect accepts the next rotation (the last rotation plus one hour).
      type: str
      sample: "2026-11-27T14:00:00Z"
"""

from typing import Any, Dict, Optional, cast

from ansible_collections.ibmcloud.kms.plugins.module_utils._argspec import PREDICTED_SPEC
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import IBMCloudError, InputError
from ansible_collections.ibmcloud.kms.plugins.module_utils._instances import NEEDS
from ansible_collections.ibmcloud.kms.plugins.module_utils._kms import KmsClient, midnight_after, parse_time
from ansible_collections.ibmcloud.kms.plugins.module_utils._module import IBMCloudModule, run_many
from ansible_collections.ibmcloud.kms.plugins.module_utils._root_keys import (
    describe_key,
    ensure_absent,
    ensure_disabled,
    ensure_present,
    ensure_rotated,
    find_key,
    key_tag_problems,
    open_kms,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._validate import items_of

CHECKS = {
    "instance": "not_empty",
    "name": "not_empty",
    "alias": "alias",
    "key_id": "guid",
    "key_ring": "not_empty",
    "expiration_date": "timestamp",
    "expiration_days": "positive",
}


# The options a key of O(root_keys) may set for itself; the others, and those it leaves out, are the module's.
PER_KEY = dict(
    id=dict(type="raw"),
    instance=dict(type="str"),
    name=dict(type="str"),
    alias=dict(type="str"),
    key_id=dict(type="str", no_log=False),
    expiration_date=dict(type="str"),
    expiration_days=dict(type="int"),
    rotation_policy=dict(
        type="dict", options=dict(enabled=dict(type="bool", default=True), interval_month=dict(type="int"))
    ),
    tags=dict(type="list", elements="str"),
    instance_predicted=dict(type="bool"),
)
# Keys of O(root_keys) made sure of at once: each waits mostly for Key Protect's answers.
AT_ONCE = 16


def argument_spec() -> dict:
    return dict(
        instance=dict(type="str"),
        root_keys=dict(type="list", elements="dict", options=PER_KEY, no_log=False),
        name=dict(type="str"),
        alias=dict(type="str"),
        key_id=dict(type="str", no_log=False),
        key_ring=dict(type="str", no_log=False),
        description=dict(type="str"),
        tags=dict(type="list", elements="str"),
        expiration_date=dict(type="str"),
        expiration_days=dict(type="int"),
        rotation_policy=dict(
            type="dict",
            options=dict(
                enabled=dict(type="bool", default=True),
                interval_month=dict(type="int"),
            ),
        ),
        dual_auth_delete=dict(type="bool"),
        acknowledge_irreversible=dict(type="bool", default=False),
        rotate=dict(type="bool", default=False),
        state=dict(type="str", default="present", choices=["present", "enabled", "disabled", "absent"]),
        force=dict(type="bool", default=False),
        acknowledge_data_loss=dict(type="bool", default=False),
        **PREDICTED_SPEC,
    )


def validate(params: dict) -> None:
    """Input that cannot work, found before any request."""
    interval = (params["rotation_policy"] or {}).get("interval_month")
    if interval is not None and not 1 <= interval <= 12:
        raise InputError(f"rotation_policy.interval_month must be 1 to 12, not {interval}.")
    if params["dual_auth_delete"] and not params["acknowledge_irreversible"]:
        raise InputError("dual_auth_delete=true cannot be undone; set acknowledge_irreversible=true to confirm.")
    if params["force"] and not params["acknowledge_data_loss"]:
        raise InputError(
            "force=true makes the data of registered resources unreadable; set acknowledge_data_loss=true to confirm."
        )
    problems = key_tag_problems(params.get("tags") or [])
    if problems:
        raise InputError(" ".join(problems))
    if params["rotate"] and params["state"] in ("disabled", "absent"):
        raise InputError(f"rotate=true needs state=present or state=enabled, not {params['state']}.")
    parse_time(params["expiration_date"])


def desired(params: dict, *, now: float, creating: bool) -> dict:
    """What the options ask of the key; expiration_days counts from NOW and only for a key to be CREATED."""
    names = (
        "name",
        "alias",
        "key_id",
        "key_ring",
        "description",
        "expiration_date",
        "rotation_policy",
        "dual_auth_delete",
    )
    want = {**{n: params[n] for n in names}, "tags": params.get("tags"), "enabled": params["state"] == "enabled"}
    if params["expiration_days"] is not None and creating:
        want["expiration_date"] = midnight_after(now, params["expiration_days"])
    return want


def run_state(
    kms: KmsClient,
    current: Optional[dict],
    registrations: list,
    params: dict,
    *,
    now: float,
    check_mode: bool,
    warnings: list,
) -> tuple:
    """(changed, key record or None, rotation result or None)."""
    options: Dict[str, Any] = dict(check_mode=check_mode, warnings=warnings)
    if params["state"] == "absent":
        return ensure_absent(kms, current, registrations, force=params["force"], **options) + (None,)
    if params["state"] == "disabled":
        return ensure_disabled(kms, current, registrations, force=params["force"], **options) + (None,)
    changed, key = ensure_present(kms, current, desired(params, now=now, creating=current is None), now=now, **options)
    if not params["rotate"]:
        return changed, key, None
    rotated, key, rotation = ensure_rotated(kms, key, created=current is None, check_mode=check_mode, now=now)
    return changed or rotated, key, rotation


def ensure(module: IBMCloudModule, params: dict, warnings: list) -> dict:
    """What the module returns for the key of PARAMS (with ``diff``); raises IBMCloudError."""
    now = module.session.now()
    predicted = params["instance_predicted"] and module.check_mode
    if predicted and (params["key_id"] or params["state"] != "present"):
        raise InputError("instance_predicted=true predicts a new key (state=present, by name or alias) only.")
    kms = cast(KmsClient, None) if predicted else open_kms(module.session, params["instance"])
    current = (
        None
        if predicted
        else find_key(
            kms,
            key_id=params["key_id"],
            alias=params["alias"],
            name=None if params["alias"] or params["key_id"] else params["name"],
        )
    )
    registrations = kms.registrations(current["id"]) if current else []
    before = describe_key(current, registrations, now=now) if current else {}
    changed, key, rotation = run_state(
        kms, current, registrations, params, now=now, check_mode=module.check_mode, warnings=warnings
    )
    if changed and key and key.get("id") and not module.check_mode:
        registrations = kms.registrations(key["id"])
    after = describe_key(key, registrations, now=now) if key else {}
    result: dict[str, Any] = {"changed": changed, "root_key": after, "created": current is None and bool(after)}
    if rotation is not None:
        result["rotation"] = rotation
    result["diff"] = {"before": before, "after": after}
    return result


def keys_of(params: dict) -> list:
    """The options of each key (O(root_keys), else the module's); an InputError naming the key when its options cannot
    work, or when two items are the same key (two creates of one key)."""
    many = params["root_keys"] is not None

    def check(one: dict) -> None:
        if not one["instance"]:
            raise InputError("instance is required: the Key Protect or HPCS instance of the key.")
        if many:
            check_item(one)
        validate(one)

    return items_of(
        params,
        "root_keys",
        checks=CHECKS,
        label=lambda one: repr(key_label(one)),
        check=check,
        same=lambda one: (one["instance"], key_label(one)),
    )


def check_item(one: dict) -> None:
    """What the module's own rules (required_one_of, mutually_exclusive) ask of a key of O(root_keys)."""
    if not (one["name"] or one["alias"] or one["key_id"]):
        raise InputError("give one of name, alias or key_id.")
    if one["key_id"] and one["alias"]:
        raise InputError("key_id and alias are mutually exclusive.")
    if one["expiration_date"] and one["expiration_days"] is not None:
        raise InputError("expiration_date and expiration_days are mutually exclusive.")
    if one["state"] != "present" or one["rotate"]:
        raise InputError("root_keys makes sure keys exist (state=present, rotate=false) only.")


def key_label(params: dict) -> str:
    """What the key of PARAMS is known by: its id, else its alias, else its name."""
    return params["key_id"] or params["alias"] or params["name"]


def ensure_many(module: IBMCloudModule, items: list) -> tuple:
    """O(root_keys), every key at once (up to AT_ONCE): (result, the failure message when a key failed, else None)."""
    return run_many(
        module,
        items,
        lambda params, warnings: ensure(module, params, warnings),
        option="root_keys",
        label=key_label,
        noun="keys",
        at_once=AT_ONCE,
        start=lambda _params: {"created": False},
    )


def main() -> None:
    module = IBMCloudModule(
        argument_spec(),
        supports_check_mode=True,
        needs=NEEDS,
        checks=CHECKS,
        required_one_of=[("name", "alias", "key_id", "root_keys")],
        mutually_exclusive=[
            ("key_id", "alias"),
            ("expiration_date", "expiration_days"),
            ("root_keys", "name"),
            ("root_keys", "alias"),
            ("root_keys", "key_id"),
        ],
    )
    try:
        items = keys_of(module.params)
    except InputError as error:
        module.fail_from_error(error)
    if module.params["root_keys"] is not None:
        result, failure = ensure_many(module, items)
        if failure:
            module.fail_json(msg=failure, **result)
        module.exit_json(**result)
        return
    warnings: list = []
    try:
        result = ensure(module, items[0], warnings)
    except IBMCloudError as error:
        for warning in warnings:
            module.warn(warning)
        module.fail_from_error(error)
    for warning in warnings:
        module.warn(warning)
    diff = result.pop("diff")
    if module._diff:
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
