# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""Service endpoints: from region and endpoint type, overridable per service.

Precedence: the module's ``endpoints`` option, then the IBM Terraform provider's environment
variables (so one environment serves both tools), then the documented public/private hosts.
"""

from __future__ import annotations

import os
from typing import Mapping, Optional

from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import InputError

# Regions with regional private IAM / Resource Controller hosts.
_REGIONAL_PRIVATE = ("us-south", "us-east")
CONTAINERS_PRIVATE_REGIONS = ("us-south", "us-east", "eu-gb", "eu-de", "jp-tok", "au-syd", "jp-osa", "ca-tor")

ENV_VARS = {
    "iam": "IBMCLOUD_IAM_API_ENDPOINT",
    "iam_policy": "IBMCLOUD_IAMPAP_API_ENDPOINT",
    "resource_controller": "IBMCLOUD_RESOURCE_CONTROLLER_API_ENDPOINT",
    "resource_manager": "IBMCLOUD_RESOURCE_MANAGEMENT_API_ENDPOINT",
    "global_catalog": "IBMCLOUD_RESOURCE_CATALOG_API_ENDPOINT",
    "key_protect": "IBMCLOUD_KP_API_ENDPOINT",
    "hpcs": "IBMCLOUD_HPCS_API_ENDPOINT",
    "containers": "IBMCLOUD_CS_API_ENDPOINT",
    "global_tagging": "IBMCLOUD_GT_API_ENDPOINT",
    "vpc_metadata": "IBMCLOUD_CR_VPC_URL",  # the ibmcloud CLI's (login --vpc-cri)
}
SERVICES = tuple(ENV_VARS)


def _iam(region: str, private: bool) -> str:
    if not private:
        return "https://iam.cloud.ibm.com"
    if region in _REGIONAL_PRIVATE:
        return f"https://private.{region}.iam.cloud.ibm.com"
    return "https://private.iam.cloud.ibm.com"


def _resource_controller(region: str, private: bool) -> str:
    if not private:
        return "https://resource-controller.cloud.ibm.com"
    if region in _REGIONAL_PRIVATE:
        return f"https://private.{region}.resource-controller.cloud.ibm.com"
    return "https://private.resource-controller.cloud.ibm.com"


def _global_catalog(region: str, private: bool) -> str:
    # bluemix-go endpoints.go ResourceCatalogEndpoint: private hosts in us-south and us-east, us-south elsewhere.
    if not private:
        return "https://globalcatalog.cloud.ibm.com"
    return f"https://private.{region if region in _REGIONAL_PRIVATE else 'us-south'}.globalcatalog.cloud.ibm.com"


def _key_protect(region: str, private: bool) -> str:
    return f"https://{'private.' if private else ''}{region}.kms.cloud.ibm.com"


def _hpcs(region: str, private: bool) -> str:
    return f"https://{region}.broker.hs-crypto.cloud.ibm.com"


def _containers(region: str, private: bool) -> str:
    if private and region in CONTAINERS_PRIVATE_REGIONS:
        return f"https://private.{region}.containers.cloud.ibm.com/global"
    return "https://containers.cloud.ibm.com/global"


def _global_tagging(region: str, private: bool) -> str:
    # Private Global Tagging is regional and only in us-south and us-east; like the Terraform provider (bluemix-go
    # endpoints.go: "there is no global private endpoint"), other regions use us-south's.
    if not private:
        return "https://tags.global-search-tagging.cloud.ibm.com"
    host_region = region if region in _REGIONAL_PRIVATE else "us-south"
    return f"https://tags.private.{host_region}.global-search-tagging.cloud.ibm.com"


def _vpc_metadata(region: str, private: bool) -> str:
    # ibm-cloud-sdk-core VPCInstanceTokenManager.DEFAULT_IMS_ENDPOINT: link-local, reachable from the virtual server
    return "http://169.254.169.254"


_DEFAULTS = {
    "iam": _iam,
    "iam_policy": _iam,
    "resource_controller": _resource_controller,
    "resource_manager": _resource_controller,
    "global_catalog": _global_catalog,
    "key_protect": _key_protect,
    "hpcs": _hpcs,
    "containers": _containers,
    "global_tagging": _global_tagging,
    "vpc_metadata": _vpc_metadata,
}


def check_overrides(overrides: Optional[Mapping[str, str]]) -> None:
    unknown = sorted(set(overrides or {}) - set(SERVICES))
    if unknown:
        raise InputError(f"Unknown service in endpoints: {', '.join(unknown)}. Use any of: {', '.join(SERVICES)}.")


def service_url(
    service: str,
    *,
    region: str,
    endpoint_type: str = "public",
    overrides: Optional[Mapping[str, str]] = None,
    environ: Optional[Mapping[str, str]] = None,
) -> str:
    """The base URL of ``service`` (no trailing slash)."""
    environ = os.environ if environ is None else environ
    explicit = (overrides or {}).get(service) or (environ.get(ENV_VARS[service]) if ENV_VARS[service] else None)
    if explicit:
        return explicit.rstrip("/")
    return _DEFAULTS[service](region, endpoint_type == "private")


def is_overridden(
    service: str, overrides: Optional[Mapping[str, str]] = None, environ: Optional[Mapping[str, str]] = None
) -> bool:
    environ = os.environ if environ is None else environ
    return bool((overrides or {}).get(service) or (ENV_VARS[service] and environ.get(ENV_VARS[service])))
