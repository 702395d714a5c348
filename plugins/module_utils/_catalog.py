# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""Global Catalog: the catalog ids of a KMS service's plans, looked up by name.

The Terraform provider's ``ibm_resource_instance`` does the same (bluemix-go ``resource_catalog.go``: ``FindByName``
searches ``GET /api/v1?q=<name>`` and keeps entries of kind ``service`` or ``iaas`` named exactly so, children
included; ``GetServicePlanID`` lists ``GET /api/v1/<service id>/plan`` and matches the plan's ``name``). No id is
written into the collection. Answers are kept for the rest of the module run.
"""

from __future__ import annotations

import traceback
from typing import Any, Callable, Dict, Optional, Tuple

from ansible_collections.ibmcloud.kms.plugins.module_utils._client import Session
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import IBMCloudError, InputError

CATALOG_IMPORT_ERROR: Optional[str]
try:
    from ibm_platform_services import GlobalCatalogV1
except ImportError:
    HAS_CATALOG = False
    CATALOG_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_CATALOG = True
    CATALOG_IMPORT_ERROR = None

API_PATH = "/api/v1"
PAGE_SIZE = 100
SERVICE_KINDS = ("service", "iaas")
# (catalog URL, service name) -> {plan name: plan id}, and (catalog URL, plan id) -> plan name, for the rest of this
# process (one module run).
_PLANS: Dict[Tuple[str, str], Dict[str, str]] = {}
_PLAN_NAMES: Dict[Tuple[str, str], str] = {}


def api_url(base: str) -> str:
    """The Global Catalog API under BASE: the Terraform provider's IBMCLOUD_RESOURCE_CATALOG_API_ENDPOINT names the
    host only, IBM's Python SDK the API root (``https://globalcatalog.cloud.ibm.com/api/v1``); either works."""
    base = base.rstrip("/")
    return base if base.endswith(API_PATH) else base + API_PATH


def services_named(entries: list, name: str) -> list:
    """The service entries named exactly NAME among ENTRIES and their children (a search also finds entries that only
    mention the name)."""
    found = []
    for entry in entries:
        if entry.get("name") == name and entry.get("kind") in SERVICE_KINDS:
            found.append(entry)
        found.extend(services_named(entry.get("children") or [], name))
    return found


class CatalogClient:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.url = api_url(session.url("global_catalog"))

    @property
    def client(self) -> Any:
        return self.session.service(GlobalCatalogV1, self.url)

    def _all(self, fetch: Callable[[int], Any], what: str) -> list:
        """Every entry of a paged search (``offset``/``limit``; ``count`` is the total)."""
        entries: list = []
        while True:
            page = self.session.call(lambda: fetch(len(entries)), method="GET", what=what) or {}
            resources = page.get("resources") or []
            entries.extend(resources)
            total = page.get("count")
            if (
                not resources
                or (total is not None and len(entries) >= total)
                or (total is None and len(resources) < PAGE_SIZE)
            ):
                return entries

    def plans(self, service_name: str) -> Dict[str, str]:
        """{plan name: plan id} of the catalog service SERVICE_NAME (``kms``, ``hs-crypto``)."""
        cached = _PLANS.get((self.url, service_name))
        if cached is not None:
            return cached
        entries = self._all(
            lambda offset: self.client.list_catalog_entries(q=service_name, offset=offset, limit=PAGE_SIZE),
            what=f"search the Global Catalog for {service_name}",
        )
        services = {entry.get("id") for entry in services_named(entries, service_name) if entry.get("id")}
        if len(services) != 1:
            raise IBMCloudError(
                f"The Global Catalog at {self.url} lists {len(services) or 'no'} service(s) named {service_name!r}, "
                "so the plan id to create an instance with cannot be confirmed; nothing was created. Give the plan "
                "id in 'plan', or check the 'global_catalog' endpoint."
            )
        service_id = services.pop()
        children = self._all(
            lambda offset: self.client.get_child_objects(service_id, "plan", offset=offset, limit=PAGE_SIZE),
            what=f"list the plans of {service_name}",
        )
        found = {entry["name"]: entry["id"] for entry in children if entry.get("name") and entry.get("id")}
        _PLANS[(self.url, service_name)] = found
        _PLAN_NAMES.update({(self.url, plan_id): name for name, plan_id in found.items()})
        return found

    def plan_name(self, plan_id: str) -> str:
        """The name of the plan PLAN_ID, for display; the id itself when the catalog does not say."""
        if (self.url, plan_id) not in _PLAN_NAMES:
            try:
                entry = self.session.call(
                    lambda: self.client.get_catalog_entry(plan_id), method="GET", what="read a catalog plan"
                )
            except IBMCloudError:
                entry = None
            named = (entry or {}).get("kind") == "plan" and (entry or {}).get("name")
            _PLAN_NAMES[(self.url, plan_id)] = named or plan_id
        return _PLAN_NAMES[(self.url, plan_id)]

    def plan_id(self, service_name: str, plan: str) -> str:
        plans = self.plans(service_name)
        if plan not in plans:
            known = ", ".join(sorted(plans)) or "none"
            raise InputError(
                f"{plan!r} is not a plan of {service_name} in the Global Catalog (its plans: {known}). "
                "Use one of them or a plan id."
            )
        return plans[plan]
