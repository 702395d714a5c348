# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""IAM Policy Management: service-to-service authorization policies.

A request is a *grant*: a subject (source service and account), a resource (target service, account and
optionally one instance) and a set of role CRNs. An existing policy *covers* a grant when every condition of
its subject and resource holds for the grant and it holds every requested role; it *matches* a grant when
its conditions and roles are exactly the grant's.
"""

from __future__ import annotations

import re
import traceback
from functools import partial
from typing import Any, Callable, Iterable, Optional

from ansible_collections.ibmcloud.kms.plugins.module_utils._client import Session
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import (
    ConflictError,
    IBMCloudError,
    InputError,
    NotFoundError,
)

IAM_POLICY_IMPORT_ERROR: Optional[str]
try:
    from ibm_platform_services import IamAccessGroupsV2, IamPolicyManagementV1
except ImportError:
    HAS_IAM_POLICY = False
    IAM_POLICY_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_IAM_POLICY = True
    IAM_POLICY_IMPORT_ERROR = None

NEEDS = {"ibm-platform-services": (HAS_IAM_POLICY, IAM_POLICY_IMPORT_ERROR)}
ROLE_PREFIX = "crn:v1:bluemix:public:iam::::"
# Platform roles are "role:"; every other role an authorization grants is a "serviceRole:".
PLATFORM_ROLES = ("AuthorizationDelegator", "Administrator", "Editor", "Operator", "Viewer")
POLICY_FIELDS = (
    "id",
    "type",
    "description",
    "subjects",
    "roles",
    "resources",
    "href",
    "state",
    "created_at",
    "created_by_id",
    "last_modified_at",
    "last_modified_by_id",
)
ADMIN_HINT = (
    "Creating or deleting an authorization policy needs the Administrator role on the target service "
    "({service}) in account {account}."
)
VIEWER_HINT = "Reading authorization policies needs the Viewer role on IAM Access Management in account {account}."
GROUPS_HINT = "Listing access groups needs the Viewer role on IAM Access Groups (iam-groups) in account {account}."
GROUPS_PAGE = 100


# -- roles and grants -----------------------------------------------------------------------------
def role_crn(role: str) -> str:
    """The CRN of a role given by name (Reader, AuthorizationDelegator) or already as a CRN."""
    if role.startswith("crn:"):
        return role
    kind = "role" if role in PLATFORM_ROLES else "serviceRole"
    return f"{ROLE_PREFIX}{kind}:{role}"


def role_name(crn: str) -> str:
    return crn.rsplit(":", 1)[-1]


def instance_guid(target_instance: Optional[str], target_service: str) -> Optional[str]:
    """The instance guid of O(target_instance), given as a guid or as an instance CRN of the target service."""
    if not target_instance or not target_instance.startswith("crn:"):
        return target_instance or None
    parts = target_instance.split(":")
    if len(parts) < 8 or not parts[7]:
        raise InputError(f"target_instance {target_instance!r} is not an instance CRN.")
    if target_service and parts[4] != target_service:
        raise InputError(f"target_instance is a {parts[4]} instance, but target_service is {target_service}.")
    return parts[7]


def make_grant(
    *,
    source_service: str,
    source_account_id: str,
    target_service: str,
    target_account_id: str,
    target_instance: Optional[str] = None,
    roles: Iterable[str] = ("Reader",),
) -> dict:
    """What an authorization policy must grant: subject and resource attributes and role CRNs."""
    role_crns = sorted({role_crn(r) for r in roles})
    if not role_crns:
        raise InputError("roles must name at least one role.")
    resource = {"serviceName": target_service, "accountId": target_account_id}
    guid = instance_guid(target_instance, target_service)
    if guid:
        resource["serviceInstance"] = guid
    return {
        "subject": {"serviceName": source_service, "accountId": source_account_id},
        "resource": resource,
        "roles": role_crns,
    }


def grant_body(grant: dict) -> dict:
    """create_policy()'s subjects, roles and resources for a grant."""
    return {
        "subjects": [{"attributes": [{"name": k, "value": v} for k, v in grant["subject"].items()]}],
        "roles": [{"role_id": crn} for crn in grant["roles"]],
        "resources": [
            {"attributes": [{"name": k, "value": v, "operator": "stringEquals"} for k, v in grant["resource"].items()]}
        ],
    }


# -- coverage -------------------------------------------------------------------------------------
def _glob(pattern: str) -> "re.Pattern[str]":
    """IAM's stringMatch: * is any run of characters, ? is one character, nothing else is special."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.S)


def condition_holds(attribute: dict, wanted: dict) -> bool:
    value = wanted.get(attribute.get("name"))
    if value is None:
        return False
    if attribute.get("operator") == "stringMatch":
        return _glob(attribute.get("value", "")).fullmatch(value) is not None
    return value == attribute.get("value")


# A role grants what every weaker role of its ladder grants.
ROLE_LADDERS = (("Viewer", "Operator", "Editor", "Administrator"), ("Reader", "Writer", "Manager"))


def roles_covering(role: str) -> set:
    """The role and every stronger role of its ladder (Manager covers Writer covers Reader)."""
    for ladder in ROLE_LADDERS:
        if role in ladder:
            return set(ladder[ladder.index(role) :])
    return {role}


def grants_role(policies: list, target: dict, roles: Iterable[str]) -> bool:
    """Whether an active access policy grants one of ``roles``, or a stronger one, on the target."""
    wanted = set().union(*(roles_covering(role) for role in roles))
    for policy in policies:
        if policy.get("state", "active") != "active":
            continue
        if not wanted & {role_name(str(r.get("role_id", ""))) for r in policy.get("roles") or []}:
            continue
        if any(
            all(condition_holds(a, target) for a in resource.get("attributes") or [])
            for resource in policy.get("resources") or []
        ):
            return True
    return False


def instance_target(raw: dict, service: str, account_id: str = "") -> dict:
    """The IAM resource attributes of a KMS instance (its Resource Controller record), as a policy matches them."""
    return {
        "accountId": raw.get("account_id") or account_id,
        "serviceType": "service",
        "serviceName": service,
        "serviceInstance": raw.get("guid"),
        "resourceGroupId": raw.get("resource_group_id"),
        "region": raw.get("region_id"),
    }


def _only(policy: dict, field: str) -> Optional[dict]:
    parts = policy.get(field) or []
    return parts[0] if len(parts) == 1 and isinstance(parts[0], dict) else None


def _role_ids(policy: dict) -> set:
    return {r.get("role_id") for r in policy.get("roles") or []}


def _usable(policy: dict) -> bool:
    """An active authorization policy with one subject and one resource and no tag condition."""
    resource = _only(policy, "resources")
    return (
        policy.get("type") == "authorization"
        and policy.get("state", "active") == "active"
        and _only(policy, "subjects") is not None
        and resource is not None
        and not resource.get("tags")
    )


def policy_covers(policy: dict, grant: dict) -> bool:
    """The policy grants the same as ``grant`` or more (a wider scope, a pattern, more roles)."""
    if not _usable(policy) or not set(grant["roles"]) <= _role_ids(policy):
        return False
    subject, resource = _only(policy, "subjects"), _only(policy, "resources")
    if subject is None or resource is None:  # never: _usable() requires both
        return False
    return all(condition_holds(a, grant["subject"]) for a in subject.get("attributes") or []) and all(
        condition_holds(a, grant["resource"]) for a in resource.get("attributes") or []
    )


def _plain(part: dict) -> Optional[dict]:
    attributes = part.get("attributes") or []
    if any(a.get("operator", "stringEquals") != "stringEquals" for a in attributes):
        return None
    return {a.get("name"): a.get("value") for a in attributes}


def policy_matches(policy: dict, grant: dict) -> bool:
    """The policy grants exactly ``grant``: the same conditions and the same roles."""
    if not _usable(policy) or _role_ids(policy) != set(grant["roles"]):
        return False
    subject, resource = _only(policy, "subjects"), _only(policy, "resources")
    if subject is None or resource is None:  # never: _usable() requires both
        return False
    return _plain(subject) == grant["subject"] and _plain(resource) == grant["resource"]


# -- the returned view ----------------------------------------------------------------------------
def _attribute(part: Optional[dict], name: str) -> Optional[str]:
    for attribute in (part or {}).get("attributes") or []:
        if attribute.get("name") == name:
            return attribute.get("value")
    return None


def describe_policy(raw: dict) -> dict:
    """The policy as IAM returns it, plus its source and target named like the modules' options."""
    view = {name: raw.get(name) for name in POLICY_FIELDS}
    subject, resource = _only(raw, "subjects"), _only(raw, "resources")
    view.update(
        source_service=_attribute(subject, "serviceName"),
        source_account_id=_attribute(subject, "accountId"),
        target_service=_attribute(resource, "serviceName"),
        target_instance=_attribute(resource, "serviceInstance"),
        target_account_id=_attribute(resource, "accountId"),
    )
    return view


def predicted_policy(grant: dict, description: Optional[str] = None) -> dict:
    """What a create would return, for check mode (no id yet)."""
    body = grant_body(grant)
    body["roles"] = [{"role_id": crn, "display_name": role_name(crn)} for crn in grant["roles"]]
    return describe_policy({"type": "authorization", "description": description, "state": "active", **body})


# -- conflicts ------------------------------------------------------------------------------------
def conflicting_policy(error: IBMCloudError) -> tuple:
    """(id, policy object or None) named by a 409's ``details.conflicts_with``; IAM sends an object or an id."""
    policy = (error.details.get("conflicts_with") or {}).get("policy")
    if isinstance(policy, dict):
        return policy.get("id"), (policy if policy.get("resources") and policy.get("subjects") else None)
    return (policy if isinstance(policy, str) and policy else None), None


def _next_start(page: dict) -> Optional[str]:
    following = page.get("next") or {}
    if following.get("start"):
        return following["start"]
    match = re.search(r"[?&]start=([^&]+)", following.get("href") or "")
    return match.group(1) if match else None


class IamPolicyClient:
    """Authorization policies through IBM's IamPolicyManagementV1 client."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def pap(self) -> Any:
        return self.session.service(IamPolicyManagementV1, self.session.url("iam_policy"))

    @property
    def groups(self) -> Any:
        # IAM Access Groups is served on IAM's host (IamAccessGroupsV2.DEFAULT_SERVICE_URL).
        return self.session.service(IamAccessGroupsV2, self.session.url("iam"))

    def list_authorizations(self, account_id: str) -> list:
        """Every active authorization policy of an account (all pages)."""
        return self._all_pages(
            lambda start: self.pap.list_policies(
                account_id, type="authorization", state="active", limit=100, start=start
            ),
            "list authorization policies",
            VIEWER_HINT.format(account=account_id),
        )

    def list_access_policies(self, account_id: str, iam_id: str) -> list:
        """The access policies of one identity (all pages); its access groups' policies are not included."""
        return self._all_pages(
            lambda start: self.pap.list_policies(account_id, iam_id=iam_id, type="access", limit=100, start=start),
            "list access policies",
            VIEWER_HINT.format(account=account_id),
        )

    def access_groups_of(self, account_id: str, iam_id: str) -> list:
        """The ids of the access groups IAM_ID is a member of in the account (all pages)."""
        found: list = []
        while True:
            page = (
                self._call(
                    partial(
                        self.groups.list_access_groups, account_id, iam_id=iam_id, limit=GROUPS_PAGE, offset=len(found)
                    ),
                    "GET",
                    "list access groups",
                    GROUPS_HINT.format(account=account_id),
                )
                or {}
            )
            listed = page.get("groups") or []
            found.extend(group["id"] for group in listed if group.get("id"))
            if not listed or len(found) >= (page.get("total_count") or 0):
                return found

    def effective_access_policies(self, account_id: str, iam_id: str) -> list:
        """The access policies of IAM_ID and of every access group it is a member of (IAM grants a user what its
        groups hold). Dynamic (federated) group membership is not read."""
        policies = self.list_access_policies(account_id, iam_id)
        for group_id in self.access_groups_of(account_id, iam_id):
            policies.extend(
                self._all_pages(
                    partial(self._group_policies_page, account_id, group_id),
                    "list access group policies",
                    VIEWER_HINT.format(account=account_id),
                )
            )
        return policies

    def _group_policies_page(self, account_id: str, group_id: str, start: Optional[str]) -> Any:
        return self.pap.list_policies(account_id, access_group_id=group_id, type="access", limit=100, start=start)

    def _all_pages(self, list_page: Callable[[Optional[str]], Any], what: str, hint: str) -> list:
        found: list = []
        start: Optional[str] = None
        while True:
            page = self._call(partial(list_page, start), "GET", what, hint) or {}
            found.extend(page.get("policies") or [])
            start = _next_start(page)
            if not start:
                return found

    def get_policy(self, policy_id: str) -> Optional[dict]:
        try:
            return self._call(
                lambda: self.pap.get_policy(policy_id),
                "GET",
                "get policy",
                VIEWER_HINT.format(account="the policy's account"),
            )
        except NotFoundError:
            return None

    def lookup(self, grant: dict) -> tuple:
        """(policies matching the grant exactly, policies covering it without matching)."""
        policies = self.list_authorizations(grant["resource"]["accountId"])
        exact = [p for p in policies if policy_matches(p, grant)]
        broader = [p for p in policies if not policy_matches(p, grant) and policy_covers(p, grant)]
        return exact, broader

    def create_authorization(self, grant: dict, description: Optional[str] = None) -> tuple:
        """(created, policy). A 409 adopts the policy IAM says already grants this; never a duplicate."""
        body = grant_body(grant)
        attempts: list = []

        def create() -> Any:
            attempts.append(1)
            return self.pap.create_policy(
                "authorization", body["subjects"], body["roles"], body["resources"], description=description
            )

        try:
            return True, self._create(create, grant)
        except ConflictError as error:
            if error.code not in (None, "policy_conflict_error"):
                raise
            # A 409 after an ambiguous first attempt most likely answers our own earlier create.
            return len(attempts) > 1, self._adopt(error, grant)

    def _create(self, create: Callable[[], Any], grant: dict) -> Any:
        def find() -> Optional[dict]:
            try:
                exact, broader = self.lookup(grant)
            except IBMCloudError:
                return None  # cannot look: creating again is safe, IAM answers a duplicate with 409
            return (exact or broader or [None])[0]

        hint = ADMIN_HINT.format(service=grant["resource"]["serviceName"], account=grant["resource"]["accountId"])
        return self.session.create(create, find, what="create authorization policy", hint=hint)

    def _adopt(self, error: ConflictError, grant: dict) -> dict:
        policy_id, policy = conflicting_policy(error)
        if policy is None and policy_id:
            policy = self.get_policy(policy_id)
        if policy is None:
            exact, broader = self.lookup(grant)
            policy = (exact or broader or [None])[0]
        if policy is None:
            raise error
        return policy

    def delete_policy(self, policy: dict) -> None:
        """Delete one policy; one that is already gone counts as deleted."""
        resource = _only(policy, "resources")
        hint = ADMIN_HINT.format(service=_attribute(resource, "serviceName"), account=_attribute(resource, "accountId"))
        try:
            self._call(lambda: self.pap.delete_policy(policy["id"]), "DELETE", "delete authorization policy", hint)
        except NotFoundError:
            return

    def _call(self, fn: Callable[[], Any], method: str, what: str, hint: str) -> Any:
        return self.session.call(fn, method=method, what=what, hint=hint)


def find_covering_authorization(
    client: IamPolicyClient,
    *,
    source_service: str = "containers-kubernetes",
    target_service: str,
    target_instance: Optional[str] = None,
    source_account_id: Optional[str] = None,
    target_account_id: Optional[str] = None,
    roles: Iterable[str] = ("Reader",),
) -> Optional[dict]:
    """The authorization policy granting ``roles`` from the source service to the target, or None.

    Account ids default to the caller's account. A policy that matches exactly is preferred to a broader one;
    the result is a describe_policy() view, with ``covered_by`` when the policy is broader than asked.
    """
    caller = "" if source_account_id and target_account_id else client.session.account_id  # unused when both given
    grant = make_grant(
        source_service=source_service,
        source_account_id=source_account_id or caller,
        target_service=target_service,
        target_account_id=target_account_id or caller,
        target_instance=target_instance,
        roles=roles,
    )
    exact, broader = client.lookup(grant)
    if exact:
        return describe_policy(exact[0])
    if broader:
        return dict(describe_policy(broader[0]), covered_by=broader[0].get("id"))
    return None
