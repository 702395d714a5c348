#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: prerequisites_info
short_description: Check every prerequisite of enabling KMS encryption on a cluster, before anything is changed
version_added: 0.1.0
description:
  - Checks, by reading only, what the IBM Cloud documentation requires before KMS encryption of Kubernetes secrets
    can be enabled on one cluster, and returns each prerequisite as a result in RV(prerequisites).
  - Each prerequisite is V(passed), V(failed), V(unverified) (it could not be seen, for example because a read was
    refused or because a role may come through an access group, which is not read) or V(not_applicable).
    Nothing that could not be seen is reported as V(passed).
  - The module does not fail because a prerequisite fails, or because an API refuses a read; it returns every
    result at once. Use RV(failed_checks) and RV(unverified) to decide what to do.
  - What a later step creates (the Key Protect instance with O(create_instance), the root key with
    O(create_root_key), the service-to-service authorization with O(create_authorization)) passes with a message
    that it will be created, when what is needed to create it is in place.
  - Never changes anything.
  - The options O(kms_api_key) and O(kms_iam_token) were added in version 0.2.0.
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
      - Several clusters, checked in one run, up to eight at once. What they share is read once for all of them
        (the instance, its registrations, the authorization, the caller's policies), so that a fleet costs a few reads
        per cluster.
      - Each item is a cluster and the options it sets for itself; an option it leaves out is the module's.
      - The module then returns RV(clusters) instead of the results of one cluster.
    type: list
    elements: dict
    version_added: 0.2.0
    suboptions:
      cluster:
        description: The cluster, by name or id.
        type: str
        required: true
      id:
        description: Any value, returned as it is with the cluster's results (the role passes the inventory host).
        type: raw
      instance:
        description: As O(instance).
        type: str
      kms_service:
        description: As O(kms_service).
        type: str
        choices: [key-protect, hs-crypto]
      create_instance:
        description: As O(create_instance).
        type: bool
      resource_group:
        description: As O(resource_group).
        type: str
      root_key:
        description: As O(root_key).
        type: str
      requested_root_key:
        description: As O(requested_root_key).
        type: str
      keep_current_root_key:
        description: As O(keep_current_root_key).
        type: bool
      create_root_key:
        description: As O(create_root_key).
        type: bool
      create_authorization:
        description: As O(create_authorization).
        type: bool
      min_days_before_expiration:
        description: As O(min_days_before_expiration).
        type: int
      refuse_unverified:
        description: As O(refuse_unverified).
        type: bool
      instance_policies:
        description: As O(instance_policies).
        type: dict
        version_added: 0.2.0
  instance:
    description:
      - The Key Protect or Hyper Protect Crypto Services instance, by name, guid or CRN.
      - With O(kms_account_id), give the guid or CRN of the instance in the other account.
      - When not set, the checks of the instance, the root key, the roles on the instance and the authorization
        are V(not_applicable).
      - Required when O(create_instance=true).
    type: str
  kms_service:
    description:
      - The service of O(instance). An instance found by name must be of this service.
    type: str
    choices: [key-protect, hs-crypto]
    default: key-protect
  create_instance:
    description:
      - Whether a later step creates O(instance) (by name, in O(resource_group) and O(region)) when it does not
        exist. Only Key Protect instances can be created; Hyper Protect Crypto Services instances must be created
        and initialized outside.
    type: bool
    default: false
  resource_group:
    description:
      - The resource group of a new instance, by name or id. Defaults to the account's default resource group.
      - With O(create_instance=true), the caller needs the Editor platform role on the KMS service there.
    type: str
  root_key:
    description:
      - The root key in O(instance), by id, alias, name or key CRN.
      - When not set, the root key check is V(not_applicable).
      - Required when O(create_root_key=true).
    type: str
  requested_root_key:
    description:
      - The root key that was asked for, by id, alias or name, when O(root_key) is the key the cluster keeps (the
        role's C(cluster_encryption_keep_current_root_key)). When it names another key, or no key, the module warns,
        naming both; not for a key the cluster used before, which a switch retired.
    type: str
    version_added: 0.2.0
  keep_current_root_key:
    description:
      - Whether a cluster that has KMS on with a root key in O(instance) keeps that key. The checks are then made for
        the key the cluster uses (RV(kept_root_key_id)), O(root_key) becomes the key that was asked for (see
        O(requested_root_key)) and O(create_root_key) does not apply.
      - A cluster without a key in O(instance) is checked with O(root_key).
    type: bool
    default: false
    version_added: 0.2.0
  instance_policies:
    description:
      - The instance policies the instance should have, as the options of M(ibmcloud.kms.kms_instance_policy)
        (for example C(dual_auth_delete) with C(enabled=true)).
      - When the instance exists, its policies are read once for the clusters of the run. Those that differ are
        named in a warning and in RV(instance_policies_to_set), and the cluster is not RV(converged). Reading them
        needs the Manager service role on the instance; when they cannot be read, a warning says so.
    type: dict
    version_added: 0.2.0
  skip_when_converged:
    description:
      - Whether the checks that only a change needs (V(cluster_administrator), V(caller_kms_role) and
        V(cluster_key_owner_kms_role)) are left out, as V(not_applicable), when there is nothing to change
        (RV(converged)). A converged cluster then costs a few reads.
    type: bool
    default: false
    version_added: 0.2.0
  refuse_unverified:
    description:
      - Whether RV(refusal) counts prerequisites that could not be verified, not only those that failed.
    type: bool
    default: false
    version_added: 0.2.0
  create_root_key:
    description:
      - Whether a later step creates O(root_key) when it does not exist.
      - The caller then needs the Writer service role on the instance, and the owner of the cluster's API key is
        checked for the Writer service role too.
    type: bool
    default: false
  create_authorization:
    description:
      - Whether a later step creates the service-to-service authorization from C(containers-kubernetes) to the
        instance. A missing authorization then passes with a message that it will be created.
    type: bool
    default: false
  min_days_before_expiration:
    description:
      - The root key check fails when the key expires within this many days.
    type: int
    default: 30
  wait_timeout:
    description:
      - Seconds to wait for a KMS instance that is still provisioning (created by a parallel job, such as another
        slice of a sliced AWX job, or by a run that was interrupted) before the instance is checked.
      - An instance that is still provisioning when it runs out leaves the instance checks unverified.
    type: int
    default: 900
    version_added: 0.2.0
extends_documentation_fragment:
  - ibmcloud.kms.auth
  - ibmcloud.kms.kms_account
  - ibmcloud.kms.attributes.INFO_MODULE
notes:
  - "The checks, in the order of RV(prerequisites): V(credentials) (an IAM token is obtained from O(api_key), or
    O(iam_token) is current and accepted), V(cluster_exists), V(cluster_administrator) (the caller's own access
    policies grant the Administrator platform role on the cluster), V(cluster_type) (cross-account KMS is refused for
    Satellite clusters), V(instance) (exists, is active and, for Hyper Protect Crypto Services, initialized),
    V(caller_kms_role) (Editor on the KMS service in the resource group to create the instance, Writer on the
    instance to create the root key, otherwise Viewer or Reader on the instance), V(root_key) (a root key that is
    active and does not expire within O(min_days_before_expiration) days), V(service_authorization) (the Reader
    authorization from C(containers-kubernetes) to the instance) and V(cluster_key_owner_kms_role) (the owner of the
    Kubernetes Service's API key of the cluster's region and resource group, C(containers-kubernetes-key), holds
    Reader, or Writer with O(create_root_key=true), on the instance)."
  - When the V(credentials) check does not pass, every other check is V(unverified).
  - Roles are read from the identity's own access policies. Roles granted through access groups are not read, so a
    role that is not found is V(unverified), not V(failed). A stronger role counts (Manager covers Writer covers
    Reader; Administrator covers Editor covers Operator and Viewer).
  - Listing the API keys of the account needs the Viewer role on IAM Identity, and reading access policies the
    Viewer role on IAM Access Management; without them the checks that need them are V(unverified).
  - The owner of the C(containers-kubernetes-key) is found from the key's description, which names its region and
    resource group.
seealso:
  - module: ibmcloud.kms.cluster_kms
  - module: ibmcloud.kms.kms_instance
  - module: ibmcloud.kms.root_key
  - module: ibmcloud.kms.iam_policy
  - name: Encrypting Kubernetes secrets by using a KMS provider
    description: The prerequisites in the IBM Cloud Kubernetes Service documentation.
    link: https://cloud.ibm.com/docs/containers?topic=containers-encryption-secrets
"""

EXAMPLES = r"""
- name: Check everything before enabling KMS with an existing instance and root key
  ibmcloud.kms.prerequisites_info:
    cluster: my-cluster
    instance: kms-for-clusters
    root_key: my-cluster-crk
  register: preflight

- name: Stop on a failed prerequisite and show every result
  ansible.builtin.assert:
    that: preflight.failed_checks == []
    fail_msg: "{{ preflight.prerequisites | selectattr('status', 'equalto', 'failed') | list }}"

- name: Check before a run that creates the instance, the root key and the authorization
  ibmcloud.kms.prerequisites_info:
    cluster: my-cluster
    instance: kms-for-clusters
    create_instance: true
    resource_group: prod
    root_key: my-cluster-crk
    create_root_key: true
    create_authorization: true
    min_days_before_expiration: 60
  register: preflight

- name: Check a fleet in one run (the instance, the authorization and the caller's policies are read once)
  ibmcloud.kms.prerequisites_info:
    clusters:
      - cluster: prod-eu-1
        root_key: prod-eu-1-crk
      - cluster: prod-eu-2
        root_key: prod-eu-2-crk
    instance: kms-for-clusters
    create_authorization: true
  register: fleet

- name: Check a Hyper Protect Crypto Services instance of another account
  ibmcloud.kms.prerequisites_info:
    cluster: my-vpc-cluster
    kms_service: hs-crypto
    instance: >-
      crn:v1:bluemix:public:hs-crypto:us-south:a/f0e1d2c3b4a5968778695a4b3c2d1e0f:7a1e2bb0-6b54-4c6e-9b55-8c4f0bbf8e10::
    root_key: 0792853c-b9f9-4b35-9d9e-ffceab51d3c1
    kms_account_id: f0e1d2c3b4a5968778695a4b3c2d1e0f
"""

RETURN = r"""
clusters:
  description:
    - With O(clusters), the results of each cluster, in the order of O(clusters). Each has the keys the module returns
      for O(cluster) (RV(prerequisites), RV(summary), RV(refusal), RV(failed_checks), RV(unverified), RV(cluster),
      RV(instance), RV(root_key), RV(converged), RV(kept_root_key_id), RV(cluster_kms)) and RV(clusters[].id).
  returned: with O(clusters)
  type: list
  elements: dict
  version_added: 0.2.0
  contains:
    id:
      description: The O(clusters[].id) given for the cluster.
      type: raw
      sample: prod-eu-3
prerequisites:
  description: Every prerequisite, always in the same order (see the notes).
  returned: with O(cluster)
  type: list
  elements: dict
  contains:
    name:
      description: The prerequisite.
      type: str
      sample: root_key
    status:
      description: "V(passed), V(failed), V(unverified) or V(not_applicable)."
      type: str
      sample: failed
    message:
      description: What was found, or why it could not be checked.
      type: str
      sample: "Root key 'my-cluster-crk' expires on 2026-01-11T00:00:00Z (10 days from now), within
        min_days_before_expiration=30; the cluster becomes unusable when it expires."
    hint:
      description: What to do about a prerequisite that did not pass; null when there is nothing to do.
      type: str
      sample: Use another root key (ibmcloud.kms.root_key creates one), or enable or rotate this one.
summary:
  description: One line per prerequisite, C(STATUS name message), in the order of RV(prerequisites).
  returned: with O(cluster)
  type: list
  elements: str
  sample: ["PASSED credentials IAM token of IBMid-100000ABCD (account a1b2c3) accepted."]
  version_added: 0.2.0
refusal:
  description:
    - One message that names every prerequisite that failed (and, with O(refuse_unverified=true), every one that could
      not be verified), with what to do about each; null when none. A caller stops before any change when it is set.
  returned: with O(cluster)
  type: str
  sample: "Cluster prod-eu-3: 1 prerequisite(s) not met; nothing was changed. cluster_exists: Cluster 'prod-eu-3' was
    not found in account a1b2c3 (by name or id). Check the cluster name and the region's account."
  version_added: 0.2.0
failed_checks:
  description:
    - The names of the prerequisites that failed, in order.
    - Not named C(failed), which Ansible reserves for the task status.
  returned: with O(cluster)
  type: list
  elements: str
  sample: [root_key]
unverified:
  description: The names of the prerequisites that could not be verified, in order.
  returned: with O(cluster)
  type: list
  elements: str
  sample: [cluster_administrator]
cluster:
  description: The cluster as the Kubernetes Service API shows it; null when it was not found.
  returned: with O(cluster)
  type: dict
  contains:
    id: {description: The cluster id., type: str, sample: bs65tjud0j4njc8pu30g}
    name: {description: The cluster name., type: str, sample: my-cluster}
    crn:
      description: The cluster CRN.
      type: str
      sample: "crn:v1:bluemix:public:containers-kubernetes:us-south:a/a1b2c3:bs65tjud0j4njc8pu30g::"
    provider: {description: "V(vpc-gen2), V(classic) or V(satellite).", type: str, sample: vpc-gen2}
    region: {description: The region of the cluster., type: str, sample: us-south}
    resource_group_id:
      description: The id of the cluster's resource group.
      type: str
      sample: 5c49eabcf5e85881a37e2d100a33b3df
    kms_enabled: {description: Whether KMS encryption is enabled already., type: bool, sample: false}
instance:
  description:
    - The KMS instance; null when it was not found (also when it is to be created).
    - For an instance of another account only RV(instance.guid), RV(instance.crn) (when given) are known.
  returned: with O(cluster)
  type: dict
  contains:
    guid: {description: The instance guid., type: str, sample: 12043812-757f-4e1e-8436-6af3245e6a69}
    name: {description: The instance name., type: str, sample: kms-for-clusters}
    crn:
      description: The instance CRN.
      type: str
      sample: "crn:v1:bluemix:public:kms:us-south:a/a1b2c3:12043812-757f-4e1e-8436-6af3245e6a69::"
    service: {description: "V(key-protect) or V(hs-crypto).", type: str, sample: key-protect}
    state: {description: The Resource Controller state., type: str, sample: active}
    initialized:
      description:
        Whether keys can be managed in it (false for an HPCS instance not yet initialized); null when unknown.
      type: bool
      sample: true
converged:
  description:
    - Whether there is nothing to change; KMS is on with the checked root key as the cluster's current registration
      in O(instance), the key has no problem, the master is not applying a change and, with
      O(create_authorization=true), the authorization exists.
  returned: with O(cluster)
  type: bool
  sample: true
  version_added: 0.2.0
instance_policies_to_set:
  description:
    - The instance policies (option names of M(ibmcloud.kms.kms_instance_policy)) of the existing instance that
      differ from O(instance_policies); empty when they match, when none are asked for, or when they could not be
      read.
  returned: with O(cluster)
  type: list
  elements: str
  sample: [dual_auth_delete]
  version_added: 0.2.0
kept_root_key_id:
  description:
    - With O(keep_current_root_key=true), the id of the root key in O(instance) that the cluster keeps; null when it
      has none there, or without O(keep_current_root_key).
  returned: with O(cluster)
  type: str
  sample: 0792853c-b9f9-4b35-9d9e-ffceab51d3c1
  version_added: 0.2.0
cluster_kms:
  description:
    - The cluster's KMS configuration and its health in O(instance), from what the checks read, with the keys of an
      item of RV(ibmcloud.kms.cluster_kms_info#module:clusters). The root key's state and dates are filled when the
      cluster uses the key that was checked; null when the cluster was not read.
  returned: with O(cluster)
  type: dict
  sample: {"enabled": true, "root_key_id": 0792853c-b9f9-4b35-9d9e-ffceab51d3c1, "healthy": true, "problems": []}
  version_added: 0.2.0
root_key:
  description: The root key; null when it was not found or not read.
  returned: with O(cluster)
  type: dict
  contains:
    id: {description: The key id., type: str, sample: 0792853c-b9f9-4b35-9d9e-ffceab51d3c1}
    name: {description: The key name., type: str, sample: my-cluster-crk}
    aliases: {description: The key aliases., type: list, elements: str, sample: [my-cluster-crk]}
    state: {description: "V(pre-activation), V(active), V(suspended) or V(deactivated).", type: str, sample: active}
    extractable: {description: False for a root key., type: bool, sample: false}
    expiration_date:
      description: When the key expires; null when it does not.
      type: str
      sample: "2027-01-01T00:00:00Z"
    days_until_expiration:
      description: Whole days until the key expires; null when it does not.
      type: int
      sample: 365
"""

from ansible_collections.ibmcloud.kms.plugins.module_utils._argspec import KMS_ACCOUNT_SPEC
from ansible_collections.ibmcloud.kms.plugins.module_utils._cluster_kms import rewrap_warning
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import InputError
from ansible_collections.ibmcloud.kms.plugins.module_utils._instance_policies import checked_options, wanted
from ansible_collections.ibmcloud.kms.plugins.module_utils._instances import NEEDS
from ansible_collections.ibmcloud.kms.plugins.module_utils._module import IBMCloudModule
from ansible_collections.ibmcloud.kms.plugins.module_utils._prerequisites import (
    FAILED,
    UNVERIFIED,
    Ask,
    Found,
    check_each,
    cluster_view,
    instance_view,
    key_view,
    refusal,
    summary_lines,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._validate import items_of

CHECKS = {
    "cluster": "not_empty",
    "instance": "not_empty",
    "resource_group": "not_empty",
    "root_key": "not_empty",
    "requested_root_key": "not_empty",
    "min_days_before_expiration": "not_negative",
    "wait_timeout": "positive",
}


# The options a cluster of O(clusters) may set for itself; the others, and those it leaves out, are the module's.
PER_CLUSTER = dict(
    cluster=dict(type="str", required=True),
    id=dict(type="raw"),
    instance=dict(type="str"),
    kms_service=dict(type="str", choices=["key-protect", "hs-crypto"]),
    create_instance=dict(type="bool"),
    resource_group=dict(type="str"),
    root_key=dict(type="str", no_log=False),
    requested_root_key=dict(type="str", no_log=False),
    keep_current_root_key=dict(type="bool", no_log=False),
    create_root_key=dict(type="bool"),
    create_authorization=dict(type="bool"),
    min_days_before_expiration=dict(type="int"),
    refuse_unverified=dict(type="bool"),
    instance_policies=dict(type="dict"),
)


def argument_spec() -> dict:
    return dict(
        cluster=dict(type="str"),
        clusters=dict(type="list", elements="dict", options=PER_CLUSTER),
        instance=dict(type="str"),
        kms_service=dict(type="str", default="key-protect", choices=["key-protect", "hs-crypto"]),
        create_instance=dict(type="bool", default=False),
        resource_group=dict(type="str"),
        root_key=dict(type="str", no_log=False),
        create_root_key=dict(type="bool", default=False),
        create_authorization=dict(type="bool", default=False),
        **KMS_ACCOUNT_SPEC,
        min_days_before_expiration=dict(type="int", default=30),
        requested_root_key=dict(type="str", no_log=False),
        keep_current_root_key=dict(type="bool", default=False, no_log=False),
        skip_when_converged=dict(type="bool", default=False),
        refuse_unverified=dict(type="bool", default=False),
        instance_policies=dict(type="dict"),
        wait_timeout=dict(type="int", default=900),
    )


def check_ask(ask: dict) -> None:
    for flag, needed in (("create_instance", "instance"), ("create_root_key", "root_key")):
        if ask[flag] and not ask[needed]:
            raise InputError(f"{flag}=true needs {needed}.")
    if ask["instance_policies"]:
        ask["instance_policies"] = checked_options(ask["instance_policies"], "instance_policies")
        wanted(ask["instance_policies"])


def asks_of(params: dict) -> list:
    """The options of each cluster (O(clusters), else the module's); an InputError naming the cluster when its options
    cannot work."""
    return items_of(params, "clusters", checks=CHECKS, label=lambda ask: repr(ask["cluster"]), check=check_ask)


def report(params: dict, prerequisites: list, found: Found) -> dict:
    """What the module returns for one cluster."""
    return dict(
        prerequisites=prerequisites,
        summary=summary_lines(prerequisites),
        refusal=refusal(params["cluster"], prerequisites, refuse_unverified=params["refuse_unverified"]),
        failed_checks=[p["name"] for p in prerequisites if p["status"] == FAILED],
        unverified=[p["name"] for p in prerequisites if p["status"] == UNVERIFIED],
        cluster=cluster_view(found.cluster),
        instance=instance_view(found),
        root_key=key_view(found.key, found.now),
        converged=found.converged,
        kept_root_key_id=found.kept_key_id,
        instance_policies_to_set=found.policies_to_set,
        cluster_kms=found.view,
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
        asks = asks_of(module.params)
    except InputError as error:
        module.fail_from_error(error)
    checked = check_each(
        lambda: module.session, [Ask.from_params(ask) for ask in asks], open_kms_session=lambda: module.kms_session
    )
    for _prerequisites, found in checked:
        for warning in found.warnings + ([rewrap_warning(found.view)] if found.view else []):
            if warning:
                module.warn(warning)
    reports = [report(ask, prerequisites, found) for ask, (prerequisites, found) in zip(asks, checked)]
    if module.params["cluster"] is not None:
        module.exit_json(changed=False, **reports[0])
    module.exit_json(changed=False, clusters=[{"id": ask.get("id"), **one} for ask, one in zip(asks, reports)])


if __name__ == "__main__":
    main()
