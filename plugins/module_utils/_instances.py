# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""What kms_instance and kms_instance_info share: the returned view of an instance and its checks."""

from __future__ import annotations

from typing import Optional, Tuple

from ansible_collections.ibmcloud.kms.plugins.module_utils._catalog import CatalogClient
from ansible_collections.ibmcloud.kms.plugins.module_utils._client import Session
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import IBMCloudError
from ansible_collections.ibmcloud.kms.plugins.module_utils._kms import ALL_KEY_STATES, KmsClient
from ansible_collections.ibmcloud.kms.plugins.module_utils._resource_controller import (
    HAS_PLATFORM_SERVICES,
    PLATFORM_IMPORT_ERROR,
    SERVICES,
    ResourceClient,
    describe_instance,
    survivor,
)

NEEDS = {"ibm-platform-services": (HAS_PLATFORM_SERVICES, PLATFORM_IMPORT_ERROR)}


def instance_view(session: Session, raw: dict) -> dict:
    """describe_instance() plus ``initialized``, asked of the key API for an active HPCS instance, and the name of a
    plan the collection does not know, asked of the Global Catalog."""
    view = describe_instance(raw)
    if view["resource_plan_id"] and view["plan"] == view["resource_plan_id"]:
        view["plan"] = CatalogClient(session).plan_name(view["resource_plan_id"])
    if view["service"] != "hs-crypto":
        view["initialized"] = True
    elif not view["guid"]:
        view["initialized"] = False  # a new instance, predicted in check mode, starts uninitialized
    elif view["state"] != "active":
        view["initialized"] = None
    else:
        view["initialized"] = KmsClient(session, raw).is_initialized()
    return view


def predicted_instance(want: dict, account_id: str, resource_plan_id: str) -> dict:
    """The Resource Controller record a create would give, for check mode (no guid yet)."""
    crn_name = SERVICES[want["service"]]["crn_name"]
    return {
        "guid": None,
        "id": None,
        "crn": f"crn:v1:bluemix:public:{crn_name}:{want['region']}:a/{account_id}:::",
        "name": want["name"],
        "resource_plan_id": resource_plan_id,
        "state": "active",
        "region_id": want["region"],
        "resource_group_id": want["resource_group_id"],
        "account_id": account_id,
        "parameters": want["parameters"] or {},
    }


def drift_warnings(current: Optional[dict], want: dict, wanted_plan: Optional[str] = None) -> list:
    """Differences this module reports but does not change on an existing instance (WANTED_PLAN: the id of the plan
    asked for, None when none was)."""
    if current is None:
        return []
    warnings = []
    if wanted_plan and wanted_plan != current.get("resource_plan_id"):
        warnings.append(
            f"Instance {current['guid']} has plan {current.get('resource_plan_id')}, not "
            f"{want['plan']}; the plan of an existing instance is left unchanged."
        )
    existing = current.get("parameters") or {}
    for name, value in sorted((want["parameters"] or {}).items()):
        if existing.get(name) != value:
            warnings.append(
                f"Instance {current['guid']} has parameter {name}={existing.get(name)!r}, not "
                f"{value!r}; the parameters of an existing instance are left unchanged."
            )
    return warnings


def holds_keys(session: Session, raw: dict) -> Optional[bool]:
    """Whether an instance holds any key (deleted ones too); False while it is not active yet (no key can be made
    in it before), None when that cannot be read."""
    if raw.get("state") != "active":
        return False
    try:
        return bool(KmsClient(session, raw).list_keys(limit=1, state=ALL_KEY_STATES))
    except IBMCloudError:
        return None


def identity(want: dict) -> dict:
    """What identifies the instance kms_instance wants: its name, service, resource group and region."""
    return {k: want[k] for k in ("name", "service", "resource_group_id", "region")}


def keep_one(session: Session, client: ResourceClient, created: dict, want: dict) -> Tuple[dict, Optional[str]]:
    """After this job created CREATED, look again: when parallel jobs (AWX job slicing, several playbook runs)
    created instances of the same name at the same moment, every job uses the survivor(); this job deletes the one
    it created when that is not it and is confirmed empty. Returns (the instance to use, a warning or None)."""
    found = client.find_instances(**identity(want))
    if not any(i.get("guid") == created["guid"] for i in found):
        found.append(created)  # a list that does not show the new instance yet
    keep = survivor(found)
    if keep["guid"] == created["guid"]:
        return created, None
    said = (
        f"{len(found) - 1} other job(s) created an instance named {want['name']!r} at the same moment; this task "
        f"uses the oldest, {keep['guid']}, as every job does"
    )
    if holds_keys(session, created) is not False:
        return keep, (
            f"{said}. The one it created, {created['guid']}, is left in place: it could not be confirmed empty. "
            "Delete it once no cluster uses a key in it."
        )
    client.delete_instance(created["guid"])
    return keep, f"{said}, and deleted the one it had created ({created['guid']}, empty)."
