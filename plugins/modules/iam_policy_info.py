#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: iam_policy_info
short_description: List service-to-service authorization policies
version_added: 0.1.0
description:
  - Returns the active IAM service-to-service authorization policies of an account, optionally only those with a
    given source service, source account, target service or target instance.
  - By default a filter matches the policy's own attributes, so O(target_instance) returns the policies made for
    that instance. With O(include_broader=true) the filters instead select every policy that grants access to the
    described source and target, including policies on the whole service or with wildcards.
  - Only reads; never changes anything.
author:
  - ibmcloud.kms maintainers (@ibmcloud-kms)
options:
  source_service:
    description:
      - Return only policies whose source is this service, for example V(containers-kubernetes) or
        V(server-protect).
    type: str
  source_account_id:
    description:
      - Return only policies whose source is in this account.
    type: str
  target_service:
    description:
      - Return only policies whose target is this service, for example V(kms) or V(hs-crypto).
    type: str
  target_instance:
    description:
      - Return only policies whose target is this instance, by guid or CRN.
    type: str
  target_account_id:
    description:
      - The account whose policies are listed, the account that owns the target.
      - Defaults to the account of the caller (the account of O(api_key) or O(iam_token)).
    type: str
  include_broader:
    description:
      - Also return policies that grant access to the described source and target through a wider scope, such as
        a policy on the whole O(target_service) when O(target_instance) is set.
    type: bool
    default: false
extends_documentation_fragment:
  - ibmcloud.kms.auth
  - ibmcloud.kms.attributes.INFO_MODULE
notes:
  - Reading policies needs the V(Viewer) role on IAM Access Management in O(target_account_id).
seealso:
  - module: ibmcloud.kms.iam_policy
  - name: IAM Policy Management API
    description: The API this module calls.
    link: https://cloud.ibm.com/apidocs/iam-policy-management
"""

EXAMPLES = r"""
- name: List every authorization the Kubernetes Service holds on Key Protect
  ibmcloud.kms.iam_policy_info:
    source_service: containers-kubernetes
    target_service: kms
  register: found

- name: Is the Kubernetes Service allowed to use this instance, by any policy?
  ibmcloud.kms.iam_policy_info:
    source_service: containers-kubernetes
    target_service: kms
    target_instance: "{{ kms.instance.guid }}"
    include_broader: true
  register: granting

- name: Fail early when no policy grants the access
  ansible.builtin.assert:
    that: granting.policies | length > 0
    fail_msg: Create the authorization with ibmcloud.kms.iam_policy first.
"""

RETURN = r"""
policies:
  description: The matching policies, oldest first; empty when none matches.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The policy id.
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
"""

from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import IBMCloudError
from ansible_collections.ibmcloud.kms.plugins.module_utils._iam import (
    NEEDS,
    IamPolicyClient,
    condition_holds,
    describe_policy,
    instance_guid,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._module import IBMCloudModule

FILTERS = ("source_service", "source_account_id", "target_service", "target_instance")
ATTRIBUTE_FILTERS = {
    ("subjects", "serviceName"): "source_service",
    ("subjects", "accountId"): "source_account_id",
    ("resources", "serviceName"): "target_service",
    ("resources", "serviceInstance"): "target_instance",
}


CHECKS = {
    "source_account_id": "account_id",
    "target_account_id": "account_id",
    "target_instance": "guid_or_crn",
}


def argument_spec() -> dict:
    return dict(
        source_service=dict(type="str"),
        source_account_id=dict(type="str"),
        target_service=dict(type="str"),
        target_instance=dict(type="str"),
        target_account_id=dict(type="str"),
        include_broader=dict(type="bool", default=False),
    )


def wanted_filters(params: dict) -> dict:
    wanted = {name: params[name] for name in FILTERS if params[name]}
    if "target_instance" in wanted:
        wanted["target_instance"] = instance_guid(wanted["target_instance"], params["target_service"] or "")
    return wanted


def grants_to(raw: dict, wanted: dict) -> bool:
    """Every condition of the policy on a filtered attribute holds for the filter's value (broader or equal)."""
    for field in ("subjects", "resources"):
        parts = raw.get(field) or [{}]
        for attribute in parts[0].get("attributes") or []:
            key = ATTRIBUTE_FILTERS.get((field, attribute.get("name")))
            if key in wanted and not condition_holds({**attribute, "name": key}, wanted):
                return False
    return True


def selected(raw: dict, wanted: dict, *, include_broader: bool) -> bool:
    if include_broader:
        return grants_to(raw, wanted)
    view = describe_policy(raw)
    return all(view.get(name) == value for name, value in wanted.items())


def main() -> None:
    module = IBMCloudModule(argument_spec(), supports_check_mode=True, needs=NEEDS, checks=CHECKS)
    params = module.params
    try:
        wanted = wanted_filters(params)
        client = IamPolicyClient(module.session)
        policies = client.list_authorizations(params["target_account_id"] or module.session.account_id)
    except IBMCloudError as error:
        module.fail_from_error(error)
    found = [p for p in policies if selected(p, wanted, include_broader=params["include_broader"])]
    found.sort(key=lambda p: (p.get("created_at") or "", p.get("id") or ""))
    module.exit_json(changed=False, policies=[describe_policy(p) for p in found])


if __name__ == "__main__":
    main()
