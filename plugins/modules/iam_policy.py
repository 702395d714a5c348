#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: iam_policy
short_description: Authorize a service to use a Key Protect or Hyper Protect Crypto Services instance
version_added: 0.1.0
description:
  - Makes sure an IAM service-to-service authorization policy lets a source service use a KMS service, or
    removes one.
  - The Kubernetes Service (V(containers-kubernetes)) needs the V(Reader) role on the KMS instance that holds a
    cluster's root key before KMS encryption of Kubernetes secrets can be enabled.
  - For encryption of VPC worker-node disks, Cloud Block Storage needs its own authorization. Set
    O(source_service=server-protect) with the same O(target_service) and O(target_instance), and
    O(roles=[Reader, AuthorizationDelegator]) when the KMS instance is in another account.
  - The module is idempotent by what a policy grants, not by its id. An existing policy that grants the same or
    more (the whole KMS service instead of one instance, a wildcard, more roles) satisfies O(state=present) and
    is returned with RV(policy.covered_by). IAM's own duplicate check (HTTP 409) is honoured the same way, so the
    module never creates a duplicate.
  - O(state=absent) removes only policies that grant exactly the described source, target and roles. A broader
    policy that also covers them is left alone, with a warning naming it.
  - The policy lives in the account that owns the KMS instance (O(target_account_id)), so for a KMS instance in
    another account, run the module with an API key of that account.
author:
  - ibmcloud.kms maintainers (@ibmcloud-kms)
options:
  source_service:
    description:
      - The service that is authorized.
      - V(containers-kubernetes) is IBM Cloud Kubernetes Service and Red Hat OpenShift on IBM Cloud;
        V(server-protect) is Cloud Block Storage, which encrypts VPC worker-node disks.
    type: str
    choices: [containers-kubernetes, server-protect]
    default: containers-kubernetes
  target_service:
    description:
      - The KMS service the source service may use, V(kms) (Key Protect) or V(hs-crypto) (Hyper Protect Crypto
        Services).
    type: str
    choices: [kms, hs-crypto]
    required: true
  target_instance:
    description:
      - The KMS instance, by guid or by CRN. When not set, the policy covers every instance of O(target_service)
        in O(target_account_id).
    type: str
  source_account_id:
    description:
      - The account of the source service, for example the account of the cluster.
      - Defaults to the account of the caller (the account of O(api_key) or O(iam_token)).
    type: str
  target_account_id:
    description:
      - The account that owns the KMS instance, where the policy is created.
      - Defaults to the account of the caller.
    type: str
  roles:
    description:
      - The roles granted to the source service on the target, by name (V(Reader), V(AuthorizationDelegator))
        or as role CRNs.
      - V(AuthorizationDelegator) lets the source service delegate its access to its dependent services; the VPC
        worker-node disk encryption documentation asks for it next to V(Reader).
    type: list
    elements: str
    default: [Reader]
  description:
    description:
      - Description of a new policy. Not compared and not changed on an existing policy.
    type: str
  state:
    description:
      - V(present) creates the policy unless a policy that grants the same or more exists.
      - V(absent) deletes the policies that grant exactly this.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - ibmcloud.kms.predicted
  - ibmcloud.kms.auth
  - ibmcloud.kms.attributes
notes:
  - Creating or deleting an authorization policy needs the V(Administrator) role on the target service in the
    target account; reading policies needs the V(Viewer) role on IAM Access Management.
  - IAM takes some time, usually seconds and rarely minutes, before a new policy is in effect everywhere. A
    cluster KMS enablement right after the policy was created may need a retry.
  - The roles of an existing policy are not changed. When the existing policy grants fewer roles than asked, a new
    policy is created next to it.
seealso:
  - module: ibmcloud.kms.iam_policy_info
  - name: Granting access between services
    description: IBM Cloud documentation of service-to-service authorizations.
    link: https://cloud.ibm.com/docs/account?topic=account-serviceauth
  - name: Encrypting VPC worker-node disks
    description: Which authorizations the Kubernetes Service and Cloud Block Storage need.
    link: https://cloud.ibm.com/docs/containers?topic=containers-worker-storage-encryption
  - name: IAM Policy Management API
    description: The API this module calls.
    link: https://cloud.ibm.com/apidocs/iam-policy-management
"""

EXAMPLES = r"""
- name: Let the Kubernetes Service read root keys of one Key Protect instance
  ibmcloud.kms.iam_policy:
    target_service: kms
    target_instance: "{{ kms.instance.guid }}"
  register: authorization

- name: Preview the same authorization for a Hyper Protect Crypto Services instance
  ibmcloud.kms.iam_policy:
    target_service: hs-crypto
    target_instance: 1b2c3d4e-0000-4000-8000-000000000001
  check_mode: true
  diff: true

- name: Cross-account VPC worker-node disk encryption, run with an API key of the KMS account
  ibmcloud.kms.iam_policy:
    api_key: "{{ kms_account_api_key }}"
    source_service: server-protect
    source_account_id: a1b2c3d4e5f60718293a4b5c6d7e8f90
    target_service: kms
    target_instance: "{{ kms.instance.guid }}"
    roles: [Reader, AuthorizationDelegator]

- name: Remove the authorization again
  ibmcloud.kms.iam_policy:
    target_service: kms
    target_instance: "{{ kms.instance.guid }}"
    state: absent
"""

RETURN = r"""
policy:
  description:
    - The policy that grants the access after the task; in check mode, what would be created (without an id).
      Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: The policy id; null for a policy predicted in check mode.
      type: str
      sample: 8a4d1e5f-6a1b-4c2d-9e3f-0a1b2c3d4e5f
    type:
      description: Always V(authorization).
      type: str
      sample: authorization
    description:
      description: The policy description.
      type: str
      sample: IKS cluster secrets
    subjects:
      description: The source, as IAM attributes (C(serviceName), C(accountId)).
      type: list
      elements: dict
      sample: [{"attributes": [{"name": "serviceName", "value": "containers-kubernetes"},
                               {"name": "accountId", "value": "a1b2c3d4e5f60718293a4b5c6d7e8f90"}]}]
    resources:
      description: The target, as IAM attributes (C(serviceName), C(accountId), C(serviceInstance)) with operators.
      type: list
      elements: dict
      sample: [{"attributes": [{"name": "serviceName", "value": "kms", "operator": "stringEquals"},
                               {"name": "accountId", "value": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
                                "operator": "stringEquals"}]}]
    roles:
      description: The granted roles, with C(role_id) (the role CRN), C(display_name) and C(description).
      type: list
      elements: dict
      sample: [{"role_id": "crn:v1:bluemix:public:iam::::serviceRole:Reader", "display_name": "Reader"}]
    href:
      description: The API URL of the policy.
      type: str
      sample: https://iam.cloud.ibm.com/v1/policies/8a4d1e5f-6a1b-4c2d-9e3f-0a1b2c3d4e5f
    state:
      description: The policy state, V(active).
      type: str
      sample: active
    created_at:
      description: When the policy was created.
      type: str
      sample: "2026-11-27T12:00:00Z"
    created_by_id:
      description: The IAM id that created the policy.
      type: str
      sample: IBMid-100000ADMN
    last_modified_at:
      description: When the policy was last changed.
      type: str
      sample: "2026-11-27T12:00:00Z"
    last_modified_by_id:
      description: The IAM id that last changed the policy.
      type: str
      sample: IBMid-100000ADMN
    source_service:
      description: The C(serviceName) of the subject.
      type: str
      sample: containers-kubernetes
    source_account_id:
      description: The C(accountId) of the subject.
      type: str
      sample: a1b2c3d4e5f60718293a4b5c6d7e8f90
    target_service:
      description: The C(serviceName) of the resource.
      type: str
      sample: kms
    target_instance:
      description: The C(serviceInstance) of the resource; null when the policy covers the whole service.
      type: str
      sample: 12043812-757f-4e1e-8436-6af3245e6a69
    target_account_id:
      description: The C(accountId) of the resource, the account that holds the policy.
      type: str
      sample: a1b2c3d4e5f60718293a4b5c6d7e8f90
    covered_by:
      description:
        - Set when an existing policy that grants more than asked (a wider target, a wildcard, more roles)
          satisfied the request; its id, the same as RV(policy.id).
      returned: when a broader policy satisfied O(state=present)
      type: str
      sample: 8a4d1e5f-6a1b-4c2d-9e3f-0a1b2c3d4e5f
"""

from typing import Any, Optional

from ansible_collections.ibmcloud.kms.plugins.module_utils._argspec import PREDICTED_SPEC
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import IBMCloudError
from ansible_collections.ibmcloud.kms.plugins.module_utils._iam import (
    NEEDS,
    IamPolicyClient,
    describe_policy,
    make_grant,
    policy_matches,
    predicted_policy,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._module import IBMCloudModule


def checks(module: IBMCloudModule) -> dict:
    """The kinds of value the options take; in a check run that predicts the instance, target_instance is its
    name (it has no guid yet)."""
    predicted = module.params["instance_predicted"] and module.check_mode
    return {
        "source_account_id": "account_id",
        "target_account_id": "account_id",
        "target_instance": "not_empty" if predicted else "guid_or_crn",
        "roles": "not_empty",
    }


def argument_spec() -> dict:
    return dict(
        source_service=dict(
            type="str", default="containers-kubernetes", choices=["containers-kubernetes", "server-protect"]
        ),
        target_service=dict(type="str", required=True, choices=["kms", "hs-crypto"]),
        target_instance=dict(type="str"),
        source_account_id=dict(type="str"),
        target_account_id=dict(type="str"),
        roles=dict(type="list", elements="str", default=["Reader"]),
        description=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        **PREDICTED_SPEC,
    )


def grant_from(params: dict, caller_account_id: str) -> dict:
    return make_grant(
        source_service=params["source_service"],
        source_account_id=params["source_account_id"] or caller_account_id,
        target_service=params["target_service"],
        target_account_id=params["target_account_id"] or caller_account_id,
        target_instance=params["target_instance"],
        roles=params["roles"],
    )


def current_view(exact: list, broader: list) -> Optional[dict]:
    """The existing policy that satisfies the request: an exact one first, else a broader one."""
    if exact:
        return describe_policy(exact[0])
    if broader:
        return dict(describe_policy(broader[0]), covered_by=broader[0].get("id"))
    return None


def ensure_present(
    client: IamPolicyClient, current: Optional[dict], grant: dict, *, description: Optional[str], check_mode: bool
) -> tuple:
    """(changed, policy view)."""
    if current is not None:
        return False, current
    if check_mode:
        return True, predicted_policy(grant, description)
    created, policy = client.create_authorization(grant, description)
    view = describe_policy(policy)
    if not policy_matches(policy, grant):
        view["covered_by"] = view["id"]  # IAM's 409 named a broader policy
    return created, view


def ensure_absent(client: IamPolicyClient, exact: list, *, check_mode: bool) -> tuple:
    """(changed, empty policy view): deletes every policy that grants exactly the request."""
    if not exact:
        return False, {}
    if not check_mode:
        for policy in exact:
            client.delete_policy(policy)
    return True, {}


def broader_warnings(broader: list) -> list:
    return [
        f"Authorization policy {p.get('id')} grants this and more; state=absent leaves it in place. "
        "Delete it by its own source, target and roles if it is no longer needed."
        for p in broader
    ]


def main() -> None:
    module = IBMCloudModule(argument_spec(), supports_check_mode=True, needs=NEEDS, checks=checks)
    params = module.params
    try:
        client = IamPolicyClient(module.session)
        grant = grant_from(params, module.session.account_id)
        if params["instance_predicted"] and module.check_mode:
            # No policy names an instance that does not exist yet; one on every instance of the service covers it.
            service_wide = grant_from({**params, "target_instance": None}, module.session.account_id)
            exact, broader = [], [p for found in client.lookup(service_wide) for p in found]
        else:
            exact, broader = client.lookup(grant)
        before = current_view(exact, broader)
        if params["state"] == "absent":
            before = describe_policy(exact[0]) if exact else None
            changed, after = ensure_absent(client, exact, check_mode=module.check_mode)
            for warning in broader_warnings(broader):
                module.warn(warning)
        else:
            changed, after = ensure_present(
                client, before, grant, description=params["description"], check_mode=module.check_mode
            )
    except IBMCloudError as error:
        module.fail_from_error(error)
    result: dict[str, Any] = {"changed": changed, "policy": after}
    if module._diff:
        result["diff"] = {"before": before or {}, "after": after}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
