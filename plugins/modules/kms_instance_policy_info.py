#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: kms_instance_policy_info
short_description: Read the instance policies of a Key Protect or HPCS instance
version_added: 0.2.0
description:
  - Returns every instance policy of a Key Protect instance (or a Hyper Protect Crypto Services instance) in one
    read, shaped like the options of M(ibmcloud.kms.kms_instance_policy), so that its result can be compared with
    what a governance rule asks for.
  - Only reads; never changes anything.
author:
  - ibmcloud.kms maintainers (@ibmcloud-kms)
options:
  instance:
    description:
      - The KMS instance, by guid, CRN or name.
    type: str
    required: true
extends_documentation_fragment:
  - ibmcloud.kms.auth
  - ibmcloud.kms.attributes.INFO_MODULE
notes:
  - Needs the Manager service role on the instance (IBM lists reading instance policies under Manager only).
seealso:
  - module: ibmcloud.kms.kms_instance_policy
"""

EXAMPLES = r"""
- name: Read the instance policies
  ibmcloud.kms.kms_instance_policy_info:
    instance: prod-kms
  register: kms_policies

- name: Stop unless keys need a second approval to be deleted
  ansible.builtin.assert:
    that: kms_policies.policies.dual_auth_delete.enabled
    fail_msg: Enable dual authorization for deletion on prod-kms first.
"""

RETURN = r"""
policies:
  description:
    - Every instance policy, shaped like the options of M(ibmcloud.kms.kms_instance_policy). A policy the instance
      does not list is shown disabled, with Key Protect's defaults.
  returned: success
  type: dict
  sample:
    dual_auth_delete: {"enabled": true}
    allowed_network: {"enabled": true, "network": "private-only"}
    allowed_ip: {"enabled": false, "subnets": []}
    key_create_import_access: {"enabled": false, "create_root_key": true, "create_standard_key": true,
      "import_root_key": true, "import_standard_key": true, "enforce_token": false}
    metrics: {"enabled": false}
    rotation: {"enabled": false, "interval_month": null}
"""

from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import IBMCloudError
from ansible_collections.ibmcloud.kms.plugins.module_utils._instance_policies import current
from ansible_collections.ibmcloud.kms.plugins.module_utils._instances import NEEDS
from ansible_collections.ibmcloud.kms.plugins.module_utils._module import IBMCloudModule
from ansible_collections.ibmcloud.kms.plugins.module_utils._root_keys import open_kms


def main() -> None:
    module = IBMCloudModule(
        dict(instance=dict(type="str", required=True)),
        supports_check_mode=True,
        needs=NEEDS,
        checks={"instance": "not_empty"},
    )
    try:
        found = current(open_kms(module.session, module.params["instance"]).instance_policies())
    except IBMCloudError as error:
        module.fail_from_error(error)
    module.exit_json(changed=False, policies=found)


if __name__ == "__main__":
    main()
