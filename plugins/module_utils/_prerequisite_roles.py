# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""The checks of prerequisites_info that read IAM: the caller's roles on the cluster and on the KMS instance, the
service-to-service authorization, and the role of the owner of the cluster's API key. Policies are read once per run
(Found.reads)."""

from __future__ import annotations

from typing import cast

from ansible_collections.ibmcloud.kms.plugins.module_utils._client import Session
from ansible_collections.ibmcloud.kms.plugins.module_utils._cluster_kms import (
    CONTAINERS_SERVICE,
    caller_policies,
    cluster_account,
    cluster_target,
    grants_administrator,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import IBMCloudError
from ansible_collections.ibmcloud.kms.plugins.module_utils._iam import (
    IamPolicyClient,
    find_covering_authorization,
    grants_role,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._key_owner import Owner, cluster_group, find_key_owner
from ansible_collections.ibmcloud.kms.plugins.module_utils._prerequisite_model import (
    ACCESS_GROUP_NOTE,
    AUTHORIZATION_HINT,
    CREATE_AUTHORIZATION_HINT,
    CROSS_ACCOUNT_OWNER,
    FAILED,
    NOT_APPLICABLE,
    OWNER_HINT,
    PASSED,
    UNVERIFIED,
    Ask,
    Found,
    describe_target,
    from_gap,
    kms_gap,
    kms_target,
    outcome,
    service_name,
)


def policies_of(session: Session, found: Found, iam_id: str, account_id: str, *, groups: bool = False) -> list:
    """An identity's access policies, read once per run (raises the read's IBMCloudError every time): the caller's
    own, or with ``groups`` its own and those of its access groups (always for another identity)."""
    groups = groups or not (iam_id == session.claims().get("iam_id") and account_id == found.account_id)
    if groups:
        return found.reads.get(
            ("policies", iam_id, account_id, True),
            lambda: IamPolicyClient(session).effective_access_policies(account_id, iam_id),
        )
    return found.reads.get(("policies", iam_id, account_id, False), lambda: caller_policies(session))


# -- the caller's roles ------------------------------------------------------------------------------
def check_cluster_administrator(session: Session, ask: Ask, found: Found) -> dict:
    name = "cluster_administrator"
    if found.cluster_gap:
        return from_gap(name, found.cluster_gap)
    cluster = cast(dict, found.cluster)  # read, as there is no cluster_gap
    try:
        caller = cast(str, session.claims().get("iam_id"))  # an IAM access token always carries it
        policies = policies_of(session, found, caller, found.account_id)
    except IBMCloudError as error:
        return outcome(name, UNVERIFIED, f"The caller's access policies could not be read: {error.describe()}")
    if grants_administrator(policies, cluster_target(cluster, found.account_id)):
        return outcome(
            name,
            PASSED,
            f"The caller's own access policies grant the Administrator platform role on cluster {cluster['name']}.",
        )
    return outcome(
        name,
        UNVERIFIED,
        f"None of the caller's own access policies grants the Administrator platform "
        f"role on cluster {cluster['name']} ({ACCESS_GROUP_NOTE}).",
        "Enabling KMS needs the Administrator platform role on the cluster; make sure an access group "
        "of the caller grants it, or grant it directly.",
    )


def caller_needs(ask: Ask, found: Found) -> list:
    """[(roles, of which one is needed, what for)] for the caller on the KMS instance."""
    if found.new_instance:
        needs = [(("Editor",), "create the instance")]
        return needs + ([(("Writer",), "create the root key")] if ask.create_root_key else [])
    if found.new_key:
        return [(("Writer",), "create the root key")]
    return [(("Viewer", "Reader"), "read the instance and its root key")]


def check_caller_kms_role(session: Session, ask: Ask, found: Found) -> dict:
    name = "caller_kms_role"
    gap = kms_gap(ask, found)
    if gap:
        return from_gap(name, gap)
    try:
        caller = cast(str, session.claims().get("iam_id"))  # an IAM access token always carries it
        policies = policies_of(session, found, caller, session.account_id)  # the KMS account's own, when given
    except IBMCloudError as error:
        return outcome(name, UNVERIFIED, f"The caller's access policies could not be read: {error.describe()}")
    needs = caller_needs(ask, found)
    wanted = " and ".join(f"{' or '.join(roles)} (to {why})" for roles, why in needs)
    where = describe_target(ask, found)
    target = kms_target(ask, found)
    granted = all(grants_role(policies, target, roles) for roles, _why in needs)
    if session.account_id != found.account_id:  # the KMS account's own credentials: their groups were read too
        whose = f"the access policies of {caller} (the KMS account's credentials) and of its access groups"
        if granted:
            return outcome(name, PASSED, f"{whose[0].upper()}{whose[1:]} grant {wanted} on {where}.")
        return outcome(name, FAILED, f"None of {whose} grants {wanted} on {where}.", f"Grant {caller} {wanted}.")
    if granted:
        return outcome(name, PASSED, f"The caller's own access policies grant {wanted} on {where}.")
    return outcome(
        name,
        UNVERIFIED,
        f"None of the caller's own access policies grants {wanted} on {where} ({ACCESS_GROUP_NOTE}).",
        f"Make sure the caller holds {wanted} on {where}, directly or through an access group.",
    )


def check_service_authorization(session: Session, ask: Ask, found: Found) -> dict:
    name = "service_authorization"
    if found.cluster_gap:
        return from_gap(name, found.cluster_gap)
    if not found.new_instance and (found.instance is None or "guid" not in found.instance):
        return from_gap(name, cast(tuple, found.instance_gap))  # read_instance set a gap for it
    service = service_name(ask, found)
    guid = None if found.new_instance else cast(dict, found.instance)["guid"]
    source = cluster_account(cast(dict, found.cluster)) or found.account_id  # read, as there is no cluster_gap
    what = (
        f"{CONTAINERS_SERVICE} (account {source}) to {service} "
        f"{('instance ' + guid) if guid else '(every instance)'} (account {found.kms_account_id}) with Reader"
    )
    try:
        policy = found.reads.get(
            ("authorization", service, guid, source, found.kms_account_id),
            lambda: find_covering_authorization(
                IamPolicyClient(session),
                source_service=CONTAINERS_SERVICE,
                target_service=service,
                target_instance=guid,
                source_account_id=source,
                target_account_id=found.kms_account_id,
                roles=["Reader"],
            ),
        )
    except IBMCloudError as error:
        return outcome(
            name,
            UNVERIFIED,
            f"The authorizations of account {found.kms_account_id} could not be read: {error.describe()}",
        )
    if policy:
        found.authorization = policy
        return outcome(
            name, PASSED, f"Authorization policy {policy.get('covered_by') or policy.get('id')} lets {what}."
        )
    if ask.create_authorization:
        return outcome(name, PASSED, f"No authorization lets {what} yet; the authorization step will create it.")
    if not found.cross_account:
        return outcome(
            name,
            PASSED,
            f"No authorization lets {what} yet; the Kubernetes Service creates it in the same account when KMS is "
            "enabled (creating it with ibmcloud.kms.iam_policy keeps it under your control).",
        )
    return outcome(
        name,
        FAILED,
        f"No service-to-service authorization lets {what}.",
        AUTHORIZATION_HINT.format(service=service)
        + (CREATE_AUTHORIZATION_HINT if ask.create_authorization is not None else ""),
    )


def check_cluster_key_owner(session: Session, ask: Ask, found: Found) -> dict:
    name = "cluster_key_owner_kms_role"
    if found.cross_account and not found.cluster_gap:
        return outcome(name, NOT_APPLICABLE, CROSS_ACCOUNT_OWNER)
    gap = found.cluster_gap or kms_gap(ask, found)
    if gap:
        return from_gap(name, gap)
    cluster = cast(dict, found.cluster)  # read, as there is no cluster_gap
    owner, trouble = find_key_owner(session, cluster, cluster_account(cluster) or found.account_id)
    return outcome(name, *trouble) if owner is None else judge_owner(session, ask, found, owner)


def judge_owner(session: Session, ask: Ask, found: Found, owner: Owner) -> dict:
    name = "cluster_key_owner_kms_role"
    role = "Writer" if ask.create_root_key else "Reader"
    where = describe_target(ask, found)
    cluster = cast(dict, found.cluster)  # check_cluster_key_owner returned first on a cluster gap
    whose = owner.of(cluster)
    try:
        account = cluster_account(cluster) or found.account_id
        policies = policies_of(session, found, cast(str, owner.iam_id), account, groups=True)  # even the caller's
    except IBMCloudError as error:
        return outcome(name, UNVERIFIED, f"The access policies of {whose} could not be read: {error.describe()}")
    if grants_role(policies, kms_target(ask, found), [role]):
        return outcome(name, PASSED, f"{whose}, holds {role} (or more) on {where}.")
    return outcome(
        name,
        FAILED,
        f"{whose}, holds no {role} on {where}, neither through its own access policies nor through its access "
        "groups: the Kubernetes Service could not read the root key with it.",
        OWNER_HINT.format(
            owner=owner.iam_id,
            region=cluster.get("region"),
            group=cluster_group(cluster),
            role=role,
        ),
    )
