#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: kms_instance
short_description: Create or delete a Key Protect or Hyper Protect Crypto Services instance
version_added: 0.1.0
description:
  - Makes sure a key management service (KMS) instance exists, or does not exist, in IBM Cloud.
  - Supports Key Protect (V(key-protect), the default) and Hyper Protect Crypto Services (V(hs-crypto)).
  - An instance is identified by O(name), O(service), O(resource_group) and O(region) together. When several
    instances match, the module fails and lists them instead of guessing.
  - This is step 1 of enabling KMS encryption of Kubernetes secrets on an IBM Cloud Kubernetes Service or
    Red Hat OpenShift on IBM Cloud cluster.
author:
  - ibmcloud.kms maintainers (@ibmcloud-kms)
options:
  name:
    description:
      - Name of the instance.
    type: str
    required: true
  service:
    description:
      - The KMS service of the instance.
    type: str
    choices: [key-protect, hs-crypto]
    default: key-protect
  plan:
    description:
      - The pricing plan, by name or plan id. Used only when the instance is created.
      - Defaults to V(tiered-pricing) for Key Protect and V(standard) for Hyper Protect Crypto Services.
      - A plan name is looked up in IBM's Global Catalog (service C(kms) or C(hs-crypto)), as the IBM Terraform
        provider does; the lookup happens only when an instance is to be created, or when O(plan) is given for an
        existing one.
    type: str
  resource_group:
    description:
      - Resource group of the instance, by name or id. Defaults to the account's default resource group.
    type: str
  parameters:
    description:
      - Provisioning parameters, used only when the instance is created, for example
        C(allowed_network) (V(private-only) or V(public-and-private)) or, for Hyper Protect Crypto Services,
        C(units) (the number of crypto units, 2 or 3).
    type: dict
  tags:
    description:
      - The user tags the instance should have (Global Tagging, on its CRN), for example V(env:prod). IBM stores
        tag names lower-case, so they are compared that way.
      - When not given, the instance's tags are neither read nor changed.
    type: list
    elements: str
    version_added: 0.2.0
  purge_tags:
    description:
      - Whether user tags of the instance that are not in O(tags) are removed. With V(false), O(tags) are only
        added.
      - Has no effect without O(tags).
    type: bool
    default: true
    version_added: 0.2.0
  state:
    description:
      - V(present) creates the instance when it does not exist; V(absent) deletes it.
      - Deleting a KMS instance deletes its keys. A cluster whose root key is in it becomes unusable.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - Wait until a new instance is active, or a deleted one is gone.
      - An existing instance that is still provisioning (created by a parallel job, or by a run that was
        interrupted) is waited for too.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait when O(wait=true).
    type: int
    default: 900
extends_documentation_fragment:
  - ibmcloud.kms.auth
  - ibmcloud.kms.attributes
notes:
  - The plan and the parameters of an existing instance are not changed; when they differ from the options,
    the module reports the difference as a warning.
  - A new Hyper Protect Crypto Services instance must be initialized (crypto unit administrators and master
    key, with the TKE CLI or the management utilities) before keys can be created in it; RV(instance.initialized)
    tells whether that has been done.
  - A deleted instance stays in the reclamation state for some days before it is removed for good; the module
    treats it as gone.
  - Tagging an instance needs the Editor platform role on it.
seealso:
  - module: ibmcloud.kms.kms_instance_info
  - name: Provisioning a Key Protect instance
    description: The IBM Cloud documentation.
    link: https://cloud.ibm.com/docs/key-protect?topic=key-protect-provision
  - name: Resource Controller API
    description: The API this module calls.
    link: https://cloud.ibm.com/apidocs/resource-controller/resource-controller
"""

EXAMPLES = r"""
- name: Create a Key Protect instance for cluster secrets
  ibmcloud.kms.kms_instance:
    name: kms-for-clusters
    resource_group: prod
    region: us-south
    parameters:
      allowed_network: private-only
  register: kms

- name: Show where its keys are managed
  ansible.builtin.debug:
    msg: "{{ kms.instance.endpoints.private }}"

- name: Preview the creation without changing anything
  ibmcloud.kms.kms_instance:
    name: kms-for-clusters
  check_mode: true
  diff: true

- name: Set credentials once for every module of the collection
  module_defaults:
    group/ibmcloud.kms.ibmcloud:
      api_key: "{{ lookup('ansible.builtin.env', 'IC_API_KEY') }}"
      region: eu-de
  block:
    - name: Create a Hyper Protect Crypto Services instance with 2 crypto units
      ibmcloud.kms.kms_instance:
        name: hpcs-for-clusters
        service: hs-crypto
        parameters:
          units: 2

- name: Tag the instance like the rest of the production estate, and remove other user tags
  ibmcloud.kms.kms_instance:
    name: kms-for-clusters
    tags: ["env:prod", "team:platform"]

- name: Delete an instance that no cluster uses any more
  ibmcloud.kms.kms_instance:
    name: kms-sandbox
    state: absent
"""

RETURN = r"""
instance:
  description:
    - The instance after the task; in check mode, what it would be. Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    guid:
      description: The instance GUID, which Key Protect, HPCS and the Kubernetes Service call the instance id.
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
      description: The Resource Controller state, such as V(provisioning) or V(active).
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
      description: The key-management API endpoints of the instance.
      type: dict
      contains:
        public:
          description: Public endpoint.
          type: str
          sample: https://us-south.kms.cloud.ibm.com
        private:
          description: Private (Cloud Service Endpoint) endpoint.
          type: str
          sample: https://private.us-south.kms.cloud.ibm.com
    initialized:
      description:
        - Whether keys can be managed in the instance. Always true for Key Protect; false for a Hyper Protect
          Crypto Services instance that has not been initialized yet. Null while the instance is not active.
      type: bool
      sample: true
    last_operation:
      description: The last Resource Controller operation on the instance.
      type: dict
      sample: {"type": "create", "state": "succeeded", "async": true}
    created_at:
      description: When the instance was created.
      type: str
      sample: "2026-11-27T12:00:00Z"
tags:
  description: The instance's user tags after the task (in check mode, as they would be), sorted, lower-case.
  returned: when O(tags) is given and O(state=present)
  type: list
  elements: str
  sample: ["env:prod", "team:platform"]
  version_added: 0.2.0
waited_seconds:
  description: How long the module waited for the instance to become active or to be deleted.
  returned: when it waited
  type: float
  sample: 4.2
"""

from typing import Any, Optional

from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import IBMCloudError, InputError
from ansible_collections.ibmcloud.kms.plugins.module_utils._instances import (
    NEEDS,
    drift_warnings,
    identity,
    instance_view,
    keep_one,
    predicted_instance,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._module import IBMCloudModule
from ansible_collections.ibmcloud.kms.plugins.module_utils._resource_controller import ResourceClient
from ansible_collections.ibmcloud.kms.plugins.module_utils._tagging import (
    INSTANCE_EDITOR_HINT,
    TaggingClient,
    bad_tags,
    tag_changes,
    tags_after,
)

CHECKS = {"name": "not_empty", "plan": "not_empty", "resource_group": "not_empty", "wait_timeout": "positive"}


def argument_spec() -> dict:
    return dict(
        name=dict(type="str", required=True),
        service=dict(type="str", default="key-protect", choices=["key-protect", "hs-crypto"]),
        plan=dict(type="str"),
        resource_group=dict(type="str"),
        parameters=dict(type="dict"),
        tags=dict(type="list", elements="str"),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=900),
    )


def ensure_present(
    client: ResourceClient,
    current: Optional[dict],
    want: dict,
    *,
    check_mode: bool,
    wait: bool,
    wait_timeout: int,
    warnings: Optional[list] = None,
) -> tuple:
    """(changed, instance record, seconds waited or None). An instance still provisioning (made by a parallel job,
    or by a run that was interrupted) is waited for like a new one; after a create, keep_one() settles a race with
    parallel jobs."""
    if current is not None:
        if current.get("state") != "provisioning" or not wait or check_mode:
            return False, current, None
        active, waited = client.wait_active(current["guid"], wait_timeout)
        return False, active, waited
    if check_mode:
        plan = client.plan_id(want["service"], want["plan"])
        return True, predicted_instance(want, client.session.account_id, plan), None
    created, warning = keep_one(client.session, client, client.create_instance(**want), want)
    if warning and warnings is not None:
        warnings.append(warning)
    if not wait or created.get("state") == "active":
        return True, created, None
    active, waited = client.wait_active(created["guid"], wait_timeout)
    return True, active, waited


def ensure_absent(
    client: ResourceClient, current: Optional[dict], *, check_mode: bool, wait: bool, wait_timeout: int
) -> tuple:
    """(changed, None, seconds waited or None)."""
    if current is None:
        return False, None, None
    if check_mode:
        return True, None, None
    client.delete_instance(current["guid"])
    if not wait:
        return True, None, None
    _gone, waited = client.wait_gone(current["guid"], wait_timeout)
    return True, None, waited


def ensure_tags(tagging: TaggingClient, crn: Optional[str], wanted: list, *, purge: bool, check_mode: bool) -> tuple:
    """(changed, tags before, tags after) of the instance with CRN; None for one that check mode only predicts, which
    has no tags yet."""
    current = tagging.tags_of(crn) if crn else []
    attach, detach = tag_changes(current, wanted, purge=purge)
    if crn and not check_mode:
        if attach:
            tagging.attach(crn, attach, INSTANCE_EDITOR_HINT)
        if detach:
            tagging.detach(crn, detach, INSTANCE_EDITOR_HINT)
    return bool(attach or detach), tags_after(current, [], []), tags_after(current, attach, detach)


def main() -> None:
    module = IBMCloudModule(argument_spec(), supports_check_mode=True, needs=NEEDS, checks=CHECKS)
    params = module.params
    options = dict(check_mode=module.check_mode, wait=params["wait"], wait_timeout=params["wait_timeout"])
    changed, tags, tags_before = False, None, None
    try:
        bad = bad_tags(params["tags"] or [])
        if bad:
            raise InputError(
                f"tags: {', '.join(map(repr, bad))} are not tag names (1 to 128 letters, digits, spaces,"
                " _ - . and :). Nothing was changed."
            )
        client = ResourceClient(module.session)
        want = dict(
            name=params["name"],
            service=params["service"],
            plan=params["plan"],
            resource_group_id=client.resource_group_id(params["resource_group"]),
            region=params["region"],
            parameters=params["parameters"],
        )
        if params["state"] == "absent":
            current = client.find_instance(**identity(want))  # several: deleting one by a rule would be a guess
            before_view = instance_view(module.session, current) if current else {}
            changed, after, waited = ensure_absent(client, current, **options)
        else:
            current, shared = client.find_shared_instance(**identity(want))
            warnings = [shared] if shared else []
            before_view = instance_view(module.session, current) if current else {}
            changed, after, waited = ensure_present(client, current, want, warnings=warnings, **options)
            for warning in warnings:
                module.warn(warning)
            wanted_plan = client.plan_id(want["service"], want["plan"]) if current and want["plan"] else None
            for warning in drift_warnings(current, want, wanted_plan):
                module.warn(warning)
        after_view = before_view if after is current else (instance_view(module.session, after) if after else {})
        if params["tags"] is not None and params["state"] == "present":
            crn = None if current is None and module.check_mode else after["crn"]
            tagged, tags_before, tags = ensure_tags(
                TaggingClient(module.session),
                crn,
                params["tags"],
                purge=params["purge_tags"],
                check_mode=module.check_mode,
            )
            changed = changed or tagged
    except IBMCloudError as error:
        error.changed = error.changed or changed
        module.fail_from_error(error)
    result: dict[str, Any] = {"changed": changed, "instance": after_view}
    if waited is not None:
        result["waited_seconds"] = round(waited, 1)
    if tags is not None:
        result["tags"] = tags
    if module._diff:
        if tags is not None:  # the tags are shown in the diff only when the task manages them
            before_view = {**before_view, "tags": tags_before} if before_view else {}
            after_view = {**after_view, "tags": tags}
        result["diff"] = {"before": before_view, "after": after_view}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
