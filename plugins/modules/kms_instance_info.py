#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: kms_instance_info
short_description: Read Key Protect and Hyper Protect Crypto Services instances
version_added: 0.1.0
description:
  - Returns one KMS instance given by name, guid or CRN, or every Key Protect and Hyper Protect Crypto Services
    instance in a region, optionally only those of one service or resource group.
  - Only reads; never changes anything.
author:
  - ibmcloud.kms maintainers (@ibmcloud-kms)
options:
  instance:
    description:
      - The instance, by guid, CRN or name. When not set, every KMS instance that matches the other options is
        returned.
      - A name returns every KMS instance with that name, in any region.
    type: str
  service:
    description:
      - Return only instances of this service.
    type: str
    choices: [key-protect, hs-crypto]
  resource_group:
    description:
      - Return only instances in this resource group, by name or id.
    type: str
  all_regions:
    description:
      - Return instances of every region instead of only those in O(region).
    type: bool
    default: false
extends_documentation_fragment:
  - ibmcloud.kms.auth
  - ibmcloud.kms.attributes.INFO_MODULE
seealso:
  - module: ibmcloud.kms.kms_instance
"""

EXAMPLES = r"""
- name: Find the instance the clusters use
  ibmcloud.kms.kms_instance_info:
    instance: kms-for-clusters
  register: found

- name: Fail early when the HPCS instance is not initialized
  ansible.builtin.assert:
    that: found.instances[0].initialized
    fail_msg: Initialize the Hyper Protect Crypto Services instance first.

- name: List every Key Protect instance in the prod resource group of eu-de
  ibmcloud.kms.kms_instance_info:
    service: key-protect
    resource_group: prod
    region: eu-de
"""

RETURN = r"""
instances:
  description: The matching instances; empty when none matches.
  returned: always
  type: list
  elements: dict
  contains:
    guid:
      description: The instance GUID (the instance id of Key Protect, HPCS and the Kubernetes Service).
      type: str
      sample: 12043812-757f-4e1e-8436-6af3245e6a69
    id:
      description: The resource instance id (the CRN).
      type: str
      sample: "crn:v1:bluemix:public:kms:us-south:a/a1b2c3:12043812-757f-4e1e-8436-6af3245e6a69::"
    crn:
      description: The instance CRN.
      type: str
      sample: "crn:v1:bluemix:public:kms:us-south:a/a1b2c3:12043812-757f-4e1e-8436-6af3245e6a69::"
    name:
      description: The instance name.
      type: str
      sample: kms-for-clusters
    service:
      description: V(key-protect) or V(hs-crypto).
      type: str
      sample: key-protect
    plan:
      description: The plan name, or the plan id when the name is not known to the collection.
      type: str
      sample: tiered-pricing
    resource_plan_id:
      description: The plan id.
      type: str
      sample: eedd3585-90c6-4c8f-be3d-062069e99fc3
    state:
      description: The Resource Controller state.
      type: str
      sample: active
    region:
      description: The region of the instance.
      type: str
      sample: us-south
    resource_group_id:
      description: The id of the resource group.
      type: str
      sample: 5c49eabcf5e85881a37e2d100a33b3df
    account_id:
      description: The account that owns the instance.
      type: str
      sample: a1b2c3d4e5f60718293a4b5c6d7e8f90
    parameters:
      description: The provisioning parameters.
      type: dict
      sample: {"allowed_network": "private-only"}
    endpoints:
      description: The key-management API endpoints (C(public), C(private)).
      type: dict
      sample: {"public": "https://us-south.kms.cloud.ibm.com", "private": "https://private.us-south.kms.cloud.ibm.com"}
    initialized:
      description: Whether keys can be managed in the instance (false for an HPCS instance not yet initialized).
      type: bool
      sample: true
    last_operation:
      description: The last Resource Controller operation on the instance.
      type: dict
      sample: {"type": "create", "state": "succeeded"}
    created_at:
      description: When the instance was created.
      type: str
      sample: "2026-11-27T12:00:00Z"
"""

from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import IBMCloudError
from ansible_collections.ibmcloud.kms.plugins.module_utils._instances import NEEDS, instance_view
from ansible_collections.ibmcloud.kms.plugins.module_utils._module import IBMCloudModule
from ansible_collections.ibmcloud.kms.plugins.module_utils._resource_controller import ResourceClient

CHECKS = {"instance": "not_empty", "resource_group": "not_empty"}


def argument_spec() -> dict:
    return dict(
        instance=dict(type="str"),
        service=dict(type="str", choices=["key-protect", "hs-crypto"]),
        resource_group=dict(type="str"),
        all_regions=dict(type="bool", default=False),
    )


def find_instances(client: ResourceClient, params: dict) -> list:
    if params["instance"]:
        found = client.lookup_instances(params["instance"])
    else:
        filters = {}
        if params["resource_group"]:
            filters["resource_group_id"] = client.resource_group_id(params["resource_group"])
        found = client.list_instances(service=params["service"], **filters)
        if not params["all_regions"]:
            found = [i for i in found if i.get("region_id") == params["region"]]
    return sorted(found, key=lambda i: (i.get("name") or "", i.get("guid") or ""))


def main() -> None:
    module = IBMCloudModule(argument_spec(), supports_check_mode=True, needs=NEEDS, checks=CHECKS)
    try:
        client = ResourceClient(module.session)
        instances = [instance_view(module.session, raw) for raw in find_instances(client, module.params)]
    except IBMCloudError as error:
        module.fail_from_error(error)
    module.exit_json(changed=False, instances=instances)


if __name__ == "__main__":
    main()
