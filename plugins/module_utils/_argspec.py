# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""Authentication and connection options shared by every module (documented in doc_fragments/auth.py), and the
options for the credentials of a KMS instance's own account (documented in doc_fragments/kms_account.py)."""

from __future__ import annotations

from ansible.module_utils.basic import env_fallback

AUTH_SPEC = dict(
    api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["IC_API_KEY", "IBMCLOUD_API_KEY"])),
    iam_token=dict(type="str", no_log=True, fallback=(env_fallback, ["IC_IAM_TOKEN"])),
    region=dict(type="str", default="us-south", fallback=(env_fallback, ["IC_REGION", "IBMCLOUD_REGION"])),
    endpoint_type=dict(
        type="str", default="public", choices=["public", "private"], fallback=(env_fallback, ["IC_VISIBILITY"])
    ),
    endpoints=dict(type="dict", default={}),
    validate_certs=dict(type="bool", default=True),
    ca_path=dict(type="path"),
    timeout=dict(type="int", default=60),
    retries=dict(type="int", default=5),
    auth_type=dict(type="str", choices=["api_key", "container", "vpc"]),
    trusted_profile=dict(type="str", fallback=(env_fallback, ["IBMCLOUD_CR_PROFILE"])),
    cr_token_filename=dict(type="path"),
)

# The account of the KMS instance and its own credentials, for the Key Protect / HPCS side of cross-account KMS.
# No environment fallback: IC_API_KEY belongs to the caller's account, and a second key must be given on purpose.
KMS_ACCOUNT_SPEC = dict(
    kms_account_id=dict(type="str"),
    kms_api_key=dict(type="str", no_log=True),
    kms_iam_token=dict(type="str", no_log=True),
)


# For check mode: the KMS instance (and with it the root key) is one an earlier task of the same check run would create.
PREDICTED_SPEC = dict(instance_predicted=dict(type="bool", default=False))


def with_auth(spec: dict) -> dict:
    """The module's own options plus the shared ones (a module option of the same name wins)."""
    merged = dict(AUTH_SPEC)
    merged.update(spec)
    return merged
