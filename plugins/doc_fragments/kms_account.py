# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # The account of a KMS instance and its own credentials (cross-account KMS), for the modules that read a
    # cluster's KMS instance and root key.
    DOCUMENTATION = r"""
options:
  kms_account_id:
    description:
      - The account that owns the KMS instance, when it is not the cluster's account (cross-account KMS).
      - Defaults to the account of O(kms_api_key) or O(kms_iam_token) when one is set, else to the caller's account.
        When set together with them, the credentials must belong to this account.
      - Cross-account KMS is supported for classic and VPC clusters only; Satellite clusters are refused.
      - Needs a Reader authorization from C(containers-kubernetes) in the cluster's account to the instance,
        created in the KMS account (M(ibmcloud.kms.iam_policy) with that account's API key).
    type: str
  kms_api_key:
    description:
      - An API key of the account that owns the KMS instance, for cross-account KMS.
      - With it, the KMS instance is looked up in that account's Resource Controller, and the root key and its key
        registrations (and, in M(ibmcloud.kms.cluster_kms), the service-to-service authorization) are read with
        that account's IAM token, while the cluster is read and changed with O(api_key) or O(iam_token) as before.
        The other connection options (O(region), O(endpoint_type), O(endpoints), O(validate_certs), O(ca_path),
        O(timeout), O(retries)) apply to both accounts.
      - Without it (and without O(kms_iam_token)), the KMS side is read with the caller's credentials, which
        usually may not read another account's instance.
      - Not read from an environment variable. It is a secret; it is never logged or returned.
    type: str
  kms_iam_token:
    description:
      - An IAM access token of the account that owns the KMS instance, for example one fetched once per play with
        M(ibmcloud.kms.iam_token) and O(ibmcloud.kms.iam_token#module:api_key) set to that account's API key.
      - Works for the KMS account as O(iam_token) works for the caller's. Alone, it is used as it is and cannot
        be renewed. Together with O(kms_api_key), it is used while it is valid and renewed with O(kms_api_key)
        when it expires. O(iam_token) is never used for the KMS account.
      - Not read from an environment variable. It is a secret; it is never logged or returned.
    type: str
"""
