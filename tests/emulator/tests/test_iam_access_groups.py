"""IAM Access Groups through IBM's IamAccessGroupsV2 client; roles granted to a group count for its members."""

from __future__ import annotations

import pytest
from ibm_cloud_sdk_core import ApiException
from ibm_cloud_sdk_core.authenticators import IAMAuthenticator
from ibm_platform_services import IamAccessGroupsV2

from ibmcloud_emulator.auth import roles_held
from ibmcloud_emulator.seed import MAIN_ACCOUNT


def groups(base_url, apikey="emulator-admin-key"):
    client = IamAccessGroupsV2(authenticator=IAMAuthenticator(apikey, url=base_url))
    client.set_service_url(base_url)
    return client


def test_the_groups_of_a_member(base_url):
    found = groups(base_url).list_access_groups(MAIN_ACCOUNT, iam_id="IBMid-100000OWND").get_result()
    assert [g["name"] for g in found["groups"]] == ["hpcs-operators"] and found["total_count"] == 1
    assert found["groups"][0]["id"].startswith("AccessGroupId-") and "members" not in found["groups"][0]
    none = groups(base_url).list_access_groups(MAIN_ACCOUNT, iam_id="IBMid-100000OWNP").get_result()
    assert none["groups"] == [] and none["total_count"] == 0


def test_a_group_policy_grants_its_members(world):
    target = {"accountId": MAIN_ACCOUNT, "serviceName": "hs-crypto", "serviceInstance": "x"}
    assert {"Editor", "Writer"} <= roles_held(world, "IBMid-100000OWND", target)
    assert not roles_held(world, "IBMid-100000OWNP", target)


def test_account_id_is_required(client, admin_headers):
    assert client.get("/v2/groups", headers=admin_headers).status_code == 400


def test_a_caller_without_a_role_in_the_account_is_refused(base_url):
    with pytest.raises(ApiException) as caught:
        groups(base_url, "emulator-kms-account-key").list_access_groups(MAIN_ACCOUNT)
    assert caught.value.status_code == 403
