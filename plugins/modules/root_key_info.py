#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: root_key_info
short_description: Read root keys of a Key Protect or Hyper Protect Crypto Services instance
version_added: 0.1.0
description:
  - Returns one root key given by id, alias or name, or every root key of a KMS instance, with the cloud resources
    (such as clusters) registered with each key.
  - Standard (extractable) keys are never returned.
  - Only reads; never changes anything.
author:
  - ibmcloud.kms maintainers (@ibmcloud-kms)
options:
  instance:
    description:
      - The KMS instance, by guid, CRN or name.
    type: str
    required: true
  key_id:
    description:
      - Return the key with this id.
    type: str
  alias:
    description:
      - Return the key with this alias.
    type: str
  name:
    description:
      - Return every root key with this name (names, unlike aliases, need not be unique).
    type: str
  expiring_within_days:
    description:
      - Return only keys with an expiration date at most this many days from now, including keys that have already
        expired.
    type: int
  include_deleted:
    description:
      - Also return deleted keys (state V(destroyed)), which can be restored for 30 days after deletion.
      - A key asked for by O(key_id) or O(alias) is returned even when it is deleted.
    type: bool
    default: false
extends_documentation_fragment:
  - ibmcloud.kms.auth
  - ibmcloud.kms.attributes.INFO_MODULE
notes:
  - Needs the Reader service role on the instance.
  - A Hyper Protect Crypto Services instance that is not initialized is an error, with a message saying how to
    initialize it.
seealso:
  - module: ibmcloud.kms.root_key
  - module: ibmcloud.kms.kms_instance_info
  - name: Key Protect API
    description: The API this module calls.
    link: https://cloud.ibm.com/apidocs/key-protect
"""

EXAMPLES = r"""
- name: Read the cluster root key and the clusters that use it
  ibmcloud.kms.root_key_info:
    instance: kms-for-clusters
    alias: prod-cluster-crk
  register: crk

- name: Show the clusters registered with it
  ansible.builtin.debug:
    msg: "{{ crk.root_keys[0].registrations | map(attribute='resource_crn') | list }}"

- name: Find root keys that expire within 30 days
  ibmcloud.kms.root_key_info:
    instance: kms-for-clusters
    expiring_within_days: 30
  register: expiring

- name: Fail when one does
  ansible.builtin.assert:
    that: expiring.root_keys == []
    fail_msg: "Expiring root keys: {{ expiring.root_keys | map(attribute='name') | join(', ') }}"
"""

RETURN = r"""
root_keys:
  description:
    - The matching root keys, sorted by name; empty when none matches.
    - Each has the same fields as RV(ibmcloud.kms.root_key#module:root_key) returned by M(ibmcloud.kms.root_key).
  returned: always
  type: list
  elements: dict
  sample:
    - id: 02fd6835-6001-4482-a892-13bd2085f75d
      crn: >-
        crn:v1:bluemix:public:kms:us-south:a/a1b2c3:12043812-757f-4e1e-8436-6af3245e6a69:key:02fd6835-6001-4482-a892-13bd2085f75d
      name: cluster-secrets
      aliases: [prod-cluster-crk]
      description: Root key for prod cluster secrets
      tags: [cluster-secrets]
      state: active
      extractable: false
      imported: false
      key_ring: default
      creation_date: "2026-11-27T12:00:00Z"
      last_update_date: "2026-11-27T13:00:00Z"
      expiration_date: null
      days_until_expiration: null
      key_version: {"id": "7a1c03d2-5b1e-4c39-9f0e-3d1f2c4b5a69", "creation_date": "2026-11-27T13:00:00Z"}
      last_rotate_date: "2026-11-27T13:00:00Z"
      rotation_policy: {"enabled": true, "interval_month": 3}
      dual_auth_delete: {"enabled": false, "key_set_for_deletion": false}
      deleted: false
      deletion_date: null
      restore_allowed: null
      restore_expiration_date: null
      registrations:
        - resource_crn: "crn:v1:bluemix:public:containers-kubernetes:us-south:a/a1b2c3:c0ffee12::"
          key_version: {"id": "7a1c03d2-5b1e-4c39-9f0e-3d1f2c4b5a69", "creation_date": "2026-11-27T13:00:00Z"}
          prevent_key_deletion: false
          description: Kubernetes Service cluster secret encryption
          creation_date: "2026-11-27T12:10:00Z"
          last_updated: "2026-11-27T13:00:00Z"
"""

from typing import Optional

from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import IBMCloudError
from ansible_collections.ibmcloud.kms.plugins.module_utils._instances import NEEDS
from ansible_collections.ibmcloud.kms.plugins.module_utils._kms import DAY, DESTROYED, KmsClient, parse_time
from ansible_collections.ibmcloud.kms.plugins.module_utils._module import IBMCloudModule
from ansible_collections.ibmcloud.kms.plugins.module_utils._root_keys import describe_keys, find_key, open_kms

CHECKS = {
    "instance": "not_empty",
    "key_id": "guid",
    "alias": "alias",
    "name": "not_empty",
    "expiring_within_days": "not_negative",
}


def argument_spec() -> dict:
    return dict(
        instance=dict(type="str", required=True),
        key_id=dict(type="str"),
        alias=dict(type="str"),
        name=dict(type="str"),
        expiring_within_days=dict(type="int"),
        include_deleted=dict(type="bool", default=False),
    )


def find_root_keys(kms: KmsClient, params: dict) -> list:
    """The raw root keys the options ask for."""
    if params["key_id"] or params["alias"]:
        key = find_key(kms, key_id=params["key_id"], alias=params["alias"])
        return [key] if key else []
    if params["name"]:
        keys = kms.keys_named(params["name"], include_deleted=params["include_deleted"])
    else:
        keys = kms.list_root_keys(include_deleted=params["include_deleted"])
    return [k for k in keys if params["include_deleted"] or k.get("state") != DESTROYED]


def expiring(views: list, within_days: Optional[int], now: float) -> list:
    if within_days is None:
        return views
    limit = now + within_days * DAY
    return [v for v in views if v["expiration_date"] and (parse_time(v["expiration_date"]) or 0) <= limit]


def main() -> None:
    module = IBMCloudModule(
        argument_spec(),
        supports_check_mode=True,
        needs=NEEDS,
        checks=CHECKS,
        mutually_exclusive=[("key_id", "alias", "name")],
    )
    try:
        kms = open_kms(module.session, module.params["instance"])
        now = module.session.now()
        views = describe_keys(kms, find_root_keys(kms, module.params), now=now)
    except IBMCloudError as error:
        module.fail_from_error(error)
    module.exit_json(changed=False, root_keys=expiring(views, module.params["expiring_within_days"], now))


if __name__ == "__main__":
    main()
