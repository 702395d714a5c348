# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.ibmcloud.kms.plugins.module_utils._endpoints import check_overrides, service_url
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import InputError

# (service, region, endpoint type, overrides, environment, expected)
CASES = [
    ("iam", "us-south", "public", {}, {}, "https://iam.cloud.ibm.com"),
    ("iam", "us-south", "private", {}, {}, "https://private.us-south.iam.cloud.ibm.com"),
    ("iam", "eu-de", "private", {}, {}, "https://private.iam.cloud.ibm.com"),
    ("resource_controller", "eu-de", "public", {}, {}, "https://resource-controller.cloud.ibm.com"),
    ("resource_manager", "us-east", "private", {}, {}, "https://private.us-east.resource-controller.cloud.ibm.com"),
    ("key_protect", "eu-de", "public", {}, {}, "https://eu-de.kms.cloud.ibm.com"),
    ("key_protect", "eu-de", "private", {}, {}, "https://private.eu-de.kms.cloud.ibm.com"),
    ("containers", "eu-de", "private", {}, {}, "https://private.eu-de.containers.cloud.ibm.com/global"),
    ("containers", "br-sao", "private", {}, {}, "https://containers.cloud.ibm.com/global"),
    ("global_tagging", "eu-de", "public", {}, {}, "https://tags.global-search-tagging.cloud.ibm.com"),
    ("global_tagging", "us-east", "private", {}, {}, "https://tags.private.us-east.global-search-tagging.cloud.ibm.com"),
    ("global_tagging", "us-south", "private", {}, {}, "https://tags.private.us-south.global-search-tagging.cloud.ibm.com"),
    ("global_tagging", "eu-de", "private", {}, {}, "https://tags.private.us-south.global-search-tagging.cloud.ibm.com"),
    ("global_catalog", "eu-de", "public", {}, {}, "https://globalcatalog.cloud.ibm.com"),
    ("global_catalog", "us-east", "private", {}, {}, "https://private.us-east.globalcatalog.cloud.ibm.com"),
    ("global_catalog", "eu-de", "private", {}, {}, "https://private.us-south.globalcatalog.cloud.ibm.com"),
    ("global_catalog", "eu-de", "public", {}, {"IBMCLOUD_RESOURCE_CATALOG_API_ENDPOINT": "http://gc:1"}, "http://gc:1"),
    ("iam", "us-south", "public", {}, {"IBMCLOUD_IAM_API_ENDPOINT": "http://emu:1/"}, "http://emu:1"),
    ("containers", "us-south", "public", {}, {"IBMCLOUD_CS_API_ENDPOINT": "http://emu:1/global"}, "http://emu:1/global"),
    ("iam", "us-south", "public", {"iam": "http://opt:2"}, {"IBMCLOUD_IAM_API_ENDPOINT": "http://env:1"}, "http://opt:2"),
]


@pytest.mark.parametrize("service, region, endpoint_type, overrides, environ, expected", CASES)
def test_service_url(service, region, endpoint_type, overrides, environ, expected):
    assert service_url(service, region=region, endpoint_type=endpoint_type, overrides=overrides,
                       environ=environ) == expected


def test_unknown_override_names_the_choices():
    with pytest.raises(InputError, match="Unknown service in endpoints: kp.*key_protect"):
        check_overrides({"kp": "http://x"})
