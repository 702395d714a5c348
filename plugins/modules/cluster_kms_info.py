#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: cluster_kms_info
short_description: Show whether clusters encrypt their secrets with a KMS root key, and whether that key is healthy
version_added: 0.1.0
description:
  - For one cluster, or every cluster of a region (optionally of one resource group), returns whether KMS
    encryption of Kubernetes secrets is enabled, which KMS instance and root key the cluster uses, the key's
    state and days until it expires, and the master status.
  - This is a non-destructive proof of encryption. The IBM Cloud documentation verifies encryption by disabling
    the root key and watching the cluster fail, which this module avoids. It reads the root key from the Key
    Protect registration of the cluster and checks that key and the master instead.
  - Only reads; never changes anything.
  - For clusters that use a KMS instance of another account, give that account's credentials with
    O(kms_api_key) (or O(kms_iam_token)); the instances, registrations and root keys are then read with them,
    while the clusters are read with the caller's credentials.
author:
  - ibmcloud.kms maintainers (@ibmcloud-kms)
options:
  cluster:
    description:
      - The cluster, by name or id. When not set, every cluster in O(region) is returned.
    type: str
  resource_group:
    description:
      - Return only clusters in this resource group, by name or id.
    type: str
  warn_pending_rewrap:
    description:
      - Warn about each cluster whose registration shows an older version of its root key than the current one
        (RV(clusters[].rewrap_status=pending)), as after a rotation until the Kubernetes Service has re-wrapped the
        cluster's keys.
    type: bool
    default: true
    version_added: 0.2.0
  min_days_before_expiration:
    description:
      - A cluster whose root key expires within this many days is not healthy; RV(clusters[].problems) says that it
        needs a switch to a new root key, since a cluster whose key expires becomes unusable.
      - The same rule as the setup's (which refuses such a key) and as the default of the rotation's V(auto) mode.
    type: int
    default: 30
    version_added: 0.2.0
  instances:
    description:
      - The KMS instances (guid, name or CRN) in which to look for the clusters' root keys.
      - Defaults to every Key Protect and Hyper Protect Crypto Services instance of the account that the
        caller can see. Instances of other accounts (cross-account KMS) must be listed here.
      - With O(kms_api_key) or O(kms_iam_token), these are instances of the KMS account, looked up with its
        credentials, and the default is every KMS instance that those credentials can see.
      - With O(kms_account_id) alone, an instance of that account is taken from its guid or CRN as given; its keys
        are then read with the caller's credentials, which usually may not, so it is skipped with a warning.
    type: list
    elements: str
extends_documentation_fragment:
  - ibmcloud.kms.auth
  - ibmcloud.kms.kms_account
  - ibmcloud.kms.attributes.INFO_MODULE
notes:
  - The Kubernetes Service API shows whether KMS is enabled but not which root key is used; the root key is
    found from the registrations the Kubernetes Service writes in the KMS instance. A cluster with KMS enabled
    whose registration is in none of the searched instances has no root key and RV(clusters[].healthy=false).
  - Hyper Protect Crypto Services instances that are not initialized, and instances whose keys the caller
    may not read, are skipped with a warning.
seealso:
  - module: ibmcloud.kms.cluster_kms
  - module: ibmcloud.kms.kms_instance_info
  - name: Verifying secret encryption
    description: The IBM Cloud Kubernetes Service documentation.
    link: https://cloud.ibm.com/docs/containers?topic=containers-encryption-secrets
"""

EXAMPLES = r"""
- name: Prove that a cluster encrypts its secrets with a healthy root key
  ibmcloud.kms.cluster_kms_info:
    cluster: my-cluster
  register: info

- name: Fail unless it does
  ansible.builtin.assert:
    that:
      - info.clusters[0].healthy
      - info.clusters[0].root_key_days_until_expiration is none or info.clusters[0].root_key_days_until_expiration > 30
    fail_msg: "{{ info.clusters[0].problems }}"

- name: List the KMS configuration of every cluster in the prod resource group of eu-de
  ibmcloud.kms.cluster_kms_info:
    region: eu-de
    resource_group: prod

- name: Read a cluster whose root key is in another account, with that account's API key
  ibmcloud.kms.cluster_kms_info:
    cluster: my-vpc-cluster
    kms_account_id: f0e1d2c3b4a5968778695a4b3c2d1e0f
    kms_api_key: "{{ kms_account_api_key }}"
    instances: [12043812-757f-4e1e-8436-6af3245e6a69]
  register: cross_account_info
"""

RETURN = r"""
clusters:
  description: One entry per cluster, sorted by name; empty when none matches.
  returned: always
  type: list
  elements: dict
  contains:
    cluster_id: {description: The cluster id., type: str, sample: bs65tjud0j4njc8pu30g}
    cluster_name: {description: The cluster name., type: str, sample: my-cluster}
    cluster_crn:
      description: The cluster CRN.
      type: str
      sample: "crn:v1:bluemix:public:containers-kubernetes:us-south:a/a1b2c3:bs65tjud0j4njc8pu30g::"
    region: {description: The region of the cluster., type: str, sample: us-south}
    resource_group_id:
      description: The id of the cluster's resource group.
      type: str
      sample: 5c49eabcf5e85881a37e2d100a33b3df
    resource_group_name: {description: The name of the cluster's resource group., type: str, sample: Default}
    provider: {description: "The infrastructure: V(vpc-gen2), V(classic) or V(satellite).", type: str, sample: classic}
    enabled: {description: Whether KMS encryption is enabled., type: bool, sample: true}
    instance_id:
      description: The guid of the KMS instance of the root key; null when not found.
      type: str
      sample: 12043812-757f-4e1e-8436-6af3245e6a69
    instance_name: {description: The name of that instance., type: str, sample: kms-for-clusters}
    kms_service: {description: "V(key-protect) or V(hs-crypto); null when unknown.", type: str, sample: key-protect}
    root_key_id:
      description: The id of the root key; null when not found.
      type: str
      sample: 0792853c-b9f9-4b35-9d9e-ffceab51d3c1
    root_key_name: {description: The name of the root key., type: str, sample: my-cluster-crk}
    root_key_crn:
      description: The CRN of the root key.
      type: str
      sample: >-
        crn:v1:bluemix:public:kms:us-south:a/a1b2c3:12043812-757f-4e1e-8436-6af3245e6a69:key:0792853c-b9f9-4b35-9d9e-ffceab51d3c1
    root_key_state: {description: "V(active), V(suspended), V(deactivated) or V(destroyed).", type: str, sample: active}
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
          RV(clusters[].root_key_version).
      type: str
      sample: 2291e4ae-a14c-4af9-88f0-27c0cb2739e2
    rewrap_status:
      description:
        - V(current) when RV(clusters[].registration_key_version) is the root key's current version; V(pending) when
          it is an older one (after a rotation, until the Kubernetes Service has re-wrapped the cluster's keys; the
          module then warns); V(unknown) when either version cannot be read.
        - IBM does not publish whether or when the registration follows a rotation, so V(pending) is not a health
          problem.
      type: str
      sample: current
      version_added: 0.2.0
    private_endpoint:
      description: Always null; the API does not show which KMS endpoint a cluster uses.
      type: bool
      sample: null
    master_status: {description: The master status text., type: str, sample: Ready}
    master_state: {description: The master state., type: str, sample: deployed}
    master_health: {description: The master health., type: str, sample: normal}
    cluster_state: {description: The cluster state., type: str, sample: normal}
    healthy:
      description:
        - Whether KMS is enabled with a found, active root key that does not expire within O(min_days_before_expiration)
          days, and a master in normal health.
      type: bool
      sample: true
    problems: {description: Why a cluster with KMS enabled is not healthy., type: list, elements: str, sample: []}
"""

from typing import Optional

from ansible_collections.ibmcloud.kms.plugins.module_utils._argspec import KMS_ACCOUNT_SPEC
from ansible_collections.ibmcloud.kms.plugins.module_utils._client import Session
from ansible_collections.ibmcloud.kms.plugins.module_utils._cluster_kms import (
    describe,
    instances_to_search,
    kms_account,
    rewrap_warning,
    split_registrations,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._containers import ContainersClient
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import AuthError, IBMCloudError
from ansible_collections.ibmcloud.kms.plugins.module_utils._instances import NEEDS
from ansible_collections.ibmcloud.kms.plugins.module_utils._kms import KmsClient, is_uninitialized
from ansible_collections.ibmcloud.kms.plugins.module_utils._module import IBMCloudModule
from ansible_collections.ibmcloud.kms.plugins.module_utils._resource_controller import ResourceClient

CHECKS = {
    "cluster": "not_empty",
    "resource_group": "not_empty",
    "instances": "not_empty",
    "min_days_before_expiration": "not_negative",
}


def argument_spec() -> dict:
    return dict(
        cluster=dict(type="str"),
        resource_group=dict(type="str"),
        instances=dict(type="list", elements="str"),
        warn_pending_rewrap=dict(type="bool", default=True),
        min_days_before_expiration=dict(type="int", default=30),
        **KMS_ACCOUNT_SPEC,
    )


def find_clusters(containers: ContainersClient, params: dict) -> list:
    if params["cluster"]:
        found = containers.get_cluster(params["cluster"])
        return [found] if found else []
    group = params["resource_group"]
    return [
        c
        for c in containers.list_clusters()
        if c.get("region") == params["region"]
        and (not group or group in (c.get("resourceGroup"), c.get("resourceGroupName")))
    ]


def key_session(module: IBMCloudModule) -> Session:
    """The session that reads the KMS side: the KMS account's own credentials when given, else the caller's."""
    return module.kms_session or module.session


def kms_instances(module: IBMCloudModule) -> list:
    """The instances to search: given (by guid, name or CRN) or every active one, of the KMS account."""
    session = key_session(module)
    resources = ResourceClient(session)
    account = kms_account(module.session, module.kms_session, module.params["kms_account_id"])
    return instances_to_search(resources, module.params["instances"], account, session.account_id)


def registrations_by_instance(module: IBMCloudModule, instances: list) -> list:
    """[(instance, KmsClient, registrations)] for every instance whose registrations can be read.

    One unfiltered list per instance serves every cluster: the CRN the Kubernetes Service registers is unpublished,
    so registrations are matched by service and cluster id (split_registrations), not asked for by exact CRN (and Key
    Protect refuses a '*' in the first eight segments of a CRN query).
    """
    found = []
    for instance in instances:
        kms = KmsClient(key_session(module), instance)
        try:
            found.append((instance, kms, kms.registrations()))
        except IBMCloudError as error:
            if not (is_uninitialized(error) or isinstance(error, AuthError)):
                raise
            reason = "is not initialized" if is_uninitialized(error) else f"cannot be read (HTTP {error.status})"
            module.warn(f"KMS instance {instance.get('name')} ({instance['guid']}) {reason}; skipped.")
    return found


def cluster_view(cluster: dict, searched: list, now: float, min_days: int) -> dict:
    """Where the cluster's registration is, and the health of that key."""
    best: Optional[tuple] = None
    for instance, kms, registrations in searched:
        current, _previous = split_registrations(registrations, cluster)
        stamp = (current or {}).get("lastUpdated") or (current or {}).get("creationDate") or ""
        if current and (best is None or stamp > best[0]):
            best = (stamp, instance, kms, current)
    if best is None:
        return describe(cluster, now=now)
    _stamp, instance, kms, current = best
    key = kms.get_key(current["keyId"])
    return describe(cluster, instance=instance, key=key, registration=current, now=now, min_days=min_days)


def main() -> None:
    module = IBMCloudModule(argument_spec(), supports_check_mode=True, needs=NEEDS, checks=CHECKS)
    try:
        containers = module.session.shared(ContainersClient)
        clusters = find_clusters(containers, module.params)
        searched: list = []
        if clusters:
            searched = registrations_by_instance(module, kms_instances(module))
        now = module.session.now()
        views = [cluster_view(c, searched, now, module.params["min_days_before_expiration"]) for c in clusters]
    except IBMCloudError as error:
        module.fail_from_error(error)
    if module.params["cluster"] and not clusters:
        module.warn(
            f"Cluster {module.params['cluster']!r} was not found in the account of the API key (by name or id); "
            "check the name and the region's account."
        )
    for warning in filter(None, map(rewrap_warning, views)) if module.params["warn_pending_rewrap"] else ():
        module.warn(warning)
    module.exit_json(changed=False, clusters=views)


if __name__ == "__main__":
    main()
