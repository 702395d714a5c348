"""Resource Manager v2: IBM's ResourceManagerV2 client plus wire-level checks."""

from __future__ import annotations

import pytest
from ibm_cloud_sdk_core import ApiException
from ibm_cloud_sdk_core.authenticators import IAMAuthenticator
from ibm_platform_services import ResourceManagerV2

from conftest import token_for
from ibmcloud_emulator.seed import KMS_ACCOUNT, MAIN_ACCOUNT


def manager(base_url, apikey="emulator-admin-key"):
    service = ResourceManagerV2(authenticator=IAMAuthenticator(apikey, url=base_url))
    service.set_service_url(base_url)
    return service


@pytest.mark.parametrize(
    "apikey, kwargs, expected",
    [
        ("emulator-admin-key", {"account_id": MAIN_ACCOUNT}, ["Default", "prod"]),
        ("emulator-admin-key", {}, ["Default", "prod"]),
        ("emulator-admin-key", {"account_id": MAIN_ACCOUNT, "default": True}, ["Default"]),
        ("emulator-admin-key", {"account_id": MAIN_ACCOUNT, "default": False}, ["prod"]),
        ("emulator-admin-key", {"account_id": MAIN_ACCOUNT, "name": "prod"}, ["prod"]),
        ("emulator-admin-key", {"account_id": MAIN_ACCOUNT, "name": "nope"}, []),
        ("emulator-admin-key", {"account_id": MAIN_ACCOUNT, "include_deleted": True}, ["Default", "prod"]),
        ("emulator-viewer-key", {"account_id": MAIN_ACCOUNT}, ["Default", "prod"]),
        ("emulator-kms-account-key", {}, ["Default"]),
    ],
)
def test_sdk_list_resource_groups(base_url, apikey, kwargs, expected):
    result = manager(base_url, apikey).list_resource_groups(**kwargs).get_result()
    assert sorted(g["name"] for g in result["resources"]) == expected
    for group in result["resources"]:
        assert group["state"] == "ACTIVE" and group["id"] in group["crn"]


def test_sdk_default_group_shape(base_url, world):
    group = manager(base_url).list_resource_groups(account_id=MAIN_ACCOUNT, default=True).get_result()["resources"][0]
    assert group["id"] == world.default_resource_group(MAIN_ACCOUNT)["id"]
    assert group["account_id"] == MAIN_ACCOUNT and group["default"] is True
    assert {"quota_id", "quota_url", "payment_methods_url", "teams_url", "created_at", "updated_at"} <= group.keys()


def test_sdk_other_account_is_forbidden(base_url):
    with pytest.raises(ApiException) as caught:
        manager(base_url, "emulator-kms-account-key").list_resource_groups(account_id=MAIN_ACCOUNT)
    assert caught.value.status_code == 403


def test_sdk_get_resource_group(base_url, world):
    gid = world.resource_group_by_name(MAIN_ACCOUNT, "prod")["id"]
    assert manager(base_url).get_resource_group(gid).get_result()["name"] == "prod"


@pytest.mark.parametrize(
    "apikey, account, group, status",
    [
        ("emulator-admin-key", MAIN_ACCOUNT, "Default", 200),
        ("emulator-viewer-key", MAIN_ACCOUNT, "prod", 200),
        ("emulator-kms-account-key", MAIN_ACCOUNT, "Default", 403),
        ("emulator-kms-account-key", KMS_ACCOUNT, "Default", 200),
        ("emulator-admin-key", KMS_ACCOUNT, "Default", 403),
    ],
)
def test_get_group_access(client, world, apikey, account, group, status):
    gid = world.resource_group_by_name(account, group)["id"]
    response = client.get(f"/v2/resource_groups/{gid}", headers={"Authorization": "Bearer " + token_for(client, apikey)})
    assert response.status_code == status
    if status == 200:
        assert response.get_json()["id"] == gid


@pytest.mark.parametrize(
    "path, status, code",
    [
        ("/v2/resource_groups/no-such-group", 404, "not_found"),
        ("/v2/resource_groups?default=maybe", 400, "invalid_query"),
        ("/v2/resource_groups?include_deleted=1", 400, "invalid_query"),
    ],
)
def test_errors(client, path, status, code):
    response = client.get(path, headers={"Authorization": "Bearer " + token_for(client)})
    assert response.status_code == status
    assert response.get_json()["errors"][0]["code"] == code


@pytest.mark.parametrize("path", ["/v2/resource_groups", "/v2/resource_groups/x"])
def test_unauthenticated_is_401(client, path):
    response = client.get(path)
    assert response.status_code == 401 and response.get_json()["errors"][0]["code"] == "unauthorized"


def test_deleted_groups_only_with_include_deleted(client, world):
    gid = world.resource_group_by_name(MAIN_ACCOUNT, "prod")["id"]
    world.data["resource_groups"][gid]["state"] = "DELETED"
    headers = {"Authorization": "Bearer " + token_for(client)}
    names = [g["name"] for g in client.get("/v2/resource_groups", headers=headers).get_json()["resources"]]
    assert names == ["Default"]
    query = "/v2/resource_groups?include_deleted=true"
    assert len(client.get(query, headers=headers).get_json()["resources"]) == 2
