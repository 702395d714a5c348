#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: iam_token
short_description: Get an IBM Cloud IAM access token with an API key, to share it between tasks
version_added: 0.1.0
description:
  - Asks IAM for an access token with O(api_key), or as a trusted profile (O(auth_type)), and returns it, so that
    later tasks can pass it as O(iam_token) and a play asks IAM for one token instead of one per task.
  - The token is a secret, as good as the API key for as long as it lives. Register the result on a task with
    C(no_log=true), and pass RV(iam_token) on only to the modules of this collection.
  - An IAM token lives one hour. Give later tasks both O(api_key) and O(iam_token) (for example in
    C(module_defaults)); they then use the token while it is valid and get a new one with the API key when it has
    expired, so a play that runs longer than an hour does not fail.
  - Always gets a new token; a O(iam_token) given to this module (for example by C(module_defaults)) is ignored.
  - Only reads; never changes anything.
author:
  - ibmcloud.kms maintainers (@ibmcloud-kms)
options: {}
extends_documentation_fragment:
  - ibmcloud.kms.auth
  - ibmcloud.kms.attributes.INFO_MODULE
notes:
  - O(api_key) (or the E(IC_API_KEY) / E(IBMCLOUD_API_KEY) environment variable) or a trusted profile
    (O(auth_type=container) or O(auth_type=vpc) with O(trusted_profile)) is required.
  - The API key never appears in the result.
  - Later tasks given the token and the same trusted profile options renew the token as the profile when it has
    expired, as they do with an API key.
seealso:
  - name: IAM access tokens
    description: Getting an IAM token with an API key.
    link: https://cloud.ibm.com/docs/account?topic=account-iamtoken_from_apikey
"""

EXAMPLES = r"""
- name: Get an IAM token once for the play (a secret, so no_log)
  ibmcloud.kms.iam_token:
    api_key: "{{ lookup('ansible.builtin.env', 'IC_API_KEY') }}"
  register: iam
  no_log: true

- name: Use the token in later tasks, and let the API key renew it after it expires
  module_defaults:
    group/ibmcloud.kms.ibmcloud:
      api_key: "{{ lookup('ansible.builtin.env', 'IC_API_KEY') }}"
      iam_token: "{{ iam.iam_token }}"
  block:
    - name: Read the KMS configuration of a cluster
      ibmcloud.kms.cluster_kms_info:
        cluster: my-cluster
      register: info

    - name: Rotate its root key
      ibmcloud.kms.root_key:
        instance: "{{ info.clusters[0].instance_id }}"
        key_id: "{{ info.clusters[0].root_key_id }}"
        rotate: true

- name: Show when the token expires (not the token itself)
  ansible.builtin.debug:
    msg: "Token of {{ iam.iam_id }} in account {{ iam.account_id }} expires at {{ iam.expires_at }}"
"""

RETURN = r"""
iam_token:
  description:
    - The IAM access token (a JWT), to pass as O(iam_token) to later tasks. Without the C(Bearer) prefix.
    - A secret; register the result with C(no_log=true).
  returned: success
  type: str
  sample: eyJraWQiOiIyMDI2MDEwMTAwMDAiLCJhbGciOiJSUzI1NiJ9.eyJpYW1faWQiOiJJQk1pZC0xMDAwMDAifQ.c2lnbmF0dXJl
expires_at:
  description: When the token expires (its C(exp) claim), in ISO 8601 UTC; one hour after it was issued.
  returned: success
  type: str
  sample: "2026-11-27T13:00:00Z"
issued_at:
  description:
    - When IAM issued the token (its C(iat) claim), in ISO 8601 UTC. This is IBM Cloud's clock, which decides when
      keys expire and when a key may be rotated again; a playbook can compute from it instead of the host's clock.
  returned: success
  type: str
  sample: "2026-11-27T12:00:00Z"
account_id:
  description: The IBM Cloud account the token belongs to (the account of the API key).
  returned: success
  type: str
  sample: a1b2c3d4e5f60718293a4b5c6d7e8f90
iam_id:
  description: The IAM id of the identity that owns the API key, or of the trusted profile (C(iam-Profile-...)).
  returned: success
  type: str
  sample: IBMid-100000ABCD
"""

from ansible_collections.ibmcloud.kms.plugins.module_utils._client import ConnectionSettings, new_token
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import IBMCloudError
from ansible_collections.ibmcloud.kms.plugins.module_utils._module import IBMCloudModule


def main() -> None:
    module = IBMCloudModule({}, supports_check_mode=True)
    try:
        facts = new_token(ConnectionSettings.from_params(module.params), log=module.log)
    except IBMCloudError as error:
        module.fail_from_error(error)
    module.exit_json(changed=False, **facts)


if __name__ == "__main__":
    main()
