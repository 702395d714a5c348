# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""What prerequisites_info is asked (Ask) and reads (Found), how each check ends (outcome), and the facts about the KMS
instance that several checks share. The checks themselves are in _prerequisites and _prerequisite_roles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, cast

from ansible_collections.ibmcloud.kms.plugins.module_utils._cluster_kms import cluster_account, crn_service_name
from ansible_collections.ibmcloud.kms.plugins.module_utils._iam import instance_target
from ansible_collections.ibmcloud.kms.plugins.module_utils._resource_controller import SERVICES, group_label
from ansible_collections.ibmcloud.kms.plugins.module_utils._wait import ReadOnce

PASSED, FAILED, UNVERIFIED, NOT_APPLICABLE = "passed", "failed", "unverified", "not_applicable"
CHECKS = (
    "credentials",
    "cluster_exists",
    "cluster_administrator",
    "cluster_type",
    "instance",
    "caller_kms_role",
    "root_key",
    "service_authorization",
    "cluster_key_owner_kms_role",
)
CREDENTIALS_HINT = "Check api_key (IC_API_KEY) and the IAM endpoint, or get a new iam_token (they last one hour)."
ACCESS_GROUP_NOTE = "access-group policies are not read"
HPCS_HINT = (
    "Hyper Protect Crypto Services instances are not created by this collection: create the instance and "
    "initialize its crypto units (TKE CLI, 'ibmcloud tke') outside, then run again."
)
AUTHORIZATION_HINT = (
    "Create it with ibmcloud.kms.iam_policy (source containers-kubernetes, target {service}, role Reader) in the "
    "KMS account."
)
CREATE_AUTHORIZATION_HINT = " Or set create_authorization=true when a later step creates it."
OWNER_HINT = (
    "The Kubernetes Service reads the root key with the roles of {owner}, the owner of the "
    "containers-kubernetes-key of region {region} and resource group {group}. Grant {owner} the {role} "
    "service role on the KMS instance (or reset that API key as a user who has it: 'ibmcloud ks api-key "
    "reset --region {region}' targeting the resource group)."
)
CROSS_ACCOUNT_OWNER = (
    "The KMS instance is in another account: the Kubernetes Service reads the root key through the "
    "service-to-service authorization, not with the roles of its API key owner."
)


@dataclass
class Ask:
    """What the caller wants to do (the module's options)."""

    cluster: str
    region: str = "us-south"
    instance: Optional[str] = None
    kms_service: str = "key-protect"
    create_instance: bool = False
    resource_group: Optional[str] = None
    root_key: Optional[str] = None
    create_root_key: bool = False
    kms_account_id: Optional[str] = None
    min_days_before_expiration: int = 30
    create_authorization: Optional[bool] = False  # None: not an option of the caller (cluster_kms)
    requested_root_key: Optional[str] = None  # the key asked for, when root_key is the one the cluster keeps
    wait_timeout: int = 900  # for an instance still provisioning (made by a parallel job or an interrupted run)
    keep_current_root_key: bool = False  # check the key the cluster uses in the instance instead of root_key
    skip_when_converged: bool = False  # leave out the checks only a change needs when there is nothing to change
    instance_policies: Optional[dict] = None  # the instance policies asked for (kms_instance_policy's options)

    @classmethod
    def from_params(cls, params: dict) -> "Ask":
        return cls(**{name: params[name] for name in cls.__dataclass_fields__ if params.get(name) is not None})


@dataclass
class Found:
    """What the checks read. A *gap* is (status, message) for the checks that need something that is missing."""

    account_id: str = ""
    kms_account_id: str = ""
    now: float = 0.0
    cluster: Optional[dict] = None
    cluster_gap: Optional[tuple] = None
    instance: Optional[dict] = None  # the Resource Controller record, or a stub for another account's instance
    instance_gap: Optional[tuple] = None
    initialized: Optional[bool] = None
    new_instance: bool = False
    resource_group_id: Optional[str] = None  # of the instance to be created
    resource_group_name: Optional[str] = None
    key: Optional[dict] = None
    new_key: bool = False
    reads: ReadOnce = field(default_factory=ReadOnce)  # what the clusters of one run share, read once
    kms_readable: bool = True  # whether the KMS side is read with credentials of the KMS account
    registrations: Optional[list] = None  # the instance's registrations, when they were read (Found.reads)
    kept_key_id: Optional[str] = None  # the key the cluster keeps (keep_current_root_key)
    authorization: Optional[dict] = None  # the authorization that lets the Kubernetes Service read the keys
    converged: bool = False  # a run would change nothing (is_converged)
    view: Optional[dict] = None  # the cluster's KMS configuration in the instance (kms_view)
    warnings: list = field(default_factory=list)
    policies_to_set: list = field(default_factory=list)  # the instance policies that differ from those asked for

    @property
    def resource_group_label(self) -> str:
        """The resource group of the instance to be created, for messages: 'name (id)'."""
        return group_label(self.resource_group_name, self.resource_group_id)

    @property
    def cross_account(self) -> bool:
        owner = cluster_account(self.cluster) if self.cluster else self.account_id
        return bool(self.kms_account_id) and self.kms_account_id != owner


def outcome(name: str, status: str, message: str, hint: Optional[str] = None) -> dict:
    return {"name": name, "status": status, "message": message, "hint": hint}


def from_gap(name: str, gap: tuple) -> dict:
    return outcome(name, gap[0], f"Not checked: {gap[1]}")


# -- the KMS instance as a target of roles ------------------------------------------------------------
def service_name(ask: Ask, found: Found) -> str:
    """The IAM service name (CRN segment) of the KMS instance: kms or hs-crypto."""
    return crn_service_name(found.instance or {}, SERVICES[ask.kms_service]["crn_name"])


def kms_target(ask: Ask, found: Found) -> dict:
    """IAM resource attributes of the KMS instance (a new instance: its service in its group and region)."""
    if found.new_instance:
        return {
            "accountId": found.kms_account_id,
            "serviceType": "service",
            "serviceName": service_name(ask, found),
            "resourceGroupId": found.resource_group_id,
            "region": ask.region,
        }
    return instance_target(found.instance or {}, service_name(ask, found), found.kms_account_id)


def kms_gap(ask: Ask, found: Found) -> Optional[tuple]:
    if found.new_instance:
        return None
    return found.instance_gap


def describe_target(ask: Ask, found: Found) -> str:
    if found.new_instance:
        return f"{SERVICES[ask.kms_service]['crn_name']} in resource group {found.resource_group_label}"
    instance = cast(dict, found.instance)  # the callers return first on an instance gap
    return f"KMS instance {instance['guid']}"
