# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""The prerequisites of enabling KMS on one cluster, each checked by reading only (prerequisites_info): the reads, the
checks of the cluster, the instance and the root key, whether anything is left to change, and the engine that runs
them all (check_all) or those a change needs (check_change). The checks that read IAM are in _prerequisite_roles; what
they share (Ask, Found, outcome) in _prerequisite_model.

Every check ends as ``passed``, ``failed``, ``unverified`` (it could not be seen: a refused or failed read, or
roles that may come through access groups, which are not read) or ``not_applicable``. Reading comes first
(cluster, instance, root key), then each check is judged from what was read, in the fixed order of CHECKS.
API errors never escape ``check_all``: they make the affected checks ``unverified``.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Callable, Optional, cast

from ansible_collections.ibmcloud.kms.plugins.module_utils import _instance_policies as policies
from ansible_collections.ibmcloud.kms.plugins.module_utils._client import Session
from ansible_collections.ibmcloud.kms.plugins.module_utils._cluster_kms import (
    PREVIOUS_KEY_HINT,
    Target,
    check_target,
    describe,
    key_problems,
    keys_used_before,
    kms_account,
    master_busy,
    parse_root_key,
    split_registrations,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._containers import ContainersClient, kms_enabled
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import (
    IBMCloudError,
    InputError,
    TransportError,
    UnauthorizedError,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._kms import (
    DESTROYED,
    STATE_NAMES,
    KmsClient,
    days_until,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._prerequisite_model import (
    CHECKS,
    CREDENTIALS_HINT,
    FAILED,
    HPCS_HINT,
    NOT_APPLICABLE,
    PASSED,
    UNVERIFIED,
    Ask,
    Found,
    ReadOnce,
    from_gap,
    outcome,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._prerequisite_roles import (
    check_caller_kms_role,
    check_cluster_administrator,
    check_cluster_key_owner,
    check_service_authorization,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._resource_controller import (
    UUID_RE,
    ResourceClient,
    crn_service,
    survivor,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._tagging import TaggingClient
from ansible_collections.ibmcloud.kms.plugins.module_utils._wait import run_each


# -- credentials and cluster ----------------------------------------------------------------------------
def connect(open_session: Callable[[], Optional[Session]]) -> tuple:
    """(session, None) when IAM gives a token (api_key) or iam_token is a current token; else (None, outcome).
    (None, None) when there is no session to open (no KMS account credentials were given)."""
    try:
        session = open_session()
        if session is None:
            return None, None
        claims = session.claims()
    except IBMCloudError as error:
        status = UNVERIFIED if isinstance(error, TransportError) or (error.status or 0) >= 500 else FAILED
        http = f" (HTTP {error.status})" if error.status else ""
        return None, outcome(
            "credentials", status, f"No IAM token{http}: {error.message}", error.hint or CREDENTIALS_HINT
        )
    expires = claims.get("exp")
    if not session.settings.renewable and isinstance(expires, (int, float)) and expires <= time.time():
        return None, outcome("credentials", FAILED, "iam_token has expired.", CREDENTIALS_HINT)
    return session, None


def read_cluster(session: Session, ask: Ask, found: Found) -> Optional[dict]:
    """Read the cluster; a failed credentials outcome when the API refuses the token itself (HTTP 401)."""
    try:
        found.cluster = session.shared(ContainersClient).get_cluster(ask.cluster)
    except UnauthorizedError as error:
        return outcome(
            "credentials",
            FAILED,
            f"IBM Cloud did not accept the IAM token (HTTP {error.status}): {error.message}",
            CREDENTIALS_HINT,
        )
    except IBMCloudError as error:
        found.cluster_gap = (UNVERIFIED, f"cluster {ask.cluster} could not be read: {error.describe()}")
        return None
    if found.cluster is None:
        found.cluster_gap = (NOT_APPLICABLE, f"cluster {ask.cluster} was not found.")
    return None


def check_cluster_exists(session: Session, ask: Ask, found: Found) -> dict:
    if found.cluster is not None:
        cluster = found.cluster
        return outcome(
            "cluster_exists",
            PASSED,
            f"Cluster {cluster['name']} ({cluster['id']}) was found: "
            f"{cluster.get('provider')}, region {cluster.get('region')}.",
        )
    gap = cast(tuple, found.cluster_gap)  # read_cluster sets it whenever found.cluster is None
    if gap[0] == UNVERIFIED:
        return outcome("cluster_exists", UNVERIFIED, f"The {gap[1]}")
    return outcome(
        "cluster_exists",
        FAILED,
        f"Cluster {ask.cluster!r} was not found in account {found.account_id} (by name or id).",
        "Check the cluster name and the region's account.",
    )


def check_cluster_type(session: Session, ask: Ask, found: Found) -> dict:
    name = "cluster_type"
    if found.cluster_gap:
        return from_gap(name, found.cluster_gap)
    cluster = cast(dict, found.cluster)  # read, as there is no cluster_gap
    provider = cluster.get("provider")
    if found.cross_account and provider == "satellite":
        return outcome(
            name,
            FAILED,
            f"Cluster {cluster['name']} is a Satellite cluster; cross-account KMS "
            f"(kms_account_id {found.kms_account_id}) is supported for classic and VPC "
            "clusters only.",
            "Use a KMS instance of the cluster's own account.",
        )
    kind = "cross-account" if found.cross_account else "same-account"
    return outcome(name, PASSED, f"Cluster {cluster['name']} is a {provider} cluster; {kind} KMS is supported.")


# -- the KMS instance ------------------------------------------------------------------------------------
def matching_instances(resources: ResourceClient, ask: Ask, kms_readable: bool) -> tuple:
    """(the instances the reference names, the resource group of a new instance or None): one for a guid or CRN; by
    name, those of kms_service (of the group and region when the instance is to be created, as kms_instance finds
    it; else preferring this region)."""
    ref = ask.instance or ""
    matches = resources.lookup_instances(ref)
    if ref.startswith("crn:") or UUID_RE.match(ref):
        return matches, None
    matches = [i for i in matches if crn_service(i.get("crn", "")) == ask.kms_service]
    if ask.create_instance and kms_readable:
        group = resources.resource_group(ask.resource_group)
        shared = [i for i in matches if i.get("resource_group_id") == group["id"] and i.get("region_id") == ask.region]
        # The instance kms_instance uses: with several of the name (parallel jobs), the one every job keeps.
        return ([survivor(shared)] if shared else []), group
    here = [i for i in matches if i.get("region_id") == ask.region]
    return (here if len(matches) > 1 and here else matches), None


def read_instance(session: Session, ask: Ask, found: Found) -> dict:
    """The instance check; sets found.instance, found.new_instance or found.instance_gap."""
    if not ask.instance:
        found.instance_gap = (NOT_APPLICABLE, "no instance was given.")
        return outcome("instance", NOT_APPLICABLE, "No KMS instance was given; the KMS checks are skipped.")
    resources = ResourceClient(session)
    wanted = (ask.instance, ask.kms_service, ask.create_instance, ask.resource_group, ask.region, found.kms_readable)
    try:
        matches, group = found.reads.get(
            ("instances", *wanted), lambda: matching_instances(resources, ask, found.kms_readable)
        )
    except InputError as error:
        found.instance_gap = (NOT_APPLICABLE, f"KMS instance {ask.instance} cannot be used.")
        return outcome("instance", FAILED, error.message)
    except IBMCloudError as error:
        if not found.kms_readable and error.status in (403, 404):
            return other_account_instance(ask, found)
        found.instance_gap = (UNVERIFIED, f"KMS instance {ask.instance} could not be read.")
        return outcome("instance", UNVERIFIED, f"KMS instance {ask.instance} could not be read: {error.describe()}")
    if group:
        found.resource_group_id, found.resource_group_name = group["id"], group.get("name")
    if len(matches) > 1:
        found.instance_gap = (NOT_APPLICABLE, f"KMS instance {ask.instance} is ambiguous.")
        listing = ", ".join(f"{i['guid']} ({i.get('region_id')})" for i in matches)
        return outcome(
            "instance",
            FAILED,
            f"{len(matches)} {ask.kms_service} instances are named {ask.instance!r}: {listing}.",
            "Give the instance guid or CRN.",
        )
    if not matches:
        return other_account_instance(ask, found) if not found.kms_readable else missing_instance(session, ask, found)
    found.instance = matches[0]
    if found.instance.get("state") == "provisioning":
        try:
            guid = found.instance["guid"]
            found.instance, _waited = found.reads.get(
                ("active", guid), lambda: resources.wait_active(guid, ask.wait_timeout)
            )
        except IBMCloudError as error:
            found.instance_gap = (UNVERIFIED, f"KMS instance {ask.instance} is not active yet.")
            return outcome(
                "instance", UNVERIFIED, f"KMS instance {ask.instance} is still provisioning: {error.describe()}"
            )
    return existing_instance(session, ask, found)


def other_account_instance(ask: Ask, found: Found) -> dict:
    """An instance of kms_account_id, which this account's Resource Controller does not show."""
    ref = ask.instance or ""
    guid = ref.split(":")[7] if ref.startswith("crn:") and len(ref.split(":")) > 7 else ref
    if not UUID_RE.match(guid):
        found.instance_gap = (NOT_APPLICABLE, f"KMS instance {ref} of account {found.kms_account_id} is unknown.")
        return outcome(
            "instance",
            FAILED,
            f"KMS instance {ref!r} of account {found.kms_account_id} is not visible to this account.",
            "Give its guid or CRN.",
        )
    found.instance = {
        "guid": guid,
        "crn": ref if ref.startswith("crn:") else None,
        "name": None,
        "account_id": found.kms_account_id,
        "state": None,
    }
    found.instance_gap = (
        UNVERIFIED,
        f"KMS instance {guid} is in account {found.kms_account_id}, which this account cannot read.",
    )
    return outcome(
        "instance",
        UNVERIFIED,
        f"KMS instance {guid} is in account {found.kms_account_id}; this "
        "account's Resource Controller does not show it, so whether it exists, is "
        "active and initialized is not verified.",
        "Check it with credentials of the KMS account (ibmcloud.kms.kms_instance_info).",
    )


def missing_instance(session: Session, ask: Ask, found: Found) -> dict:
    found.instance_gap = (NOT_APPLICABLE, f"KMS instance {ask.instance} does not exist.")
    if ask.kms_service == "hs-crypto":
        return outcome(
            "instance", FAILED, f"Hyper Protect Crypto Services instance {ask.instance!r} was not found.", HPCS_HINT
        )
    if not ask.create_instance:
        return outcome(
            "instance",
            FAILED,
            f"Key Protect instance {ask.instance!r} was not found.",
            "Set create_instance=true to have it created, or give an existing instance.",
        )
    ref = cast(str, ask.instance)  # read_instance returned early without one
    if ref.startswith("crn:") or UUID_RE.match(ref):
        return outcome(
            "instance",
            FAILED,
            f"Key Protect instance {ask.instance!r} was not found; a new instance "
            "is created by name, not by guid or CRN.",
            "Give the name of the instance.",
        )
    found.instance_gap, found.new_instance = None, True
    return outcome(
        "instance",
        PASSED,
        f"Key Protect instance {ask.instance!r} does not exist in resource group "
        f"{found.resource_group_label} and region {ask.region}; it will be "
        f"created, a billable IBM Cloud resource in account {found.kms_account_id}.",
    )


def instance_problems(ask: Ask, found: Found) -> list:
    raw = cast(dict, found.instance)  # set by read_instance before existing_instance
    problems = []
    if crn_service(raw.get("crn", "")) != ask.kms_service:
        problems.append(f"it is a {crn_service(raw.get('crn', ''))} instance, not {ask.kms_service} (kms_service).")
    if raw.get("account_id", found.kms_account_id) != found.kms_account_id:
        problems.append(f"it belongs to account {raw.get('account_id')}, not to {found.kms_account_id}.")
    if raw.get("state") != "active":
        problems.append(f"it is {raw.get('state')}, not active.")
        found.instance_gap = (UNVERIFIED, f"KMS instance {raw['guid']} is not active.")
    return problems


def existing_instance(session: Session, ask: Ask, found: Found) -> dict:
    raw = cast(dict, found.instance)  # set by read_instance just before
    label = f"KMS instance {raw.get('name')} ({raw['guid']})"
    problems = instance_problems(ask, found)
    if problems:
        return outcome("instance", FAILED, f"{label}: " + " ".join(problems))
    if crn_service(raw["crn"]) != "hs-crypto":
        found.initialized = True
        return outcome("instance", PASSED, f"{label} is active.")
    try:
        found.initialized = found.reads.get(
            ("initialized", raw["guid"]), lambda: KmsClient(session, raw).is_initialized()
        )
    except IBMCloudError as error:
        found.instance_gap = (UNVERIFIED, f"{label} could not be read.")
        return outcome(
            "instance",
            UNVERIFIED,
            f"{label} is active; whether it is initialized could not be read: {error.describe()}",
        )
    if not found.initialized:
        found.instance_gap = (UNVERIFIED, f"{label} is not initialized.")
        return outcome(
            "instance",
            FAILED,
            f"{label} is not initialized: its crypto units hold no master key, so it cannot hold root keys.",
            "Initialize it with the TKE CLI ('ibmcloud tke') or the key ceremony, then run again.",
        )
    return outcome("instance", PASSED, f"{label} is active and initialized.")


# -- the root key --------------------------------------------------------------------------------------
def read_key(session: Session, ask: Ask, found: Found) -> dict:
    """The root_key check; sets found.key or found.new_key."""
    if not ask.root_key:
        return outcome("root_key", NOT_APPLICABLE, "No root_key was given; the root key is not checked.")
    try:
        ref, crn_guid = parse_root_key(ask.root_key)
    except InputError as error:
        return outcome("root_key", FAILED, error.message)
    if found.new_instance:
        found.new_key = ask.create_root_key
        if found.new_key:
            return outcome("root_key", PASSED, f"Root key {ref!r} will be created in the new instance.")
        return outcome("root_key", FAILED, f"A new instance has no root key {ref!r}.", "Set create_root_key=true.")
    if found.instance_gap:
        return from_gap("root_key", found.instance_gap)
    instance = cast(dict, found.instance)  # read_instance sets it, or a gap, unless new_instance
    if crn_guid and crn_guid != instance["guid"]:
        return outcome(
            "root_key",
            FAILED,
            f"Root key {ask.root_key} belongs to instance {crn_guid}, not to {instance['guid']}.",
        )
    try:
        key = found.reads.get(("key", instance["guid"], ref), lambda: KmsClient(session, instance).find_root_key(ref))
    except IBMCloudError as error:
        return outcome("root_key", UNVERIFIED, f"Root key {ref!r} could not be read: {error.describe()}")
    return judge_key(ask, found, ref, key)


def judge_key(ask: Ask, found: Found, ref: str, key: Optional[dict]) -> dict:
    if (key is None or key.get("state") == DESTROYED) and ask.create_root_key:
        found.new_key = True
        instance = cast(dict, found.instance)  # read_key reads keys of an instance that was read
        return outcome(
            "root_key",
            PASSED,
            f"Root key {ref!r} does not exist in KMS instance {instance['guid']}; it will be created.",
        )
    found.key = key if key is not None and key.get("state") != DESTROYED else None
    problems = key_problems(key, ref, ask.min_days_before_expiration, found.now)
    if not problems:
        return outcome(
            "root_key",
            PASSED,
            f"Root key {ref!r} ({cast(dict, key)['id']}) is an active root key that does not "
            f"expire within {ask.min_days_before_expiration} days.",
        )
    hint = (
        "Set create_root_key=true to have it created."
        if found.key is None
        else (
            "Use another root key: a cluster that uses this one moves to a new key with the rotate playbook "
            "(mode=switch, or mode=auto); a disabled key is enabled again with ibmcloud.kms.root_key state=enabled. "
            "Rotating keeps the expiration date."
        )
    )
    return outcome("root_key", FAILED, " ".join(problems), hint)


def read_registrations(kms_session: Session, found: Found) -> Optional[list]:
    """The registrations of the instance, read once, for a cluster with KMS on in an instance that was read; None
    otherwise or when the read failed (the checks that need them then pass on what they have)."""
    cluster, instance = found.cluster, found.instance
    if not (cluster and kms_enabled(cluster) and instance and found.instance_gap is None):
        return None
    try:
        found.registrations = found.reads.get(
            ("registrations", instance["guid"]), lambda: KmsClient(kms_session, instance).registrations()
        )
    except IBMCloudError:
        return None
    return found.registrations


def current_registration(found: Found) -> Optional[dict]:
    """The registration of the key the cluster uses, among the instance's registrations that were read."""
    return split_registrations(found.registrations or [], found.cluster or {})[0]


def registered_key_id(kms_session: Session, found: Found) -> Optional[str]:
    """The key the cluster's current registration in the instance names (the registrations are read once); None
    without one."""
    read_registrations(kms_session, found)
    return (current_registration(found) or {}).get("keyId")


def previous_keys(session: Session, kms_session: Session, found: Found) -> list:
    """The key ids the cluster used before (its older registrations in the instance and this collection's record on
    the cluster), each read once; none for a cluster without KMS or when a read fails."""
    cluster = found.cluster
    registrations = read_registrations(kms_session, found)
    if registrations is None or not cluster:
        return []
    try:
        tags = found.reads.get(("tags", cluster["crn"]), lambda: TaggingClient(session).tags_of(cluster["crn"]))
    except IBMCloudError:
        return []
    return keys_used_before(split_registrations(registrations, cluster)[1], tags)


def keep_current_key(kms_session: Session, ask: Ask, found: Found) -> Ask:
    """With keep_current_root_key, the ask for the key the cluster uses in the instance (root_key becomes the key that
    was requested); the ask as it is when the cluster has no key there."""
    if not ask.keep_current_root_key or not ask.root_key:
        return ask
    found.kept_key_id = registered_key_id(kms_session, found)
    if not found.kept_key_id:
        return ask
    requested = ask.requested_root_key or ask.root_key
    return replace(ask, root_key=found.kept_key_id, requested_root_key=requested, create_root_key=False)


def refuse_previous_key(session: Session, kms_session: Session, found: Found, result: dict) -> dict:
    """The root_key check fails for a key the cluster used before, which the Kubernetes Service refuses (a cluster can
    never go back to a key). Read only for a cluster with KMS on and a key that passed."""
    key, cluster = found.key, found.cluster
    if result["status"] != PASSED or not key or not cluster or not kms_enabled(cluster):
        return result
    if key["id"] == registered_key_id(kms_session, found):
        return result  # the key it uses now: its history is not needed
    if key["id"] not in previous_keys(session, kms_session, found):
        return result
    return outcome(
        "root_key", FAILED, f"Cluster {cluster['name']} used root key {key['id']} before.", PREVIOUS_KEY_HINT
    )


def kept_key_warning(session: Session, kms_session: Session, ask: Ask, found: Found) -> Optional[str]:
    """A warning when the cluster keeps its root key (root_key) although another one was asked for
    (requested_root_key), naming both; none for a key the cluster used before (a switch retired it)."""
    kept, cluster = found.key, found.cluster
    if not ask.requested_root_key or not kept or not cluster:
        return None
    if ask.requested_root_key in (kept["id"], ask.root_key, *(kept.get("aliases") or [])):
        return None
    try:
        requested = KmsClient(kms_session, cast(dict, found.instance)).find_root_key(ask.requested_root_key)
    except IBMCloudError:
        requested = None
    if requested is not None and requested.get("id") in (kept["id"], *previous_keys(session, kms_session, found)):
        return None
    which = f"key {requested['id']}" if requested else "a key that does not exist yet"
    return (
        f"Cluster {cluster['name']} keeps its root key {kept.get('name')} ({kept['id']}); the requested root key "
        f"{ask.requested_root_key!r} ({which}) is not used, because keep_current_root_key is true. To move the cluster "
        "to a new root key, run ibmcloud.kms.rotate with mode switch."
    )


# -- nothing to change ------------------------------------------------------------------------------------
def instance_policy_warning(kms_session: Session, ask: Ask, found: Found) -> Optional[str]:
    """With instance policies asked for and an instance that exists: which of its policies differ (noted in
    found.policies_to_set, for the instance step to set; the cluster is then not converged), or that they could not
    be read. The policies of an instance are read once for the clusters of the run."""
    instance = found.instance
    if not ask.instance_policies or found.new_instance or not instance or "guid" not in instance:
        return None
    if not found.kms_readable:
        return None  # another account's instance, without its credentials: nothing of it can be read
    want = policies.wanted(ask.instance_policies)
    guid = instance["guid"]
    try:
        have = found.reads.get(
            ("instance_policies", guid),
            lambda: policies.current(KmsClient(kms_session, instance).instance_policies()),
        )
    except IBMCloudError as error:
        return (
            f"The instance policies of KMS instance {guid} could not be read, so whether they are as asked is not"
            f" known: {error.describe()}"
        )
    found.policies_to_set = policies.changes(have, want)
    if not found.policies_to_set:
        return None
    return (
        f"KMS instance {guid} does not have the instance policies asked for ({', '.join(found.policies_to_set)}"
        " differ); the instance step sets them."
    )


# The checks only a change needs: with skip_when_converged, a cluster with nothing to change leaves them out.
CHANGE_ONLY = ("cluster_administrator", "caller_kms_role", "cluster_key_owner_kms_role")


def is_converged(ask: Ask, found: Found, results: dict) -> bool:
    """Whether a run would change nothing on the cluster: KMS is on with the root key that was checked (found in the
    instance, without a problem) as its current registration, the master is not applying a change, and the
    authorization exists when the caller asked for it to be created."""
    cluster, key = found.cluster, found.key
    if not cluster or not key or not kms_enabled(cluster) or master_busy(cluster):
        return False
    if results["instance"]["status"] != PASSED or results["root_key"]["status"] != PASSED:
        return False
    if (current_registration(found) or {}).get("keyId") != key["id"] or found.policies_to_set:
        return False
    return found.authorization is not None or not ask.create_authorization


def nothing_to_change(name: str, found: Found) -> dict:
    cluster, key, instance = cast(dict, found.cluster), cast(dict, found.key), cast(dict, found.instance)
    return outcome(
        name,
        NOT_APPLICABLE,
        f"Not checked: only a change needs it, and cluster {cluster['name']} uses root key {key['id']} of KMS "
        f"instance {instance['guid']} already.",
    )


def kms_view(ask: Ask, found: Found) -> Optional[dict]:
    """The cluster's KMS configuration and health in the instance, as cluster_kms_info shows it, from what was read
    (the root key's details when the cluster uses the key that was checked); None when the cluster was not read."""
    if found.cluster is None:
        return None
    current = current_registration(found)
    if current is None:
        return describe(found.cluster, now=found.now, min_days=ask.min_days_before_expiration)
    key = found.key if found.key and found.key.get("id") == current.get("keyId") else None
    return describe(
        found.cluster,
        instance=found.instance,
        key=key,
        registration=current,
        now=found.now,
        min_days=ask.min_days_before_expiration,
    )


# -- the returned views ------------------------------------------------------------------------------
def cluster_view(cluster: Optional[dict]) -> Optional[dict]:
    if cluster is None:
        return None
    return {
        "id": cluster.get("id"),
        "name": cluster.get("name"),
        "crn": cluster.get("crn"),
        "provider": cluster.get("provider"),
        "region": cluster.get("region"),
        "resource_group_id": cluster.get("resourceGroup"),
        "kms_enabled": kms_enabled(cluster),
    }


def instance_view(found: Found) -> Optional[dict]:
    raw = found.instance
    if raw is None:
        return None
    return {
        "guid": raw.get("guid"),
        "name": raw.get("name"),
        "crn": raw.get("crn"),
        "service": crn_service(raw.get("crn") or ""),
        "state": raw.get("state"),
        "initialized": found.initialized,
    }


def key_view(key: Optional[dict], now: float) -> Optional[dict]:
    if key is None:
        return None
    return {
        "id": key.get("id"),
        "name": key.get("name"),
        "aliases": list(key.get("aliases") or []),
        "state": STATE_NAMES.get(key.get("state"), key.get("state")),
        "extractable": key.get("extractable"),
        "expiration_date": key.get("expirationDate"),
        "days_until_expiration": days_until(key.get("expirationDate"), now),
    }


# -- all of it -----------------------------------------------------------------------------------------
# Clusters check_each checks at once: each waits mostly on IBM's answers.
CONCURRENCY = 8
JUDGED = (
    ("cluster_exists", check_cluster_exists),
    ("cluster_administrator", check_cluster_administrator),
    ("cluster_type", check_cluster_type),
    ("caller_kms_role", check_caller_kms_role),
    ("service_authorization", check_service_authorization),
    ("cluster_key_owner_kms_role", check_cluster_key_owner),
)


# Judged with the KMS account's session when there is one.
KMS_SIDE = ("caller_kms_role", "service_authorization")


def summary_lines(results: list) -> list:
    """One line per prerequisite: STATUS name message."""
    return [f"{r['status'].upper()} {r['name']} {r['message']}" for r in results]


def refusal(cluster: str, results: list, *, refuse_unverified: bool = False) -> Optional[str]:
    """The one message that stops a change when a prerequisite failed (or, on request, could not be verified): what
    is missing and what to do, each check in turn; None when nothing stops it."""
    statuses = (FAILED, UNVERIFIED) if refuse_unverified else (FAILED,)
    refused = [r for r in results if r["status"] in statuses]
    if not refused:
        return None
    parts = [" ".join(p for p in (f"{r['name']}:", r["message"], r.get("hint")) if p) for r in refused]
    return f"Cluster {cluster}: {len(refused)} prerequisite(s) not met; nothing was changed. " + " ".join(parts)


def all_unverified(failure: dict) -> list:
    message = f"Not checked: the credentials check did not pass ({failure['status']}), so nothing could be read."
    return [failure] + [outcome(name, UNVERIFIED, message) for name in CHECKS[1:]]


def check_all(
    open_session: Callable[[], Session],
    ask: Ask,
    found: Found,
    open_kms_session: Optional[Callable[[], Optional[Session]]] = None,
) -> list:
    """Every prerequisite as {name, status, message, hint}, in the order of CHECKS.

    ``open_session`` makes the session (its errors fail the credentials check); ``found`` receives what was read.
    ``open_kms_session`` makes the KMS account's own session (cross-account KMS), or gives None: the KMS side (the
    instance, the root key, the caller's roles on it and the authorization, which lives in the KMS account) is then
    read with it, as cluster_kms reads it.
    """
    session, failure = connect(open_session)
    if session is None:
        return all_unverified(failure)
    kms_session, failure = connect(open_kms_session) if open_kms_session else (None, None)
    if failure is not None:
        failure = {**failure, "message": "The KMS account's credentials: " + failure["message"]}
        return all_unverified(failure)
    found.account_id = session.account_id
    try:
        found.kms_account_id = kms_account(session, kms_session, ask.kms_account_id)
    except InputError as error:
        return all_unverified(outcome("credentials", FAILED, error.message))
    found.kms_readable = (kms_session or session).account_id == found.kms_account_id
    found.now = session.now()
    failure = read_cluster(session, ask, found)
    if failure is not None:
        return all_unverified(failure)
    kms = kms_session or session
    results = {"instance": read_instance(kms, ask, found)}
    found.warnings.extend(filter(None, [instance_policy_warning(kms, ask, found)]))
    ask = keep_current_key(kms, ask, found)
    results["root_key"] = refuse_previous_key(session, kms, found, read_key(kms, ask, found))
    found.warnings.extend(filter(None, [kept_key_warning(session, kms, ask, found)]))
    results["service_authorization"] = check_service_authorization(kms, ask, found)
    found.converged = is_converged(ask, found, results)
    skip = found.converged and ask.skip_when_converged
    for name, judge in JUDGED:
        if name in results:
            continue
        results[name] = (
            nothing_to_change(name, found)
            if skip and name in CHANGE_ONLY
            else judge(kms if name in KMS_SIDE else session, ask, found)
        )
    read_registrations(kms, found)
    found.view = kms_view(ask, found)
    claims = session.claims()
    results["credentials"] = outcome(
        "credentials", PASSED, f"IAM token of {claims.get('iam_id')} (account {found.account_id}) accepted."
    )
    return [results[name] for name in CHECKS]


def check_each(
    open_session: Callable[[], Session],
    asks: list,
    open_kms_session: Optional[Callable[[], Optional[Session]]] = None,
) -> list:
    """check_all for each of ASKS, up to CONCURRENCY at once in threads that share one session and one ReadOnce (so
    that the instance, its registrations, the authorization and the caller's policies are read once for all of
    them): [(results, found)] in the order of ASKS."""
    reads = ReadOnce()

    def opened(which: str, opener: Callable[[], Optional[Session]]) -> Callable[[], Optional[Session]]:
        return lambda: reads.get(("session", which), opener)

    session, kms_session = opened("caller", open_session), open_kms_session and opened("kms", open_kms_session)

    def one(ask: Ask) -> tuple:
        found = Found(reads=reads)
        return check_all(cast(Callable[[], Session], session), ask, found, kms_session), found

    return run_each(one, asks, at_once=CONCURRENCY)


# -- cluster_kms: the same checks, right before its request ------------------------------------------
# The checks of prerequisites_info that also hold right before enableKMS, run on what cluster_kms read (one engine).
# What only a change needs (previous keys, the key's state and expiry, the instance) is in _cluster_kms.check_target.
CHANGE_CHECKS = (
    ("cluster_administrator", check_cluster_administrator),
    ("service_authorization", check_service_authorization),
    ("cluster_key_owner_kms_role", check_cluster_key_owner),
)


def check_change(
    target: Target,
    session: Session,
    min_days: int,
    now: float,
    *,
    kms_session: Optional[Session] = None,
    reads: Optional[ReadOnce] = None,
) -> None:
    """Collect in TARGET every reason cluster_kms's change cannot work, before any changing request: a failed check
    stops it, one that could not be verified becomes a warning. ``kms_session`` (the KMS account's own credentials)
    reads the KMS side, as in prerequisites_info; ``reads`` is what the clusters of one run share (the caller's
    policies, the authorization, the key owners' roles), read once for all of them."""
    check_target(target, session, min_days, now)
    ask = Ask(
        cluster=target.cluster["id"],
        instance=target.instance["guid"],
        root_key=target.key_ref,
        kms_account_id=target.kms_account_id,
        min_days_before_expiration=min_days,
        create_authorization=None,
    )
    found = Found(
        account_id=session.account_id,
        kms_account_id=target.kms_account_id,
        now=now,
        cluster=target.cluster,
        instance=target.instance,
        key=target.key,
        reads=reads or ReadOnce(),
    )
    for name, check in CHANGE_CHECKS:
        result = check(kms_session or session if name in KMS_SIDE else session, ask, found)
        text = " ".join(part for part in (result["message"], result.get("hint")) if part)
        if result["status"] == FAILED:
            target.failures.append(text)
        elif result["status"] == UNVERIFIED:
            target.warnings.append(f"Not verified: {text}")
