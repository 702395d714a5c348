#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: cluster_kms
short_description: Enable KMS encryption of Kubernetes secrets on a cluster, or switch it to a new root key
version_added: 0.1.0
description:
  - Enables a key management service (KMS) provider on an IBM Cloud Kubernetes Service or Red Hat OpenShift on
    IBM Cloud cluster (VPC, classic or Satellite), so that the cluster's Kubernetes secrets are encrypted with a
    root key of a Key Protect or Hyper Protect Crypto Services instance.
  - Finds the root key the cluster uses today from the key registrations of the KMS instance (the Kubernetes
    Service registers the cluster CRN on the root key it uses). The same key is no change; a different key
    switches the cluster to it, which is how a cluster moves to a new root key.
  - Before it sends any changing request, the module checks what the IBM Cloud documentation requires and
    fails with every missing piece at once. The root key must exist, be a root key, be active and not expire
    within O(min_days_before_expiration) days. A cross-account setup needs the service-to-service
    authorization from the Kubernetes Service to the KMS instance, which M(ibmcloud.kms.iam_policy) creates.
    A root key the cluster used before is refused.
  - For a KMS instance in another account, the caller's credentials usually cannot read its keys; give that
    account's credentials with O(kms_api_key) (or O(kms_iam_token)) so that the key checks and the authorization
    check run before the request too. Without them, the key checks are left to the Kubernetes Service, with a
    warning.
  - Waits until the master has applied the change, with short polling intervals first and longer ones later,
    and returns how long that took. A wait that runs out after the Kubernetes Service accepted the change fails with
    C(changed=true). A rerun while the master still applies a change (an interrupted run) waits for that update first,
    instead of sending the change again.
author:
  - ibmcloud.kms maintainers (@ibmcloud-kms)
options:
  cluster:
    description:
      - The cluster, by name or id.
      - One of O(cluster) and O(clusters) is required.
    type: str
  clusters:
    description:
      - Several clusters, changed in one run, up to 32 at once, so that their masters update side by side instead of
        one after the other (a master update takes about 20 minutes on IBM Cloud).
      - Each item is a cluster and the options it sets for itself; an option it leaves out is the module's. A cluster
        given twice is refused before any request.
      - Each cluster has its own outcome in RV(clusters). A cluster that fails does not stop the others; the task then
        fails, naming each cluster that failed and why, and still returns RV(clusters).
      - With O(clusters), the module returns RV(clusters) instead of RV(cluster_kms) and RV(waited_seconds).
    type: list
    elements: dict
    version_added: 0.2.0
    suboptions:
      cluster:
        description: The cluster, by name or id.
        type: str
        required: true
      id:
        description: Any value, returned as it is with the cluster's outcome (the role passes the inventory host).
        type: raw
      instance:
        description: As O(instance).
        type: str
      root_key:
        description: As O(root_key).
        type: str
      private_endpoint:
        description: As O(private_endpoint).
        type: bool
      min_days_before_expiration:
        description: As O(min_days_before_expiration).
        type: int
      root_key_predicted:
        description: As O(root_key_predicted).
        type: bool
      instance_predicted:
        description: As O(instance_predicted).
        type: bool
  instance:
    description:
      - The Key Protect or Hyper Protect Crypto Services instance that holds the root key, by guid, name or CRN.
      - With O(kms_account_id) and without O(kms_api_key) or O(kms_iam_token), give the guid or CRN of the instance
        in the other account (the caller cannot look it up). With the KMS account's credentials, a name works too.
      - Required when O(state=enabled).
    type: str
  root_key:
    description:
      - The root key, by id, alias or CRN, or by name when exactly one root key of the instance has it (as
        M(ibmcloud.kms.prerequisites_info) finds it).
      - Required when O(state=enabled).
    type: str
  private_endpoint:
    description:
      - Whether the cluster reaches the KMS instance over its private (Cloud Service Endpoint) endpoint.
      - The default is V(true), like C(ibmcloud ks kms enable); the API itself defaults to the public endpoint.
      - Used when KMS is enabled or the root key is switched. The API does not show which endpoint a cluster
        uses, so changing only this option on a cluster that already uses O(root_key) changes nothing.
    type: bool
    default: true
  state:
    description:
      - V(enabled) enables KMS with O(root_key), or switches the cluster to it.
      - V(disabled) succeeds without change on a cluster without KMS and fails on a cluster with KMS, because
        KMS encryption cannot be disabled once it is enabled.
    type: str
    choices: [enabled, disabled]
    default: enabled
  min_days_before_expiration:
    description:
      - Refuse a root key that expires within this many days. A cluster whose root key expires cannot
        decrypt its secrets.
    type: int
    default: 30
  wait:
    description:
      - Wait until the master has applied the change (master status C(Ready)), and fail when the master
        update fails.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait when O(wait=true).
    type: int
    default: 1800
  root_key_predicted:
    description:
      - For check mode only. O(root_key) is a key that an earlier task of the same check run would create
        (M(ibmcloud.kms.root_key) in check mode), given by the alias or name it would get. The module then predicts
        enabling KMS with it (C(changed) and the diff) without reading the key side; O(instance_predicted) implies it.
      - Without check mode this option has no effect.
    type: bool
    default: false
    version_added: 0.2.0
extends_documentation_fragment:
  - ibmcloud.kms.predicted
  - ibmcloud.kms.auth
  - ibmcloud.kms.kms_account
  - ibmcloud.kms.attributes
notes:
  - The Kubernetes Service API does not show the root key of a cluster, nor the keys it used before. The
    module reads the current key from Key Protect registrations of the cluster CRN in O(instance). A previous
    key is recognised before any request only while an old registration still names the cluster, which is
    usually not the case since the registration moves to the new key. Otherwise the Kubernetes Service refuses
    the previous key and the task fails with that reason; nothing is changed.
  - The Administrator platform role on the cluster is checked against the caller's own access policies. Roles
    granted through access groups are not visible there, so a missing grant is a warning; the Kubernetes
    Service then refuses the request (HTTP 403) and the task fails naming the role.
  - The Kubernetes Service reads the root key with the API key of the cluster's region and resource group
    (C(containers-kubernetes-key)). When its owner lacks access to the KMS instance, the master update fails
    after it was accepted; the module reports the master's message.
  - Rotating a root key inside Key Protect or Hyper Protect Crypto Services (same key id, new version) needs no
    call to this module; the Kubernetes Service re-encrypts with the new version by itself.
  - A cluster can never go back to a root key it used before, and no IBM API lists those keys. After it moves a
    cluster to a new root key, the module tags the cluster with C(ibmcloud-kms:previous-root-key:<old key id>)
    (a user tag, Global Tagging API; needs the Editor role on the cluster) and refuses those keys before any
    request. A key left through other tools is recognised only while Key Protect still lists a registration of the
    cluster on it; otherwise the Kubernetes Service refuses it and nothing changes.
  - Check mode reads only.
seealso:
  - module: ibmcloud.kms.cluster_kms_info
  - module: ibmcloud.kms.kms_instance
  - module: ibmcloud.kms.iam_policy
  - name: Encrypting Kubernetes secrets by using a KMS provider
    description: The IBM Cloud Kubernetes Service documentation.
    link: https://cloud.ibm.com/docs/containers?topic=containers-encryption-secrets
  - name: Kubernetes Service API
    description: The API this module calls (C(POST /v2/enableKMS)).
    link: https://containers.cloud.ibm.com/global/swagger-global-api/
"""

EXAMPLES = r"""
- name: Preview enabling KMS on a cluster
  ibmcloud.kms.cluster_kms:
    cluster: my-cluster
    instance: kms-for-clusters
    root_key: my-cluster-crk
  check_mode: true
  diff: true

- name: Enable KMS with a Key Protect root key and wait for the master
  ibmcloud.kms.cluster_kms:
    cluster: my-cluster
    instance: kms-for-clusters
    root_key: my-cluster-crk
  register: kms

- name: Show how long the master took
  ansible.builtin.debug:
    msg: "{{ kms.cluster_kms.master_status }} after {{ kms.waited_seconds | default(0) }} s"

- name: Enable KMS on three clusters at once, each with its own root key; their masters update side by side
  ibmcloud.kms.cluster_kms:
    instance: kms-for-clusters
    clusters:
      - {cluster: prod-eu-1, root_key: prod-eu-1-crk}
      - {cluster: prod-eu-2, root_key: prod-eu-2-crk}
      - {cluster: prod-eu-3, root_key: prod-eu-3-crk, private_endpoint: false}
  register: fleet

- name: Show each cluster's master status
  ansible.builtin.debug:
    msg: "{{ fleet.clusters | map(attribute='cluster_kms.master_status') | list }}"

- name: Switch the cluster to a new root key, reaching the KMS over its public endpoint
  ibmcloud.kms.cluster_kms:
    cluster: my-cluster
    instance: kms-for-clusters
    root_key: my-cluster-crk-2027
    private_endpoint: false

- name: Use a Hyper Protect Crypto Services instance of another account (key checks left to the Kubernetes Service)
  ibmcloud.kms.cluster_kms:
    cluster: my-vpc-cluster
    instance: >-
      crn:v1:bluemix:public:hs-crypto:us-south:a/f0e1d2c3b4a5968778695a4b3c2d1e0f:7a1e2bb0-6b54-4c6e-9b55-8c4f0bbf8e10::
    root_key: 0792853c-b9f9-4b35-9d9e-ffceab51d3c1
    kms_account_id: f0e1d2c3b4a5968778695a4b3c2d1e0f

- name: Preview cross-account KMS, with the root key checked through the KMS account's own API key
  ibmcloud.kms.cluster_kms: &cross_account
    cluster: my-vpc-cluster
    instance: kms-of-the-security-account
    root_key: my-vpc-cluster-crk
    kms_account_id: f0e1d2c3b4a5968778695a4b3c2d1e0f
    kms_api_key: "{{ kms_account_api_key }}"
  check_mode: true
  diff: true

- name: Enable cross-account KMS
  ibmcloud.kms.cluster_kms: *cross_account

- name: Read it back, with the root key's health from the KMS account
  ibmcloud.kms.cluster_kms_info:
    cluster: my-vpc-cluster
    kms_account_id: f0e1d2c3b4a5968778695a4b3c2d1e0f
    kms_api_key: "{{ kms_account_api_key }}"
    instances: [kms-of-the-security-account]
  register: cross_account_info

- name: Fail unless the cluster is healthy on that root key
  ansible.builtin.assert:
    that: cross_account_info.clusters[0].healthy
    fail_msg: "{{ cross_account_info.clusters[0].problems }}"
"""

RETURN = r"""
clusters:
  description:
    - With O(clusters), the outcome of each cluster, in the order of O(clusters).
  returned: with O(clusters)
  type: list
  elements: dict
  version_added: 0.2.0
  contains:
    id:
      description: The O(clusters[].id) given for the cluster.
      type: raw
      sample: prod-eu-3
    cluster:
      description: The O(clusters[].cluster) given.
      type: str
      sample: prod-eu-3
    changed:
      description:
        - Whether the cluster was changed (or, in check mode, would be).
        - True for a failure after the Kubernetes Service accepted the change.
      type: bool
      sample: true
    failed:
      description: Whether the cluster failed; the other clusters went on.
      type: bool
      sample: false
    msg:
      description: Why the cluster failed, with what to do about it.
      returned: when failed
      type: str
      sample: "Timed out after 1800s waiting for the master of cluster prod-eu-3."
    cluster_kms:
      description: As RV(cluster_kms), for this cluster.
      returned: unless failed
      type: dict
      sample: {}
    waited_seconds:
      description: As RV(waited_seconds), for this cluster.
      returned: when it waited
      type: float
      sample: 3.4
cluster_kms:
  description:
    - The cluster's KMS configuration after the task; in check mode, what it would be.
  returned: with O(cluster)
  type: dict
  contains:
    cluster_id: {description: The cluster id., type: str, sample: bs65tjud0j4njc8pu30g}
    cluster_name: {description: The cluster name., type: str, sample: my-cluster}
    cluster_crn:
      description: The cluster CRN, which the Kubernetes Service registers on the root key.
      type: str
      sample: "crn:v1:bluemix:public:containers-kubernetes:us-south:a/a1b2c3:bs65tjud0j4njc8pu30g::"
    region: {description: The region of the cluster., type: str, sample: us-south}
    resource_group_id:
      description: The id of the cluster's resource group.
      type: str
      sample: 5c49eabcf5e85881a37e2d100a33b3df
    resource_group_name: {description: The name of the cluster's resource group., type: str, sample: Default}
    provider: {description: "The infrastructure: V(vpc-gen2), V(classic) or V(satellite).", type: str, sample: vpc-gen2}
    enabled: {description: Whether KMS encryption is enabled (C(features.keyProtectEnabled))., type: bool, sample: true}
    instance_id:
      description: The guid of the KMS instance that holds the root key; null when unknown.
      type: str
      sample: 12043812-757f-4e1e-8436-6af3245e6a69
    instance_name: {description: The name of the KMS instance; null when unknown., type: str, sample: kms-for-clusters}
    kms_service: {description: "V(key-protect) or V(hs-crypto); null when unknown.", type: str, sample: key-protect}
    root_key_id:
      description: The id of the root key the cluster uses; null when unknown.
      type: str
      sample: 0792853c-b9f9-4b35-9d9e-ffceab51d3c1
    root_key_name: {description: The name of the root key., type: str, sample: my-cluster-crk}
    root_key_crn:
      description: The CRN of the root key.
      type: str
      sample: >-
        crn:v1:bluemix:public:kms:us-south:a/a1b2c3:12043812-757f-4e1e-8436-6af3245e6a69:key:0792853c-b9f9-4b35-9d9e-ffceab51d3c1
    root_key_state:
      description: "The key state: V(active), V(suspended), V(deactivated) or V(destroyed); null when unknown."
      type: str
      sample: active
    root_key_expiration_date:
      description: When the root key expires; null when it does not.
      type: str
      sample: "2030-01-01T00:00:00Z"
    root_key_days_until_expiration:
      description: Whole days until the root key expires; null when it does not.
      type: int
      sample: 400
    root_key_version:
      description:
        - The id of the root key's current version (C(keyVersion.id)); a rotation makes a new version of the same key.
        - Null when the key could not be read.
      type: str
      sample: 2291e4ae-a14c-4af9-88f0-27c0cb2739e2
    root_key_creation_date:
      description: When the root key was created; null when the key could not be read.
      type: str
      sample: "2026-11-27T12:00:00Z"
    root_key_last_rotate_date:
      description: When the root key was last rotated; null when it was never rotated or could not be read.
      type: str
      sample: "2026-11-27T13:00:00Z"
    registration_key_version:
      description:
        - The key version that the Key Protect registration of the cluster shows, that is the version the cluster
          uses; null when the registration is not found or shows no version.
        - After a rotation of the root key, the cluster has picked up the new version when this equals
          RV(cluster_kms.root_key_version).
        - In check mode, the version the cluster would be registered with.
      type: str
      sample: 2291e4ae-a14c-4af9-88f0-27c0cb2739e2
    rewrap_status:
      description:
        - V(current) when RV(cluster_kms.registration_key_version) is the root key's current version, V(pending) when
          it is an older one, V(unknown) when either cannot be read (see M(ibmcloud.kms.cluster_kms_info)).
      type: str
      sample: current
      version_added: 0.2.0
    private_endpoint:
      description:
        - The requested O(private_endpoint) after a change. Null when nothing changed, because the API does not show it.
      type: bool
      sample: true
    master_status: {description: The master status text; C(Ready) when done., type: str, sample: Ready}
    master_state:
      description: "The master state, such as V(deployed), V(updating) or V(update_failed)."
      type: str
      sample: deployed
    master_health: {description: "The master health, such as V(normal) or V(error).", type: str, sample: normal}
    cluster_state:
      description: "The cluster state, such as V(normal), V(warning) or V(critical)."
      type: str
      sample: normal
    healthy:
      description: Whether KMS is enabled with a known active root key and a healthy master.
      type: bool
      sample: true
    problems: {description: Why a cluster with KMS enabled is not healthy., type: list, elements: str, sample: []}
waited_seconds:
  description: How long the master took to apply the change.
  returned: with O(cluster), when it waited
  type: float
  sample: 3.4
"""

from typing import Any, Callable, Optional

from ansible_collections.ibmcloud.kms.plugins.module_utils._argspec import KMS_ACCOUNT_SPEC, PREDICTED_SPEC
from ansible_collections.ibmcloud.kms.plugins.module_utils._cluster_kms import (
    DISABLE_REFUSED,
    Target,
    describe,
    ensure_enabled,
    key_problems,
    kms_account,
    parse_root_key,
    read_key_side,
    read_previous_keys,
    record_previous_key,
    resolve_instance,
    settle,
    view_after,
    with_kms_enabled,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._containers import ContainersClient, kms_enabled
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import IBMCloudError, InputError
from ansible_collections.ibmcloud.kms.plugins.module_utils._instances import NEEDS
from ansible_collections.ibmcloud.kms.plugins.module_utils._kms import ACTIVE
from ansible_collections.ibmcloud.kms.plugins.module_utils._module import IBMCloudModule, run_many
from ansible_collections.ibmcloud.kms.plugins.module_utils._prerequisites import check_change
from ansible_collections.ibmcloud.kms.plugins.module_utils._resource_controller import ResourceClient
from ansible_collections.ibmcloud.kms.plugins.module_utils._validate import items_of
from ansible_collections.ibmcloud.kms.plugins.module_utils._wait import ReadOnce

CHECKS = {
    "cluster": "not_empty",
    "instance": "not_empty",
    "root_key": "not_empty",
    "min_days_before_expiration": "not_negative",
    "wait_timeout": "positive",
}


# The options a cluster of O(clusters) may set for itself; the others, and those it leaves out, are the module's.
PER_CLUSTER = dict(
    cluster=dict(type="str", required=True),
    id=dict(type="raw"),
    instance=dict(type="str"),
    root_key=dict(type="str", no_log=False),
    private_endpoint=dict(type="bool"),
    min_days_before_expiration=dict(type="int"),
    root_key_predicted=dict(type="bool"),
    instance_predicted=dict(type="bool"),
)
# Clusters of O(clusters) changed and waited for at once: each waits mostly for its master.
AT_ONCE = 32


def argument_spec() -> dict:
    return dict(
        cluster=dict(type="str"),
        clusters=dict(type="list", elements="dict", options=PER_CLUSTER),
        instance=dict(type="str"),
        root_key=dict(type="str", no_log=False),
        private_endpoint=dict(type="bool", default=True),
        **KMS_ACCOUNT_SPEC,
        state=dict(type="str", default="enabled", choices=["enabled", "disabled"]),
        min_days_before_expiration=dict(type="int", default=30),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
        root_key_predicted=dict(type="bool", default=False),
        **PREDICTED_SPEC,
    )


def check_cluster(one: dict) -> None:
    if one["state"] == "enabled" and not (one["instance"] and one["root_key"]):
        raise InputError("state=enabled needs instance and root_key.")


def clusters_of(params: dict) -> list:
    """The options of each cluster (O(clusters), else O(cluster)); an InputError naming the cluster when its options
    cannot work, or when it is given twice."""
    return items_of(
        params,
        "clusters",
        checks=CHECKS,
        label=lambda one: repr(one["cluster"]),
        check=check_cluster,
        same=lambda one: one["cluster"],
    )


def load_target(module: IBMCloudModule, params: dict, cluster: dict, reads: ReadOnce) -> Target:
    """The instance and root key, read with the KMS account's own session when given (else the caller's). The
    instance and its registrations before the change are read once for the clusters of one run (READS)."""
    session, kms_session = module.session, module.kms_session
    key_session = kms_session or session
    key_ref, crn_guid = parse_root_key(params["root_key"])
    kms_account_id = kms_account(session, kms_session, params["kms_account_id"])

    def resolve() -> dict:
        return resolve_instance(ResourceClient(key_session), params["instance"], kms_account_id, key_session.account_id)

    instance = reads.get(("instance", params["instance"]), resolve)
    if crn_guid and crn_guid != instance["guid"]:
        raise InputError(f"Root key {params['root_key']} belongs to instance {crn_guid}, not {instance['guid']}.")
    target = Target(
        cluster=cluster,
        instance=instance,
        key_ref=key_ref,
        kms_account_id=kms_account_id,
        private_endpoint=params["private_endpoint"],
    )
    read_key_side(target, key_session, kms_credentials=kms_session is not None, reads=reads)
    read_previous_keys(target, session)
    return target


def predicted_change(cluster: dict, params: dict, now: float) -> tuple:
    """Check mode with a root key (and perhaps its instance) that earlier tasks of the check run would create: the
    change the real run makes, predicted without reading them (their checks belong to the preflight and those tasks)."""
    predicted = with_kms_enabled(cluster)
    instance = {"guid": None, "name": params["instance"]}  # the name or guid given; a new instance has no guid yet
    key = {"id": None, "name": params["root_key"], "state": ACTIVE}
    after = describe(predicted, instance=instance, key=key, private_endpoint=params["private_endpoint"], now=now)
    after.update(problems=[], healthy=True)  # the new key has no registration to read yet; the real run checks it
    return True, describe(cluster, now=now), after, None


def current_view(target: Target, now: float) -> dict:
    """The cluster's configuration before the task, with the health of the key it uses today."""
    current = target.current
    if not current:
        return describe(target.cluster, now=now)
    same = current.get("keyId") == target.key_id
    key = target.key if same else (target.kms.get_key(current["keyId"]) if target.kms else None)
    return describe(target.cluster, instance=target.instance, key=key, registration=current, now=now)


def run(module: IBMCloudModule, params: dict, warn: Callable[[str], None], reads: Optional[ReadOnce] = None) -> tuple:
    """(changed, before view, after view, seconds waited or None) for the cluster of PARAMS; READS is what the
    clusters of one run share, read once for all of them."""
    containers = module.session.shared(ContainersClient)
    cluster = containers.get_cluster(params["cluster"])
    if cluster is None:
        raise InputError(f"Cluster {params['cluster']!r} was not found in the account of the API key.")
    now = module.session.now()
    if params["state"] == "enabled":  # a change still applying (an interrupted run): wait for it, then decide
        cluster = settle(containers, cluster, wait=params["wait"], timeout=params["wait_timeout"])
    if params["state"] == "disabled":
        if kms_enabled(cluster):
            raise InputError(DISABLE_REFUSED.format(name=cluster["name"]))
        return False, describe(cluster, now=now), describe(cluster, now=now), None
    if module.check_mode and (params["instance_predicted"] or params["root_key_predicted"]):
        return predicted_change(cluster, params, now)
    target = load_target(module, params, cluster, reads or ReadOnce())
    if target.needs_change():
        check_change(
            target,
            module.session,
            params["min_days_before_expiration"],
            now,
            kms_session=module.kms_session,
            reads=reads,
        )
    else:  # the cluster uses this key already: what would refuse a change only needs attention
        target.warnings.extend(key_problems(target.key, target.key_ref, params["min_days_before_expiration"], now))
    for warning in target.warnings:
        warn(warning)
    before = current_view(target, now)
    changed, after, waited = ensure_enabled(
        containers, target, check_mode=module.check_mode, wait=params["wait"], wait_timeout=params["wait_timeout"]
    )
    if not changed:
        return False, before, before, None
    if not module.check_mode:
        warning = record_previous_key(target, module.session)
        if warning:
            warn(warning)
    return True, before, view_after(target, after, predicted=module.check_mode, now=now), waited


def outcome(changed: bool, after: dict, waited: Any) -> dict:
    result: dict[str, Any] = {"changed": changed, "cluster_kms": after}
    if waited is not None:
        result["waited_seconds"] = round(waited, 1)
    return result


def enable_many(module: IBMCloudModule, items: list) -> tuple:
    """O(clusters), every cluster at once (up to AT_ONCE), each with its own outcome or failure: (result, the
    failure message when a cluster failed, else None)."""
    reads = ReadOnce()  # the instance, the caller's policies, the authorization, the key owners' roles: read once

    def work(params: dict, warnings: list) -> dict:
        changed, before, after, waited = run(module, params, warnings.append, reads)
        return {**outcome(changed, after, waited), "diff": {"before": before, "after": after}}

    return run_many(
        module,
        items,
        work,
        option="clusters",
        label=lambda params: params["cluster"],
        noun="clusters",
        at_once=AT_ONCE,
        start=lambda params: {"cluster": params["cluster"]},
    )


def main() -> None:
    module = IBMCloudModule(
        argument_spec(),
        supports_check_mode=True,
        needs=NEEDS,
        checks=CHECKS,
        required_one_of=[("cluster", "clusters")],
        mutually_exclusive=[("cluster", "clusters")],
    )
    try:
        items = clusters_of(module.params)
    except InputError as error:
        module.fail_from_error(error)
    if module.params["cluster"] is None:
        result, failure = enable_many(module, items)
        if failure:
            module.fail_json(msg=failure, **result)
        module.exit_json(**result)
        return
    try:
        changed, before, after, waited = run(module, items[0], module.warn)
    except IBMCloudError as error:
        module.fail_from_error(error)
    result = outcome(changed, after, waited)
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
