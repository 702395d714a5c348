#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: kms_instance_policy
short_description: Set the instance policies of a Key Protect or HPCS instance
version_added: 0.2.0
description:
  - Makes sure a Key Protect instance (or a Hyper Protect Crypto Services instance, which serves the same API) has
    the instance policies given (dual authorization for deleting keys, the allowed network, allowed IP subnets, who
    may create and import keys, metrics, and the rotation policy new root keys get).
  - Only the policies given are managed; the others are left as they are. Each policy that differs is set with a
    request of its own, which changes no other policy.
  - Reads the policies once, and sends nothing when they already match.
author:
  - ibmcloud.kms maintainers (@ibmcloud-kms)
options:
  instance:
    description:
      - The KMS instance, by guid, CRN or name.
    type: str
    required: true
  dual_auth_delete:
    description:
      - Dual authorization for deleting keys. When enabled, keys created afterwards need a second user's approval
        to be deleted; keys that exist keep their own setting, and a key keeps dual authorization once it has it.
      - The instance policy itself can be disabled again at any time by a Manager, without a second approval.
    type: dict
    suboptions:
      enabled:
        description: Whether the policy is enforced.
        type: bool
        required: true
  allowed_network:
    description:
      - Which Key Protect endpoints the instance answers on.
      - V(private-only) blocks the public endpoint for everyone, the request that would undo the policy included.
        The module refuses to set it unless it runs with O(endpoint_type=private). Every cluster that uses the
        instance must then reach it over the private endpoint
        (O(ibmcloud.kms.cluster_kms#module:private_endpoint) of M(ibmcloud.kms.cluster_kms)).
    type: dict
    suboptions:
      enabled:
        description: Whether the policy is enforced. A disabled policy allows both endpoints.
        type: bool
        required: true
      network:
        description: The endpoints allowed.
        type: str
        choices: [public-and-private, private-only]
        default: public-and-private
  allowed_ip:
    description:
      - The IP subnets requests must come from. Set the whole list each time; it replaces the one the instance has.
      - Make sure the list includes where this task and the clusters' masters reach the instance from, or they are
        refused afterwards. Key Protect enables this policy per account on request; IBM now recommends
        context-based restrictions instead.
    type: dict
    suboptions:
      enabled:
        description: Whether the policy is enforced.
        type: bool
        required: true
      subnets:
        description:
          - The subnets, in CIDR notation (V(192.0.2.0/24)); at least one and at most 1000 when enabled. The order
            does not matter.
        type: list
        elements: str
  key_create_import_access:
    description:
      - Which kinds of keys may be created and imported in the instance. An attribute not given is what Key
        Protect resets it to when the policy is set (all allowed, no import token enforced).
    type: dict
    suboptions:
      enabled:
        description: Whether the policy is enforced.
        type: bool
        required: true
      create_root_key:
        description: Whether root keys may be created.
        type: bool
        default: true
      create_standard_key:
        description: Whether standard keys may be created.
        type: bool
        default: true
      import_root_key:
        description: Whether root keys may be imported.
        type: bool
        default: true
      import_standard_key:
        description: Whether standard keys may be imported.
        type: bool
        default: true
      enforce_token:
        description: Whether keys may only be imported with an import token.
        type: bool
        default: false
  metrics:
    description:
      - Whether the instance sends metrics to IBM Cloud Monitoring (a Monitoring instance with platform metrics is
        needed in the same region).
    type: dict
    suboptions:
      enabled:
        description: Whether the policy is enforced.
        type: bool
        required: true
  rotation:
    description:
      - The rotation policy root keys created afterwards get, unless they are created with their own.
    type: dict
    suboptions:
      enabled:
        description: Whether the policy is enforced.
        type: bool
        required: true
      interval_month:
        description: How often root keys are rotated, in 30-day months (1 to 12). Required when enabled.
        type: int
extends_documentation_fragment:
  - ibmcloud.kms.predicted
  - ibmcloud.kms.auth
  - ibmcloud.kms.attributes
notes:
  - Reading and setting instance policies needs the Manager service role on the instance.
  - Key Protect accepts C(PUT /api/v2/instance/policies?policy=<type>) for one policy at a time; a policy that
    fails stops the module, and its message names the policies set before it.
  - Key Protect's instance policy API is documented for every policy here; Hyper Protect Crypto Services documents
    dual authorization, the allowed network, key create and import access and metrics.
seealso:
  - module: ibmcloud.kms.kms_instance_policy_info
  - name: Key Protect instance policies
    description: Managing dual authorization, network access, key create and import access and metrics.
    link: https://cloud.ibm.com/docs/key-protect?topic=key-protect-manage-dual-auth
"""

EXAMPLES = r"""
- name: Require dual authorization to delete keys and allow only root keys to be created
  ibmcloud.kms.kms_instance_policy:
    instance: prod-kms
    dual_auth_delete:
      enabled: true
    key_create_import_access:
      enabled: true
      create_standard_key: false
      import_standard_key: false

- name: Allow only the private endpoint (run from IBM Cloud's private network)
  ibmcloud.kms.kms_instance_policy:
    instance: prod-kms
    endpoint_type: private
    allowed_network:
      enabled: true
      network: private-only

- name: Give new root keys a quarterly rotation and turn metrics on
  ibmcloud.kms.kms_instance_policy:
    instance: prod-kms
    rotation:
      enabled: true
      interval_month: 3
    metrics:
      enabled: true
"""

RETURN = r"""
policies:
  description:
    - Every instance policy after the change (in check mode, as it would be), shaped like the options. A policy
      the instance does not list is shown disabled, with Key Protect's defaults.
  returned: success
  type: dict
  sample:
    dual_auth_delete: {"enabled": true}
    allowed_network: {"enabled": false, "network": "public-and-private"}
    allowed_ip: {"enabled": false, "subnets": []}
    key_create_import_access: {"enabled": true, "create_root_key": true, "create_standard_key": false,
      "import_root_key": true, "import_standard_key": false, "enforce_token": false}
    metrics: {"enabled": false}
    rotation: {"enabled": true, "interval_month": 3}
changed_policies:
  description: The policies set (in check mode, that would be set), by option name.
  returned: success
  type: list
  elements: str
  sample: [dual_auth_delete, key_create_import_access]
"""

from ansible_collections.ibmcloud.kms.plugins.module_utils import _instance_policies as policies
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import IBMCloudError, InputError
from ansible_collections.ibmcloud.kms.plugins.module_utils._instances import NEEDS
from ansible_collections.ibmcloud.kms.plugins.module_utils._module import IBMCloudModule
from ansible_collections.ibmcloud.kms.plugins.module_utils._root_keys import open_kms

CHECKS = {"instance": "not_empty"}


def argument_spec() -> dict:
    return dict(
        instance=dict(type="str", required=True),
        instance_predicted=dict(type="bool", default=False),
        **policies.option_spec(),
    )


def main() -> None:
    module = IBMCloudModule(argument_spec(), supports_check_mode=True, needs=NEEDS, checks=CHECKS)
    try:
        want = policies.wanted(module.params)
        why_not = policies.refusal(want, module.params["endpoint_type"])
        if why_not:
            raise InputError(why_not + " Nothing was changed.")
        if module.params["instance_predicted"] and module.check_mode:
            have = policies.current([])  # a new instance has no policy set yet
            to_set = policies.changes(have, want)
        else:
            kms = open_kms(module.session, module.params["instance"])
            have = policies.current(kms.instance_policies())
            to_set = policies.changes(have, want)
            if to_set and not module.check_mode:
                policies.set_all(kms.set_instance_policy, have, want)
    except IBMCloudError as error:
        module.fail_from_error(error)
    result = dict(changed=bool(to_set), policies=policies.after(have, want), changed_policies=to_set)
    if module._diff:
        result["diff"] = {
            "before": {name: have[name] for name in want},
            "after": {name: want[name] for name in want},
        }
    module.exit_json(**result)


if __name__ == "__main__":
    main()
