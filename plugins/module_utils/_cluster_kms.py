# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""What cluster_kms and cluster_kms_info share: the KMS configuration a cluster uses today, the checks made
before enabling KMS, and the wait for the master.

The Kubernetes Service API shows only whether KMS is on (``features.keyProtectEnabled``), not which root key
is used. The root key comes from Key Protect registrations: the Kubernetes Service registers the cluster on the
root key it uses (under a CRN of service containers-kubernetes that carries the cluster id; the exact CRN is
unpublished). Neither API shows the keys a cluster used before (the registration moves to the new key on a
switch). So cluster_kms records each key it moves a cluster away from as a tag on the cluster, and the key it puts
it on (see _tagging.py); it refuses the former before any request, and a rerun without a visible registration
trusts the latter. A key left by other tools is still recognised while an old registration is listed; otherwise
the Kubernetes Service refuses it and the module explains the refusal.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, cast

from ansible_collections.ibmcloud.kms.plugins.module_utils._client import Session
from ansible_collections.ibmcloud.kms.plugins.module_utils._containers import ContainersClient, kms_enabled, lifecycle
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import IBMCloudError, InputError, WaitTimeoutError
from ansible_collections.ibmcloud.kms.plugins.module_utils._iam import (
    IamPolicyClient,
    condition_holds,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._kms import STATE_NAMES, KmsClient, days_until
from ansible_collections.ibmcloud.kms.plugins.module_utils._resource_controller import UUID_RE, crn_service
from ansible_collections.ibmcloud.kms.plugins.module_utils._tagging import (
    TaggingClient,
    previous_key_ids,
    previous_key_tag,
    recorded_key_ids,
    root_key_tag,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._wait import ReadOnce, wait_until

CONTAINERS_SERVICE = "containers-kubernetes"
FAILED_MASTER_STATES = ("deploy_failed", "update_failed", "delete_failed")
BUSY_MASTER_STATES = ("deploying", "updating")
ADMIN_ROLE_SUFFIX = ":role:Administrator"
OWNER_HINT = (
    "The Kubernetes Service reads the root key with the API key of the cluster's region and resource "
    "group (containers-kubernetes-key); its owner needs the Reader service role on the KMS instance (Writer where it "
    "also creates keys, which the setup's preflight checks when the role creates the root key). Grant it (or reset "
    "that API key as a user who has it) and run the task again."
)
PREVIOUS_KEY_HINT = (
    "A cluster cannot go back to a root key it used before. Create a new root key "
    "(ibmcloud.kms.root_key) and switch the cluster to it."
)
SWITCH_REFUSED_HINT = (
    "The Kubernetes Service refused the switch to another root key. Besides the reason it gives, a documented one is "
    "a root key the cluster used before: a cluster cannot go back to one. If that is the case, create a new root key "
    "(ibmcloud.kms.root_key) and switch the cluster to it."
)
# Words of IKS's refusal of a previous root key seen so far; the refusal's text and code are unpublished, so they only
# sharpen the hint (SWITCH_REFUSED_HINT covers any other 400 on a switch).
PREVIOUS_KEY_WORDS = ("previous", "reuse", "used before")
DISABLE_REFUSED = (
    "KMS encryption cannot be disabled on cluster {name} once it is enabled (IBM Cloud Kubernetes "
    "Service documentation: 'You cannot later disable KMS encryption'). To stop using its root key, "
    "switch the cluster to a new root key with state=enabled."
)


# -- reading ------------------------------------------------------------------------------------------
def parse_root_key(ref: str) -> tuple:
    """(key id or alias, instance guid or None) from a key id, alias or key CRN."""
    if not ref.startswith("crn:"):
        return ref, None
    parts = ref.split(":")
    if len(parts) < 10 or parts[8] != "key" or not parts[9]:
        raise InputError(f"{ref!r} is not a key CRN (crn:v1:...:<instance guid>:key:<key id>).")
    return parts[9], parts[7]


def registers_cluster(registration: dict, cluster_id: str) -> bool:
    """Whether a registration is the Kubernetes Service's for this cluster: the service segment of its resourceCrn is
    containers-kubernetes and the cluster id is one of its segments (the exact CRN IKS registers is unpublished)."""
    parts = (registration.get("resourceCrn") or "").split(":")
    segments = re.split(r"[:/]", ":".join(parts[5:]))
    return bool(cluster_id) and len(parts) > 7 and parts[4] == CONTAINERS_SERVICE and cluster_id in segments


def split_registrations(registrations: list, cluster: dict) -> tuple:
    """(the registration of the key the cluster uses, ids of other keys still registered for it).

    The most recently updated registration is the current one; older ones are keys used before.
    """
    mine = [r for r in registrations if registers_cluster(r, cluster.get("id") or "")]
    mine.sort(key=lambda r: r.get("lastUpdated") or r.get("creationDate") or "", reverse=True)
    if not mine:
        return None, []
    return mine[0], [r["keyId"] for r in mine[1:] if r.get("keyId") != mine[0].get("keyId")]


def describe(
    cluster: dict,
    *,
    instance: Optional[dict] = None,
    key: Optional[dict] = None,
    registration: Optional[dict] = None,
    private_endpoint: Optional[bool] = None,
    now: float,
    min_days: Optional[int] = None,
) -> dict:
    """The collection's view of a cluster's KMS configuration (the return value of both modules); with MIN_DAYS, a root
    key that expires within that many days is a health problem, as setup refuses such a key."""
    life, instance, key, registration = lifecycle(cluster), instance or {}, key or {}, registration or {}
    view = {
        "cluster_id": cluster.get("id"),
        "cluster_name": cluster.get("name"),
        "cluster_crn": cluster.get("crn"),
        "region": cluster.get("region"),
        "resource_group_id": cluster.get("resourceGroup"),
        "resource_group_name": cluster.get("resourceGroupName"),
        "provider": cluster.get("provider"),
        "enabled": kms_enabled(cluster),
        "instance_id": instance.get("guid"),
        "instance_name": instance.get("name"),
        "kms_service": crn_service(instance.get("crn") or ""),
        "root_key_id": key.get("id") or registration.get("keyId"),
        "root_key_name": key.get("name") or registration.get("keyName"),
        "root_key_crn": key.get("crn"),
        "root_key_state": STATE_NAMES.get(key["state"], str(key["state"])) if "state" in key else None,
        "root_key_expiration_date": key.get("expirationDate"),
        "root_key_days_until_expiration": days_until(key.get("expirationDate"), now),
        "root_key_version": _version_id(key),
        "root_key_creation_date": key.get("creationDate"),
        "root_key_last_rotate_date": key.get("lastRotateDate"),
        "registration_key_version": _version_id(registration),
        "private_endpoint": private_endpoint,
        "master_status": life["masterStatus"],
        "master_state": life["masterState"],
        "master_health": life["masterHealth"],
        "cluster_state": cluster.get("state"),
    }
    view["rewrap_status"] = rewrap_status(view["root_key_version"], view["registration_key_version"])
    view["problems"] = health_problems(view) + ([expiry_problem(view, min_days)] if min_days is not None else [])
    view["problems"] = [problem for problem in view["problems"] if problem]
    view["healthy"] = view["enabled"] and not view["problems"]
    return view


def rewrap_status(key_version: Optional[str], registered_version: Optional[str]) -> str:
    """Whether the cluster's registration shows the root key's current version: ``current``; an older one,
    ``pending`` (after a rotation, until the Kubernetes Service has re-wrapped the cluster's keys; IBM does not
    publish whether or when the registration follows); or ``unknown`` (no key or no version to compare)."""
    if not key_version or not registered_version:
        return "unknown"
    return "current" if key_version == registered_version else "pending"


def rewrap_warning(view: dict) -> Optional[str]:
    """The warning for a cluster whose registration shows an older version of its root key than the current one."""
    if view["rewrap_status"] != "pending":
        return None
    return (
        f"Cluster {view['cluster_name']}: its Key Protect registration shows version {view['registration_key_version']}"
        f" of root key {view['root_key_id']}, whose current version is {view['root_key_version']}: the cluster's"
        " re-wrap with the rotated key is not visible in Key Protect yet. The cluster keeps working on the older"
        " version; IBM does not publish whether or when the registration follows a rotation, so check again later."
    )


def _version_id(record: dict) -> Optional[str]:
    """The keyVersion.id of a key or of a registration (the version the registered resource uses)."""
    return (record.get("keyVersion") or {}).get("id")


def health_problems(view: dict) -> list:
    """Why the cluster cannot be shown to read its secrets with a healthy root key (and a healthy master)."""
    problems = [key_health(view)] if view["enabled"] else []
    problems = [problem for problem in problems if problem]
    if view["master_health"] != "normal" or view["master_state"] in FAILED_MASTER_STATES:
        problems.append(f"Master: {view['master_state']}, {view['master_health']}: {view['master_status']}")
    return problems


def expiry_problem(view: dict, min_days: int) -> Optional[str]:
    """Why a cluster's root key needs a switch soon: it expires within MIN_DAYS days (the cluster becomes unusable when
    it does, and a rotation keeps the date)."""
    days = view["root_key_days_until_expiration"]
    if not view["enabled"] or days is None or days >= min_days:
        return None
    return (
        f"Root key {view['root_key_id']} expires in {days} days ({view['root_key_expiration_date']}), within "
        f"{min_days} days; switch the cluster to a new root key before then (ibmcloud.kms.rotate with mode switch or "
        "auto), or it becomes unusable."
    )


def key_health(view: dict) -> Optional[str]:
    if not view["root_key_id"]:
        return "No Key Protect registration of the cluster was found, so its root key is unknown."
    if view["root_key_state"] is None:
        return f"Root key {view['root_key_id']} could not be read."
    if view["root_key_state"] != "active":
        return f"Root key {view['root_key_id']} is {view['root_key_state']}; secrets cannot be decrypted."
    return None


# -- checks before enabling ------------------------------------------------------------------------
def key_problems(key: Optional[dict], ref: str, min_days: int, now: float) -> list:
    """Why a key cannot protect cluster secrets: missing, not a root key, not active, expiring soon."""
    if key is None or key.get("state") == 5:
        return [f"Root key {ref!r} does not exist in the KMS instance (or was deleted)."]
    problems = []
    if key.get("extractable") is not False:
        problems.append(f"Key {ref!r} is a standard key; KMS encryption needs a root key (extractable=false).")
    if key.get("state") != 1:
        state = STATE_NAMES.get(key.get("state"), key.get("state"))
        problems.append(f"Root key {ref!r} is {state}, not active.")
    days = days_until(key.get("expirationDate"), now)
    if days is not None and days < min_days:
        problems.append(
            f"Root key {ref!r} expires on {key['expirationDate']} ({days} days from now), within "
            f"min_days_before_expiration={min_days}; the cluster becomes unusable when it expires."
        )
    return problems


def cluster_target(cluster: dict, account_id: str) -> dict:
    return {
        "accountId": account_id,
        "serviceType": "service",
        "serviceName": CONTAINERS_SERVICE,
        "serviceInstance": cluster["id"],
        "resourceGroupId": cluster.get("resourceGroup"),
        "region": cluster.get("region"),
    }


def grants_administrator(policies: list, target: dict) -> bool:
    """Whether an active access policy grants the Administrator platform role on the target."""
    for policy in policies:
        if policy.get("state", "active") != "active":
            continue
        if not any(str(role.get("role_id", "")).endswith(ADMIN_ROLE_SUFFIX) for role in policy.get("roles", [])):
            continue
        if any(
            all(condition_holds(a, target) for a in resource.get("attributes", []))
            for resource in policy.get("resources", [])
        ):
            return True
    return False


def caller_policies(session: Session) -> list:
    """The caller's own access policies (all pages); access-group policies are not included."""
    iam_id = cast(str, session.claims().get("iam_id"))  # an IAM access token always carries it
    return IamPolicyClient(session).list_access_policies(session.account_id, iam_id)


def cluster_account(cluster: dict) -> str:
    """The account that owns a cluster, from its CRN
    (crn:v1:bluemix:public:containers-kubernetes:<region>:a/<id>:...)."""
    parts = (cluster.get("crn") or "").split(":")
    return parts[6][2:] if len(parts) > 6 and parts[6].startswith("a/") else ""


# -- the target of cluster_kms ----------------------------------------------------------------------
def kms_account(session: Session, kms_session: Optional[Session], kms_account_id: Optional[str]) -> str:
    """The account of the KMS instance: kms_account_id, else the account of the KMS account's own credentials
    (kms_api_key / kms_iam_token), else the caller's; credentials of another account than kms_account_id are refused."""
    if kms_session is None:
        return kms_account_id or session.account_id
    own = kms_session.account_id
    if kms_account_id and kms_account_id != own:
        raise InputError(
            f"kms_api_key (or kms_iam_token) belongs to account {own}, not to kms_account_id "
            f"{kms_account_id}; give the credentials of the account that owns the KMS instance."
        )
    return own


def resolve_instance(resources: Any, ref: str, kms_account_id: str, caller_account_id: str) -> dict:
    """The KMS instance by guid, name or CRN; an instance of another account, which the caller's Resource
    Controller cannot list, is taken from its guid or CRN as given."""
    try:
        return resources.resolve_instance(ref)
    except InputError:
        if kms_account_id == caller_account_id:
            raise
    guid = ref.split(":")[7] if ref.startswith("crn:") and len(ref.split(":")) > 7 else ref
    if not UUID_RE.match(guid):
        raise InputError(
            f"KMS instance {ref!r} of account {kms_account_id} is not visible to this account; give its guid or CRN."
        )
    return {
        "guid": guid,
        "crn": ref if ref.startswith("crn:") else None,
        "name": None,
        "account_id": kms_account_id,
        "state": "active",
    }


def instances_to_search(resources: Any, refs: Optional[list], kms_account_id: str, caller_account_id: str) -> list:
    """The KMS instances REFS name (guid, name or CRN; see resolve_instance), or without REFS every active one that
    RESOURCES lists: where cluster_kms_info and contract_probe look for registrations."""
    if refs:
        return [resolve_instance(resources, ref, kms_account_id, caller_account_id) for ref in refs]
    return [i for i in resources.list_instances() if i.get("state") == "active"]


@dataclass
class Target:
    """What cluster_kms was asked for, and what it found about it before changing anything."""

    cluster: dict
    instance: dict
    key_ref: str
    kms_account_id: str
    private_endpoint: bool
    kms: Optional[KmsClient] = None
    key: Optional[dict] = None
    current: Optional[dict] = None
    previous_key_ids: list = field(default_factory=list)
    recorded_key_id: Optional[str] = None  # the key this collection last put the cluster on (its cluster tag)
    failures: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    @property
    def key_id(self) -> str:
        return (self.key or {}).get("id") or self.key_ref

    @property
    def cross_account(self) -> bool:
        return self.kms_account_id != cluster_account(self.cluster)

    @property
    def current_key_id(self) -> Optional[str]:
        """The key the cluster uses: its registration's, else the one this collection recorded on the cluster."""
        return (self.current or {}).get("keyId") or self.recorded_key_id

    def needs_change(self) -> bool:
        return not (kms_enabled(self.cluster) and self.current_key_id == self.key_id)

    def request(self) -> dict:
        return {
            "cluster": self.cluster["id"],
            "instance_id": self.instance["guid"],
            "crk_id": self.key_id,
            "private_endpoint": self.private_endpoint,
            "account_id": self.kms_account_id if self.cross_account else None,
        }


def read_key_side(
    target: Target, session: Session, *, kms_credentials: bool = False, reads: Optional[ReadOnce] = None
) -> None:
    """The root key and the cluster's registrations in the target instance (the instance's registrations read once
    for the clusters of one run when READS is given).

    With the caller's session, a cross-account instance that refuses the reads (HTTP 401/403) leaves the key checks
    to the Kubernetes Service, with a warning. With the KMS account's own session (``kms_credentials``), the reads
    must work: every error is raised.
    """
    try:
        target.kms = KmsClient(session, target.instance)
        target.key = target.kms.find_root_key(target.key_ref)
        kms = target.kms
        registrations = reads.get(("registrations", target.instance["guid"]), kms.registrations) if reads else None
        target.current, target.previous_key_ids = split_registrations(
            kms.registrations() if registrations is None else registrations, target.cluster
        )
    except IBMCloudError as error:
        if kms_credentials or not target.cross_account or error.status not in (401, 403):
            raise
        target.kms = None
        target.warnings.append(
            f"Could not read root key {target.key_ref} in the other account's KMS instance "
            f"(HTTP {error.status}); its checks are left to the Kubernetes Service. Give the "
            "KMS account's credentials (kms_api_key) to check it before the request."
        )


def cluster_tags(session: Session, cluster: dict, warnings: list) -> Optional[list]:
    """The cluster's tags, where this collection records the keys it used; None, with a warning, when they cannot be
    read."""
    try:
        return TaggingClient(session).tags_of(cluster["crn"])
    except IBMCloudError as error:
        warnings.append(
            f"Could not read the tags of cluster {cluster['name']} (HTTP {error.status}), "
            "where this collection records the root keys a cluster used before."
        )
        return None


def keys_used_before(older: list, tags: list) -> list:
    """The root keys a cluster used before: those of its older registrations, then those this collection recorded on
    it (previous-root-key tags), each once."""
    return older + [k for k in previous_key_ids(tags) if k not in older]


def read_previous_keys(target: Target, session: Session) -> None:
    """Add the root keys that earlier runs moved the cluster away from (previous-root-key tags), and note the key this
    collection last put it on (root-key tag)."""
    tags = cluster_tags(session, target.cluster, target.warnings)
    if tags is None:
        return
    target.previous_key_ids = keys_used_before(target.previous_key_ids, tags)
    recorded = recorded_key_ids(tags)
    target.recorded_key_id = recorded[0] if len(recorded) == 1 else None


def record_previous_key(target: Target, session: Session) -> Optional[str]:
    """After a change, tag the cluster with the key it uses now and, after a switch, the key it left; a warning when
    that fails (the change stands)."""
    old = target.current_key_id
    switched = bool(old) and old != target.key_id
    tags = [root_key_tag(target.key_id)] + ([previous_key_tag(cast(str, old))] if switched else [])
    try:
        TaggingClient(session).attach(target.cluster["crn"], tags)
    except IBMCloudError as error:
        if not switched:
            return (
                f"Cluster {target.cluster['name']} now uses root key {target.key_id}, but recording it on the cluster "
                f"failed ({error.describe()})."
            )
        return (
            f"Cluster {target.cluster['name']} now uses root key {target.key_id}, but recording that it used "
            f"{old} before failed ({error.describe()}); keep {old} and never switch the cluster back to it."
        )
    return None


def check_target(target: Target, session: Session, min_days: int, now: float) -> None:
    """Collect in TARGET what only a change needs checked: the instance, the key's state and expiry, the keys the
    cluster used before. The checks prerequisites_info also makes are added by _prerequisites.check_change."""
    cluster = target.cluster
    if kms_enabled(cluster) and target.current is None and target.kms is not None:
        uses = (
            f"this collection recorded on it that it uses root key {target.recorded_key_id}"
            if target.recorded_key_id
            else "the root key it uses is unknown (another instance or account)"
        )
        target.warnings.append(
            f"KMS is enabled on cluster {cluster['name']}, but no registration of it was found in "
            f"KMS instance {target.instance['guid']}; {uses}. The module switches it to the requested root key."
        )
    if target.cross_account and cluster.get("provider") == "satellite":
        target.failures.append(
            f"Cluster {cluster['name']} is a Satellite cluster; cross-account KMS "
            "(kms_account_id) is supported for classic and VPC clusters only."
        )
    if target.instance.get("account_id", target.kms_account_id) != target.kms_account_id:
        target.failures.append(
            f"KMS instance {target.instance['guid']} belongs to account "
            f"{target.instance['account_id']}, not to kms_account_id {target.kms_account_id}."
        )
    if target.instance.get("state", "active") != "active":
        target.failures.append(f"KMS instance {target.instance['guid']} is {target.instance.get('state')}, not active.")
    if target.kms is not None:
        target.failures.extend(key_problems(target.key, target.key_ref, min_days, now))
    if target.key_id in target.previous_key_ids:
        target.failures.append(f"Cluster {cluster['name']} used root key {target.key_id} before. {PREVIOUS_KEY_HINT}")


def crn_service_name(instance: dict, default: str = "kms") -> str:
    """The IAM service name (CRN service segment) of a KMS instance: kms or hs-crypto (DEFAULT without a CRN)."""
    parts = (instance.get("crn") or "").split(":")
    return parts[4] if len(parts) > 4 and parts[4] else default


def refuse(target: Target) -> None:
    if target.failures:
        raise InputError(
            f"KMS cannot be enabled on cluster {target.cluster['name']} with root key "
            f"{target.key_ref}: " + " ".join(target.failures)
        )


# -- enabling and waiting --------------------------------------------------------------------------
def master_busy(cluster: dict) -> bool:
    """Whether the master is still applying a change (deploying or updating)."""
    return lifecycle(cluster)["masterState"] in BUSY_MASTER_STATES


def settle(containers: ContainersClient, cluster: dict, *, wait: bool, timeout: float) -> dict:
    """The cluster once its master is not deploying or updating (an earlier change still applying), so that a rerun
    after an interrupted change decides on what that change did instead of sending another one. Without WAIT, the
    cluster as it is."""
    if not wait or not master_busy(cluster):
        return cluster
    settled, _waited = wait_until(
        lambda: containers.get_cluster(cluster["id"]) or cluster,
        lambda c: not master_busy(c),
        timeout=timeout,
        what=f"the update in progress on the master of cluster {cluster['name']}",
        describe=lambda c: lifecycle(c)["masterStatus"] or "unknown",
    )
    return settled


def master_moved(before: dict, after: dict) -> bool:
    old, new = lifecycle(before), lifecycle(after)
    return (old["masterState"], old["masterStatusModifiedDate"]) != (
        new["masterState"],
        new["masterStatusModifiedDate"],
    )


def master_ready(cluster: dict) -> bool:
    life = lifecycle(cluster)
    return kms_enabled(cluster) and life["masterStatus"] == "Ready" and life["masterState"] == "deployed"


def wait_for_master(
    containers: ContainersClient,
    before: dict,
    registered: Callable[[], bool],
    *,
    timeout: float,
    sleep: Optional[Callable[[float], None]] = None,
) -> tuple:
    """Poll the cluster until its master applied the KMS change; raise when the master update failed.

    A state the master already had before the request is neither success nor failure: the update has not
    started yet. Success needs a master that moved, KMS turning on, or the new key's registration.
    """
    seen = {"moved": False}

    def done(cluster: Optional[dict]) -> bool:
        if cluster is None:
            raise IBMCloudError(f"Cluster {before['name']} disappeared while KMS was being enabled.")
        seen["moved"] = seen["moved"] or master_moved(before, cluster)
        life = lifecycle(cluster)
        if seen["moved"] and life["masterState"] in FAILED_MASTER_STATES:
            raise IBMCloudError(
                f"The master of cluster {before['name']} failed to apply KMS: {life['masterStatus']}",
                hint=OWNER_HINT,
                details={"master_state": life["masterState"], "master_health": life["masterHealth"]},
            )
        return master_ready(cluster) and (seen["moved"] or not kms_enabled(before) or registered())

    options: dict = {"sleep": sleep} if sleep else {}
    return wait_until(
        lambda: containers.get_cluster(before["id"]),
        done,
        timeout=timeout,
        what=f"the master of cluster {before['name']} to apply KMS",
        describe=lambda c: lifecycle(c or {})["masterStatus"] or "gone",
        **options,
    )


def send_enable(containers: ContainersClient, target: Target) -> None:
    """POST enableKMS; a refusal of a previous root key gets a hint that says what to do."""
    before = target.cluster
    try:
        containers.enable_kms(
            target.request(), applied=lambda: master_moved(before, containers.get_cluster(before["id"]) or before)
        )
    except IBMCloudError as error:
        error.hint = refusal_hint(error, target) or error.hint
        raise


def refusal_hint(error: IBMCloudError, target: Target) -> Optional[str]:
    """What to do about IKS's 400 to enableKMS: a switch to another key may be refused because the cluster used it
    before, whatever words IKS uses for it."""
    if error.status != 400:
        return None
    if any(word in error.message.lower() for word in PREVIOUS_KEY_WORDS):
        return PREVIOUS_KEY_HINT
    switching = kms_enabled(target.cluster) and target.current_key_id != target.key_id
    return SWITCH_REFUSED_HINT if switching else None


def ensure_enabled(
    containers: ContainersClient, target: Target, *, check_mode: bool, wait: bool, wait_timeout: int
) -> tuple:
    """(changed, cluster after, seconds waited or None); refuses before any request when a check failed."""
    if not target.needs_change():
        return False, target.cluster, None
    refuse(target)
    if check_mode:
        return True, with_kms_enabled(target.cluster), None
    send_enable(containers, target)
    if not wait:
        return True, containers.get_cluster(target.cluster["id"]) or target.cluster, None
    try:
        after, waited = wait_for_master(containers, target.cluster, is_registered(target), timeout=wait_timeout)
    except IBMCloudError as error:
        error.changed = True  # the Kubernetes Service accepted the change
        if isinstance(error, WaitTimeoutError):
            error.hint = (
                "The Kubernetes Service accepted the change; the master is still applying it (about 20 minutes on IBM "
                "Cloud). Run the task again: it waits for that update instead of sending the change again."
            )
        raise
    return True, after, waited


def with_kms_enabled(cluster: dict) -> dict:
    """A copy of the cluster as it is once KMS is enabled, for a check-mode prediction."""
    predicted = copy.deepcopy(cluster)
    predicted.setdefault("features", {})["keyProtectEnabled"] = True
    return predicted


def view_after(target: Target, after: dict, *, predicted: bool, now: float) -> dict:
    """describe() of the cluster after enabling KMS or switching it to the target's key (predicted in check mode)."""
    return describe(
        after,
        instance=target.instance,
        key=target.key,
        registration=registration_after(target, predicted=predicted),
        private_endpoint=target.private_endpoint,
        now=now,
    )


def registration_after(target: Target, *, predicted: bool) -> dict:
    """The cluster's registration on the target key after a change, for describe().

    In check mode, the prediction: the Kubernetes Service registers the key's current version. After a real change,
    read back when the caller can read the key side (without a wait it may not be written yet).
    """
    if predicted:
        return {"keyId": target.key_id, "keyVersion": (target.key or {}).get("keyVersion")}
    if target.kms is None:
        return {"keyId": target.key_id}
    current, _previous = split_registrations(target.kms.registrations(), target.cluster)
    return current if current and current.get("keyId") == target.key_id else {"keyId": target.key_id}


def is_registered(target: Target) -> Callable[[], bool]:
    def registered() -> bool:
        if target.kms is None:
            return False
        return any(
            r.get("keyId") == target.key_id and registers_cluster(r, target.cluster["id"])
            for r in target.kms.registrations(target.key_id)
        )

    return registered
