# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""Resource Controller and Resource Manager: KMS service instances and resource groups."""

from __future__ import annotations

import traceback
from functools import partial
from typing import Any, Dict, Optional
from urllib.parse import parse_qs, urlparse

from ansible_collections.ibmcloud.kms.plugins.module_utils._catalog import CatalogClient
from ansible_collections.ibmcloud.kms.plugins.module_utils._client import Session
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import (
    IBMCloudError,
    InputError,
    NotFoundError,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._validate import GUID_RE as UUID_RE
from ansible_collections.ibmcloud.kms.plugins.module_utils._wait import wait_until

PLATFORM_IMPORT_ERROR: Optional[str]
try:
    from ibm_platform_services import ResourceControllerV2, ResourceManagerV2
except ImportError:
    HAS_PLATFORM_SERVICES = False
    PLATFORM_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_PLATFORM_SERVICES = True
    PLATFORM_IMPORT_ERROR = None

# The collection's service names, their CRN service segment (also their Global Catalog name) and default plan.
# Catalog ids are looked up by name in the Global Catalog when an instance is created (_catalog.py).
SERVICES: Dict[str, Dict[str, Any]] = {
    "key-protect": {"crn_name": "kms", "default_plan": "tiered-pricing"},
    "hs-crypto": {"crn_name": "hs-crypto", "default_plan": "standard"},
}
# Plan names shown for plan ids IBM publishes (keyprotect-python-client redstone/client.py KEYPROTECT_PLAN_IDS);
# other plans show their id. Only for display: nothing is looked up or created by these ids.
KNOWN_PLAN_NAMES = {
    "eedd3585-90c6-4c8f-be3d-062069e99fc3": "tiered-pricing",
    "4e853ad3-5820-49c7-8d07-a179fb15b9ee": "cross-region-resiliency",
}
SERVICE_BY_CRN_NAME = {entry["crn_name"]: name for name, entry in SERVICES.items()}
GONE_STATES = ("removed", "pending_reclamation")
EDITOR_HINT = "Creating or deleting a KMS instance needs the Editor platform role on the KMS service."
VIEWER_HINT = "Reading KMS instances needs the Viewer platform role on the KMS service."


def crn_service(crn: str) -> Optional[str]:
    """The collection's service name (key-protect, hs-crypto) of an instance CRN, or None."""
    parts = (crn or "").split(":")
    return SERVICE_BY_CRN_NAME.get(parts[4]) if len(parts) > 4 else None


def group_label(name: Optional[str], group_id: Optional[str]) -> str:
    """A resource group for messages: 'name (id)', or the id alone when the name is not known."""
    return f"{name} ({group_id})" if name and name != group_id else str(group_id)


def plan_name(resource_plan_id: str) -> str:
    return KNOWN_PLAN_NAMES.get(resource_plan_id, resource_plan_id)


def describe_instance(raw: dict) -> dict:
    """The collection's view of a resource instance (snake_case API field names)."""
    service = crn_service(raw.get("crn", ""))
    endpoints = ((raw.get("extensions") or {}).get("endpoints")) or {}
    return {
        "guid": raw.get("guid"),
        "id": raw.get("id"),
        "crn": raw.get("crn"),
        "name": raw.get("name"),
        "service": service,
        "plan": plan_name(raw.get("resource_plan_id") or ""),
        "resource_plan_id": raw.get("resource_plan_id"),
        "state": raw.get("state"),
        "region": raw.get("region_id"),
        "resource_group_id": raw.get("resource_group_id"),
        "account_id": raw.get("account_id"),
        "parameters": raw.get("parameters") or {},
        "endpoints": {"public": endpoints.get("public"), "private": endpoints.get("private")},
        "last_operation": raw.get("last_operation") or {},
        "created_at": raw.get("created_at"),
    }


def survivor(instances: list) -> dict:
    """The instance every job keeps when parallel jobs created several of one name: the oldest (creation time,
    then guid). Each job sees every instance created before its own, so each picks the same one."""
    return min(instances, key=lambda i: (i.get("created_at") or "", i.get("guid") or ""))


def _next_start(next_url: Optional[str]) -> Optional[str]:
    """The ``start`` token of Resource Controller's next_url, or None on the last page."""
    if not next_url:
        return None
    return parse_qs(urlparse(next_url).query).get("start", [None])[0]


class ResourceClient:
    """KMS instances and resource groups through IBM's platform-services clients."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._catalog: Optional[CatalogClient] = None

    @property
    def controller(self) -> Any:
        return self.session.service(ResourceControllerV2, self.session.url("resource_controller"))

    @property
    def manager(self) -> Any:
        return self.session.service(ResourceManagerV2, self.session.url("resource_manager"))

    def plan_id(self, service: str, plan: Optional[str]) -> str:
        """The catalog id of PLAN (a name, or already an id; the service's default plan when not given)."""
        plan = plan or SERVICES[service]["default_plan"]
        if UUID_RE.match(plan):
            return plan
        if self._catalog is None:
            self._catalog = CatalogClient(self.session)
        return self._catalog.plan_id(SERVICES[service]["crn_name"], plan)

    # -- resource groups ---------------------------------------------------------------
    def resource_group_id(self, name_or_id: Optional[str]) -> str:
        """The id of a group given by name or id; the account's default group when not given."""
        return self.resource_group(name_or_id)["id"]

    def resource_group(self, name_or_id: Optional[str]) -> dict:
        """The group (``id``, ``name``) given by name or id; the account's default group when not given."""
        account_id = self.session.account_id
        if not name_or_id:
            groups = self._groups(account_id=account_id, default=True)
            if not groups:
                raise InputError("The account has no default resource group; set resource_group.")
            return groups[0]
        groups = self._groups(account_id=account_id)
        for group in groups:
            if name_or_id in (group["id"], group["name"]):
                return group
        known = ", ".join(sorted(g["name"] for g in groups)) or "none visible"
        raise InputError(f"Resource group {name_or_id!r} not found in account {account_id} (known: {known}).")

    def _groups(self, **filters: Any) -> list:
        result = self.session.call(
            lambda: self.manager.list_resource_groups(**filters), method="GET", what="list resource groups"
        )
        return result.get("resources", []) if result else []

    # -- instances ---------------------------------------------------------------------
    def list_instances(self, *, service: Optional[str] = None, **filters: Any) -> list:
        """Active and provisioning KMS instances (all pages), optionally of one KMS service: told apart by the service
        segment of their CRN, not by a catalog id."""
        found: list = []
        start: Optional[str] = None
        while True:
            page = (
                self.session.call(
                    partial(self.controller.list_resource_instances, start=start, limit=100, **filters),
                    method="GET",
                    what="list resource instances",
                    hint=VIEWER_HINT,
                )
                or {}
            )
            found.extend(page.get("resources", []))
            start = _next_start(page.get("next_url"))
            if not start:
                break
        return [i for i in found if crn_service(i.get("crn", "")) and (not service or crn_service(i["crn"]) == service)]

    def get_instance(self, guid_or_crn: str) -> Optional[dict]:
        try:
            raw = self.session.call(
                lambda: self.controller.get_resource_instance(guid_or_crn),
                method="GET",
                what="get resource instance",
                hint=VIEWER_HINT,
            )
        except NotFoundError:
            return None
        return raw if raw and raw.get("state") not in GONE_STATES else None

    def find_instances(self, *, name: str, service: str, resource_group_id: str, region: str) -> list:
        """The instances with this name, service, group and region."""
        return [
            i
            for i in self.list_instances(service=service, name=name, resource_group_id=resource_group_id)
            if i.get("region_id") == region and i.get("name") == name
        ]

    def find_instance(self, *, name: str, service: str, resource_group_id: str, region: str) -> Optional[dict]:
        """The one instance with this name, service, group and region; several is an error."""
        matches = self.find_instances(name=name, service=service, resource_group_id=resource_group_id, region=region)
        if len(matches) > 1:
            listing = ", ".join(f"{i['guid']} ({i['state']}, created {i.get('created_at')})" for i in matches)
            raise InputError(
                f"{len(matches)} {service} instances are named {name!r} in this resource group and region: {listing}.",
                hint="Address one by guid. Rename the others rather than delete them: deleting an instance "
                "deletes its keys, and a cluster whose root key is in it becomes unusable "
                "(ibmcloud.kms.cluster_kms_info shows which instance each cluster uses).",
            )
        return matches[0] if matches else None

    def find_shared_instance(self, *, name: str, service: str, resource_group_id: str, region: str) -> tuple:
        """(the instance with this name, service, group and region that every job uses, a warning or None): with
        several, the survivor(), since parallel jobs that created one each at the same moment all keep that one."""
        matches = self.find_instances(name=name, service=service, resource_group_id=resource_group_id, region=region)
        if len(matches) < 2:
            return (matches[0] if matches else None), None
        keep = survivor(matches)
        others = ", ".join(f"{i['guid']} ({i['state']})" for i in matches if i is not keep)
        return keep, (
            f"{len(matches)} {service} instances are named {name!r} in this resource group and region; this task "
            f"uses the oldest, {keep['guid']}, as every run does. The others: {others}. A parallel job deletes the "
            "one it made at the same moment; rename any other rather than delete it: deleting an instance deletes its "
            "keys, and a cluster whose root key is in it becomes unusable."
        )

    def lookup_instances(self, ref: str) -> list:
        """KMS instances by guid or CRN (0 or 1) or by name (0 or more)."""
        if ref.startswith("crn:") or UUID_RE.match(ref):
            raw = self.get_instance(ref)
            return [raw] if raw is not None and crn_service(raw.get("crn", "")) else []
        return [i for i in self.list_instances(name=ref) if i.get("name") == ref]

    def resolve_instance(self, ref: str) -> dict:
        """The one active KMS instance with this guid, CRN or name."""
        matches = self.lookup_instances(ref)
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise InputError(f"No Key Protect or Hyper Protect Crypto Services instance {ref!r} was found.")
        listing = ", ".join(f"{i['guid']} ({crn_service(i['crn'])}, {i['region_id']})" for i in matches)
        raise InputError(
            f"{len(matches)} KMS instances are named {ref!r}: {listing}. Give the instance guid or CRN instead."
        )

    def create_instance(
        self,
        *,
        name: str,
        service: str,
        plan: Optional[str],
        resource_group_id: str,
        region: str,
        parameters: Optional[dict],
    ) -> dict:
        resource_plan_id = self.plan_id(service, plan)

        def create() -> Any:
            return self.controller.create_resource_instance(
                name=name,
                target=region,
                resource_group=resource_group_id,
                resource_plan_id=resource_plan_id,
                parameters=parameters or None,
            )

        def find() -> Optional[dict]:
            return self.find_instance(name=name, service=service, resource_group_id=resource_group_id, region=region)

        return self.session.create(create, find, what=f"create {service} instance {name}", hint=EDITOR_HINT)

    def delete_instance(self, guid: str) -> None:
        try:
            self.session.call(
                lambda: self.controller.delete_resource_instance(guid, recursive=False),
                method="DELETE",
                what="delete resource instance",
                hint=EDITOR_HINT,
            )
        except NotFoundError:
            return

    def wait_active(self, guid: str, timeout: float) -> tuple:
        def done(raw: Optional[dict]) -> bool:
            if raw is None:
                raise IBMCloudError(f"Instance {guid} disappeared while provisioning.")
            operation = raw.get("last_operation") or {}
            if raw.get("state") == "failed" or operation.get("state") == "failed":
                raise IBMCloudError(
                    f"Provisioning of instance {guid} failed: {operation.get('description') or raw.get('state')}"
                )
            return raw.get("state") == "active"

        return wait_until(
            lambda: self.get_instance(guid),
            done,
            timeout=timeout,
            what=f"instance {guid} to become active",
            describe=lambda raw: (raw or {}).get("state", "gone"),
        )

    def wait_gone(self, guid: str, timeout: float) -> tuple:
        return wait_until(
            lambda: self.get_instance(guid),
            lambda raw: raw is None,
            timeout=timeout,
            what=f"instance {guid} to be deleted",
            describe=lambda raw: (raw or {}).get("state", "gone"),
        )
