# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""Key Protect API v2, also served by each Hyper Protect Crypto Services instance."""

from __future__ import annotations

from typing import Any, Optional

from ansible_collections.ibmcloud.kms.plugins.module_utils._client import JsonService, Session
from ansible_collections.ibmcloud.kms.plugins.module_utils._endpoints import is_overridden
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import IBMCloudError
from ansible_collections.ibmcloud.kms.plugins.module_utils._resource_controller import crn_service

READER_HINT = "Reading keys needs the Reader service role on the KMS instance."
# An HPCS instance whose crypto units hold no master key yet answers key calls with HTTP 400 naming
# the PKCS #11 return code CKR_IBM_WK_NOT_INITIALIZED ("WK": the wrapping/master key).
UNINITIALIZED_MARK = "WK_NOT_INITIALIZED"


def key_endpoint(session: Session, instance: dict) -> str:
    """The key-management base URL of a KMS instance (resource instance JSON).

    An explicit ``key_protect`` / ``hpcs`` endpoint wins (``{instance_id}`` in it is replaced by the guid);
    otherwise the instance's own public or private endpoint, as the Resource Controller publishes it.
    """
    service = crn_service(instance.get("crn", ""))
    override = "hpcs" if service == "hs-crypto" else "key_protect"
    if is_overridden(override, session.settings.endpoints):
        return session.url(override).replace("{instance_id}", instance.get("guid", ""))
    endpoints = ((instance.get("extensions") or {}).get("endpoints")) or {}
    published = endpoints.get(session.settings.endpoint_type)
    if published:
        return published.rstrip("/")
    return session.url(override)


def is_uninitialized(error: IBMCloudError) -> bool:
    texts = [error.code or "", error.message] + [str(r.get("code")) for r in error.reasons]
    return error.status == 400 and any(UNINITIALIZED_MARK in text for text in texts)


class KmsClient(JsonService):
    """Calls on one KMS instance (the ``Bluemix-Instance`` header is set on every request)."""

    def __init__(self, session: Session, instance: dict) -> None:
        self.instance_id = instance["guid"]
        super().__init__(session, key_endpoint(session, instance), {"Bluemix-Instance": self.instance_id})

    def list_keys(self, **params: Any) -> list:
        result = self.request("GET", "/api/v2/keys", params=params, what="list keys", hint=READER_HINT)
        return (result or {}).get("resources", [])

    def is_initialized(self) -> Optional[bool]:
        """Whether the instance can serve key calls (False: an HPCS instance not yet initialized)."""
        try:
            self.list_keys(limit=1)
        except IBMCloudError as error:
            if is_uninitialized(error):
                return False
            raise
        return True
