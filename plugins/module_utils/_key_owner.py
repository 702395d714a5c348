# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""The owner of a cluster's API key: the identity whose roles the Kubernetes Service uses to read the root key.

One finder for both engines (prerequisites_info's checks and cluster_kms's checks before enabling).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ansible_collections.ibmcloud.kms.plugins.module_utils._client import Session
from ansible_collections.ibmcloud.kms.plugins.module_utils._containers import ContainersClient
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import IBMCloudError
from ansible_collections.ibmcloud.kms.plugins.module_utils._iam_identity import (
    CLUSTER_KEY_NAME,
    IamIdentityClient,
    parse_cluster_key_description,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._resource_controller import group_label

FAILED, UNVERIFIED = "failed", "unverified"
OWNER_LOOKUP_HINT = (
    "Run 'ibmcloud ks api-key info --cluster {cluster}' to see who owns it, and check that owner's roles on the KMS "
    "instance by hand."
)
IAM_ID_PREFIXES = ("IBMid-", "iam-")
NO_OWNER_HINT = (
    "Run 'ibmcloud ks api-key reset --region {region}' with resource group {group} targeted, as a user "
    "who holds the Reader service role on the KMS instance."
)


def cluster_group(cluster: dict) -> str:
    """The cluster's resource group for messages: 'name (id)'."""
    return group_label(cluster.get("resourceGroupName"), cluster.get("resourceGroup"))


def find_key_owner(session: Session, cluster: dict, account: str) -> tuple:
    """(owner, None) or (None, (status, message, hint)).

    The Kubernetes Service names the owner (what 'ibmcloud ks api-key info --cluster' shows); only when it does not,
    the description of a containers-kubernetes-key (unpublished wording) is tried, and a description that cannot be
    read makes the check unverified, never failed."""
    region, group_id = cluster.get("region"), cluster.get("resourceGroup")
    group = cluster_group(cluster)  # for messages
    try:
        answered = session.shared(ContainersClient).cluster_key_owner(cluster.get("id") or "")
    except IBMCloudError as error:
        answered, refusal = {}, f" (it answered: {error.describe()})"
    else:
        refusal = ""
    owner = Owner.from_answer(answered)
    if owner.iam_id:
        return owner, None
    try:
        keys = IamIdentityClient(session).account_api_keys(account, CLUSTER_KEY_NAME)
    except IBMCloudError as error:
        return None, (
            UNVERIFIED,
            f"The owner of the cluster's API key could not be identified: the Kubernetes Service did not name "
            f"it{refusal}, and the API keys of account {account} could not be listed: {error.describe()}",
            OWNER_LOOKUP_HINT.format(cluster=cluster.get("name")),
        )
    matching = [key for key in keys if parse_cluster_key_description(key.get("description")) == (region, group_id)]
    if len(matching) == 1:
        return Owner(matching[0]["iam_id"], owner.name, owner.email), None
    if not keys:
        return None, (
            FAILED,
            f"The Kubernetes Service has no API key (containers-kubernetes-key) for region {region} and resource "
            f"group {group}{refusal}.",
            NO_OWNER_HINT.format(region=region, group=group),
        )
    return None, (
        UNVERIFIED,
        f"The owner of the cluster's API key could not be identified: the Kubernetes Service did not name "
        f"it{refusal}, and none of the {len(keys)} containers-kubernetes-key API keys of account {account} "
        f"could be told to be the one of region {region} and resource group {group}.",
        OWNER_LOOKUP_HINT.format(cluster=cluster.get("name")),
    )


@dataclass
class Owner:
    """The owner of a cluster's API key: an IAM id (IBMid-..., iam-...) when known, and how IKS names it."""

    iam_id: Optional[str]
    name: Optional[str] = None
    email: Optional[str] = None

    @classmethod
    def from_answer(cls, answer: dict) -> "Owner":
        ident = str(answer.get("id") or "")
        return cls(ident if ident.startswith(IAM_ID_PREFIXES) else None, answer.get("name"), answer.get("email"))

    def __str__(self) -> str:
        known = ", ".join(str(part) for part in (self.name, self.email) if part)
        return f"{self.iam_id} ({known})" if known else str(self.iam_id)

    def of(self, cluster: dict) -> str:
        """Who the owner is, for messages: the identity and whose API key it owns."""
        group = cluster_group(cluster)
        return f"{self}, the owner of the API key of region {cluster.get('region')} and resource group {group}"
