# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""Key Protect API v2, also served by each Hyper Protect Crypto Services instance."""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, Optional
from urllib.parse import quote

from ansible_collections.ibmcloud.kms.plugins.module_utils._client import JsonService, Session
from ansible_collections.ibmcloud.kms.plugins.module_utils._endpoints import is_overridden, service_url
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import (
    GoneError,
    IBMCloudError,
    InputError,
    NotFoundError,
    NotInitializedError,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._resource_controller import crn_service
from ansible_collections.ibmcloud.kms.plugins.module_utils._validate import parse_time

READER_HINT = "Reading keys needs the Reader service role on the KMS instance."
WRITER_HINT = "Creating and rotating keys and setting key policies needs the Writer service role on the KMS instance."
MANAGER_HINT = (
    "Enabling, disabling, deleting, restoring and moving keys, and reading and setting instance policies, needs the"
    " Manager service role on the KMS instance."
)
KEY_TYPE = "application/vnd.ibm.kms.key+json"
POLICY_TYPE = "application/vnd.ibm.kms.policy+json"
PAGE = 200
# An HPCS instance whose crypto units hold no master key yet answers key calls with HTTP 400 naming
# the PKCS #11 return code CKR_IBM_WK_NOT_INITIALIZED ("WK": the wrapping/master key).
UNINITIALIZED_MARK = "WK_NOT_INITIALIZED"
HPCS_INIT_HINT = (
    "Initialize it first: add crypto unit administrators and load the master key with the TKE CLI "
    "plug-in (ibmcloud tke) or the Management Utilities, as described in 'Initializing service "
    "instances' of the Hyper Protect Crypto Services documentation."
)


# -- key states and times ----------------------------------------------------------------------------
PRE_ACTIVE, ACTIVE, SUSPENDED, DEACTIVATED, DESTROYED = 0, 1, 2, 3, 5
STATE_NAMES: Dict[Any, str] = {  # looked up with the raw state of API records
    PRE_ACTIVE: "pre-activation",
    ACTIVE: "active",
    SUSPENDED: "suspended",
    DEACTIVATED: "deactivated",
    DESTROYED: "destroyed",
}
DAY = 86400
# The ``state`` filter of a key list: keys not deleted (pre-activation, active, suspended, deactivated), and all.
LIVE_KEY_STATES = "0,1,2,3"
ALL_KEY_STATES = LIVE_KEY_STATES + ",5"


def format_time(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def midnight_after(now: float, days: int) -> str:
    """Midnight UTC of the day DAYS after NOW, as an RFC 3339 timestamp: the expiration date of a new key."""
    return time.strftime("%Y-%m-%dT00:00:00Z", time.gmtime(now + days * DAY))


def days_until(expiration: Optional[str], now: float) -> Optional[int]:
    """Whole days from ``now`` until an expiration date (negative when past); None without a readable date."""
    try:
        when = parse_time(expiration)
    except InputError:
        return None
    return None if when is None else int((when - now) // DAY)


KEYS_PATH = "/api/v2/keys"


def key_endpoint(session: Session, instance: dict) -> str:
    """The key-management base URL of a KMS instance (resource instance JSON).

    As for IBM's Terraform provider, an explicit ``key_protect`` endpoint (IBMCLOUD_KP_API_ENDPOINT) serves every
    KMS instance, HPCS included, and may end in /api/v2/keys (``{instance_id}`` in it is replaced by the guid).
    ``hpcs`` (IBMCLOUD_HPCS_API_ENDPOINT) is the HPCS broker, never a key API. Otherwise the instance's own public
    or private endpoint, as the Resource Controller publishes it; for Key Protect, the documented host of the
    instance's region when none is published.
    """
    guid = instance.get("guid", "")
    if is_overridden("key_protect", session.settings.endpoints):
        url = session.url("key_protect").replace("{instance_id}", guid).rstrip("/")
        return url[: -len(KEYS_PATH)] if url.endswith(KEYS_PATH) else url
    endpoints = ((instance.get("extensions") or {}).get("endpoints")) or {}
    published = endpoints.get(session.settings.endpoint_type)
    if published:
        return published.rstrip("/")
    crn_parts = (instance.get("crn") or "").split(":")
    region = instance.get("region_id") or (crn_parts[5] if len(crn_parts) > 5 else "") or session.settings.region
    if crn_service(instance.get("crn", "")) != "hs-crypto":
        return service_url("key_protect", region=region, endpoint_type=session.settings.endpoint_type, environ={})
    raise InputError(
        f"HPCS instance {instance.get('name') or guid} publishes no {session.settings.endpoint_type} key-management "
        "endpoint: set endpoints.key_protect (or IBMCLOUD_KP_API_ENDPOINT) to its key API, "
        "https://api.<region>.hs-crypto.cloud.ibm.com:<port> (ibmcloud hpcs instance shows it)."
    )


def is_uninitialized(error: IBMCloudError) -> bool:
    if isinstance(error, NotInitializedError):
        return True
    texts = [error.code or "", error.message] + [str(r.get("code")) for r in error.reasons]
    return error.status == 400 and any(UNINITIALIZED_MARK in text for text in texts)


def not_initialized(instance: dict, error: Optional[IBMCloudError] = None) -> NotInitializedError:
    """The one message for an uninitialized HPCS instance, whether it refused a read or only a crypto operation."""
    return NotInitializedError(
        f"The Hyper Protect Crypto Services instance {instance.get('name') or ''} ({instance.get('guid')}) is not "
        "initialized, so it cannot hold or use keys yet.",
        status=error.status if error else None,
        code=error.code if error else None,
        hint=HPCS_INIT_HINT,
    )


class KmsClient(JsonService):
    """Calls on one KMS instance (the ``Bluemix-Instance`` header is set on every request)."""

    def __init__(self, session: Session, instance: dict) -> None:
        self.instance = instance
        self.instance_id = instance["guid"]
        super().__init__(session, key_endpoint(session, instance), {"Bluemix-Instance": self.instance_id})

    def request(self, method: str, path: str, **options: Any) -> Any:
        """Every key call: an uninitialized HPCS refusal, on a read or on a crypto operation alike, becomes
        NotInitializedError with one clear message."""
        try:
            return super().request(method, path, **options)
        except IBMCloudError as error:
            raise not_initialized(self.instance, error) if is_uninitialized(error) else error from None

    def create(self, path: str, **options: Any) -> Any:
        try:
            return super().create(path, **options)
        except IBMCloudError as error:
            raise not_initialized(self.instance, error) if is_uninitialized(error) else error from None

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

    def get_key(self, id_or_alias: str) -> Optional[dict]:
        """A key's metadata by id or alias (deleted keys too, with state 5); None when unknown."""
        try:
            result = self.request(
                "GET", f"/api/v2/keys/{quote(id_or_alias, safe='')}/metadata", what="get key", hint=READER_HINT
            )
        except NotFoundError:
            return None
        resources = (result or {}).get("resources") or []
        return resources[0] if resources else None

    def find_root_key(self, ref: str) -> Optional[dict]:
        """The key a root_key option names: by id or alias, else the one root key with that name (a deleted key only by
        id or alias). The one key finder of prerequisites_info and cluster_kms."""
        key = self.get_key(ref)
        if key is not None and key.get("state") != DESTROYED:
            return key
        named = self.keys_named(ref)
        return named[0] if len(named) == 1 else key

    def registrations(self, key_id: Optional[str] = None, resource_crn: Optional[str] = None) -> list:
        """Registrations (cloud resources protected by a key) of one key or of every key, all pages."""
        path = f"/api/v2/keys/{quote(key_id, safe='')}/registrations" if key_id else "/api/v2/keys/registrations"
        found: list = []
        while True:
            params = {"limit": 200, "offset": len(found), "urlEncodedResourceCRNQuery": resource_crn}
            page = (self.request("GET", path, params=params, what="list registrations", hint=READER_HINT) or {}).get(
                "resources"
            ) or []
            found.extend(page)
            if len(page) < 200:
                return found

    # -- key operations (root_key, root_key_info) ------------------------------------------------
    def list_root_keys(self, *, search: Optional[str] = None, include_deleted: bool = False) -> list:
        """Every root key (``extractable: false``) of the instance, all pages; deleted ones only on request."""
        found: list = []
        states = ALL_KEY_STATES if include_deleted else LIVE_KEY_STATES
        while True:
            params = {"limit": PAGE, "offset": len(found), "state": states, "extractable": "false", "search": search}
            page = (self.request("GET", "/api/v2/keys", params=params, what="list keys", hint=READER_HINT) or {}).get(
                "resources"
            ) or []
            found.extend(page)
            if len(page) < PAGE:
                return found

    def keys_named(self, name: str, *, include_deleted: bool = False) -> list:
        """Root keys whose name is exactly ``name`` (the search narrows, the comparison decides)."""
        keys = self.list_root_keys(search=f"exact:name:escape:{name}", include_deleted=include_deleted)
        return [key for key in keys if key.get("name") == name]

    def create_key(self, spec: dict, *, key_ring: Optional[str] = None, find: Callable[[], Optional[dict]]) -> dict:
        """Create a key from an API resource (name, aliases, description, extractable, expirationDate).

        Never retried blind: after an ambiguous failure ``find`` looks for the key before creating again.
        """
        body = {
            "metadata": {"collectionType": KEY_TYPE, "collectionTotal": 1},
            "resources": [{"type": KEY_TYPE, **spec}],
        }
        headers = {"Prefer": "return=representation", **({"X-Kms-Key-Ring": key_ring} if key_ring else {})}

        def found() -> Optional[dict]:
            key = find()
            return None if key is None else {"resources": [key]}

        result = self.create(
            "/api/v2/keys",
            body=body,
            content_type=KEY_TYPE,
            headers=headers,
            find=found,
            what=f"create key {spec.get('name')}",
            hint=WRITER_HINT,
        )
        return ((result or {}).get("resources") or [{}])[0]

    def key_action(self, key_id: str, action: str) -> None:
        """POST /keys/{id}/actions/<action>: rotate, enable, disable, setKeyForDeletion, unsetKeyForDeletion."""
        hint = WRITER_HINT if action == "rotate" else MANAGER_HINT
        self.request(
            "POST",
            f"/api/v2/keys/{quote(key_id, safe='')}/actions/{action}",
            what=f"{action} key",
            hint=hint,
            headers={"Prefer": "return=minimal"},
        )

    def rotate_key(self, key_id: str) -> None:
        self.key_action(key_id, "rotate")

    def enable_key(self, key_id: str) -> None:
        self.key_action(key_id, "enable")

    def disable_key(self, key_id: str) -> None:
        self.key_action(key_id, "disable")

    def delete_key(self, key_id: str, *, force: bool = False) -> None:
        """Delete (destroy) a key; an already deleted or unknown key counts as gone."""
        try:
            self.request(
                "DELETE",
                f"/api/v2/keys/{quote(key_id, safe='')}",
                params={"force": "true" if force else None},
                headers={"Prefer": "return=minimal"},
                what="delete key",
                hint=MANAGER_HINT,
            )
        except (NotFoundError, GoneError):
            return

    def restore_key(self, key_id: str) -> dict:
        result = self.request(
            "POST",
            f"/api/v2/keys/{quote(key_id, safe='')}/restore",
            what="restore key",
            hint=MANAGER_HINT,
            headers={"Prefer": "return=representation"},
        )
        return ((result or {}).get("resources") or [{}])[0]

    def move_key(self, key_id: str, key_ring: str, current_ring: Optional[str] = None) -> None:
        headers = {"X-Kms-Key-Ring": current_ring} if current_ring else None
        self.request(
            "PATCH",
            f"/api/v2/keys/{quote(key_id, safe='')}",
            body={"keyRingID": key_ring},
            content_type=KEY_TYPE,
            headers=headers,
            what="move key to another key ring",
            hint=MANAGER_HINT,
        )

    def key_policies(self, key_id: str) -> dict:
        """The key's policies by kind: ``{"rotation": {...}, "dualAuthDelete": {...}}`` (only those set)."""
        result = self.request(
            "GET", f"/api/v2/keys/{quote(key_id, safe='')}/policies", what="get key policies", hint=READER_HINT
        )
        policies: dict = {}
        for resource in (result or {}).get("resources") or []:
            for kind in ("rotation", "dualAuthDelete"):
                if kind in resource:
                    policies[kind] = resource[kind]
        return policies

    def set_key_policy(self, key_id: str, kind: str, value: dict) -> None:
        """PUT one key policy: ``rotation`` ({enabled, interval_month}) or ``dualAuthDelete`` ({enabled})."""
        body = {
            "metadata": {"collectionType": POLICY_TYPE, "collectionTotal": 1},
            "resources": [{"type": POLICY_TYPE, kind: value}],
        }
        self.request(
            "PUT",
            f"/api/v2/keys/{quote(key_id, safe='')}/policies",
            params={"policy": kind},
            body=body,
            what=f"set {kind} policy",
            hint=WRITER_HINT,
        )

    def instance_policies(self) -> list:
        """The instance's policies as Key Protect lists them (``policy_type``, ``policy_data``), all in one read."""
        result = self.request("GET", "/api/v2/instance/policies", what="get instance policies", hint=MANAGER_HINT)
        return (result or {}).get("resources") or []

    def set_instance_policy(self, policy_type: str, policy_data: dict) -> None:
        """PUT one instance policy with ``?policy=``, the form that changes no other policy (answered 204)."""
        body = {
            "metadata": {"collectionType": POLICY_TYPE, "collectionTotal": 1},
            "resources": [{"policy_type": policy_type, "policy_data": policy_data}],
        }
        self.request(
            "PUT",
            "/api/v2/instance/policies",
            params={"policy": policy_type},
            body=body,
            what=f"set the {policy_type} instance policy",
            hint=MANAGER_HINT,
        )

    def add_alias(self, key_id: str, alias: str) -> None:
        self.request(
            "POST",
            f"/api/v2/keys/{quote(key_id, safe='')}/aliases/{quote(alias, safe='')}",
            what="add key alias",
            hint=WRITER_HINT,
        )
