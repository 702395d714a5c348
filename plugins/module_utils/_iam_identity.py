# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""IAM Identity: API keys, to find the owner of the Kubernetes Service's API key of a region and resource group.

The Kubernetes Service keeps one API key named ``containers-kubernetes-key`` per region and resource group and
acts with its owner's roles (for example when it reads the root key). The API key record has no region or
resource-group field; the key's description names both, in the format of ``cluster_key_description``.
"""

from __future__ import annotations

import re
import traceback
from functools import partial
from typing import Any, Optional
from urllib.parse import parse_qs, urlparse

from ansible_collections.ibmcloud.kms.plugins.module_utils._client import Session

IAM_IDENTITY_IMPORT_ERROR: Optional[str]
try:
    from ibm_platform_services import IamIdentityV1
except ImportError:
    HAS_IAM_IDENTITY = False
    IAM_IDENTITY_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_IAM_IDENTITY = True
    IAM_IDENTITY_IMPORT_ERROR = None

CLUSTER_KEY_NAME = "containers-kubernetes-key"
CLUSTER_KEY_DESCRIPTION_RE = re.compile(r"^Kubernetes Service API key for region (\S+) and resource group (\S+)$")
VIEWER_HINT = (
    "Listing the API keys of other identities needs the Viewer platform role on IAM Identity "
    "(iam-identity) in account {account}."
)
PAGE = 100


def cluster_key_description(region: str, resource_group_id: str) -> str:
    return f"Kubernetes Service API key for region {region} and resource group {resource_group_id}"


def parse_cluster_key_description(text: Optional[str]) -> Optional[tuple]:
    """(region, resource group id) from the description of a containers-kubernetes-key, or None."""
    match = CLUSTER_KEY_DESCRIPTION_RE.match((text or "").strip())
    return (match.group(1), match.group(2)) if match else None


def _next_token(next_url: Optional[str]) -> Optional[str]:
    if not next_url:
        return None
    return parse_qs(urlparse(next_url).query).get("pagetoken", [None])[0]


class IamIdentityClient:
    """API key records (never key values) through IBM's IamIdentityV1 client; IAM Identity shares the IAM host."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def identity(self) -> Any:
        return self.session.service(IamIdentityV1, self.session.url("iam"))

    def account_api_keys(self, account_id: str, name: str) -> list:
        """Every API key of the account named ``name`` (all pages; the filter narrows, the comparison decides)."""
        found: list = []
        token: Optional[str] = None
        hint = VIEWER_HINT.format(account=account_id)
        while True:
            page = (
                self.session.call(
                    partial(
                        self.identity.list_api_keys,
                        account_id=account_id,
                        scope="account",
                        pagesize=PAGE,
                        pagetoken=token,
                        filter=f'name eq "{name}"',
                    ),
                    method="GET",
                    what="list API keys",
                    hint=hint,
                )
                or {}
            )
            found.extend(key for key in page.get("apikeys") or [] if key.get("name") == name)
            token = _next_token(page.get("next"))
            if not token:
                return found
