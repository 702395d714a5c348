"""IAM Identity: API key records through IBM's IamIdentityV1 client plus wire-level checks."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import pytest
from ibm_cloud_sdk_core import ApiException
from ibm_cloud_sdk_core.authenticators import IAMAuthenticator
from ibm_platform_services import IamIdentityV1

from conftest import token_for
from ibmcloud_emulator.iam_identity import (CLUSTER_KEY_NAME, cluster_key_description, find_cluster_key,
                                            parse_cluster_key_description)
from ibmcloud_emulator.seed import KMS_ACCOUNT, MAIN_ACCOUNT

IKS_SECRETS = ["emulator-iks-key-us-south-default", "emulator-iks-key-us-south-prod"]


def identity(base_url, apikey="emulator-admin-key"):
    service = IamIdentityV1(authenticator=IAMAuthenticator(apikey, url=base_url))
    service.set_service_url(base_url)
    return service


def group(world, name):
    return world.resource_group_by_name(MAIN_ACCOUNT, name)["id"]


@pytest.mark.parametrize(
    "apikey, account, iam_id",
    [
        ("emulator-admin-key", MAIN_ACCOUNT, "IBMid-100000ADMN"),
        ("emulator-kms-account-key", KMS_ACCOUNT, "IBMid-100000KMSA"),
        ("emulator-iks-key-us-south-prod", MAIN_ACCOUNT, "IBMid-100000OWNP"),
    ],
)
def test_sdk_api_key_details(base_url, apikey, account, iam_id):
    result = identity(base_url).get_api_keys_details(iam_api_key=apikey).get_result()
    assert (result["account_id"], result["iam_id"]) == (account, iam_id)
    assert "apikey" not in result and result["id"].startswith("ApiKey-")


def test_sdk_unknown_key_details_is_404_in_identity_format(base_url):
    with pytest.raises(ApiException) as caught:
        identity(base_url).get_api_keys_details(iam_api_key="no-such-key")
    assert caught.value.status_code == 404
    assert caught.value.http_response.json()["errorCode"] == "BXNIM0415E"
    assert caught.value.message == "Provided API key could not be found."


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({"account_id": MAIN_ACCOUNT}, ["emulator-admin-key"]),
        ({"account_id": MAIN_ACCOUNT, "scope": "account"}, None),
        ({"account_id": MAIN_ACCOUNT, "iam_id": "IBMid-100000OWNP"}, [CLUSTER_KEY_NAME]),
        ({"account_id": MAIN_ACCOUNT, "scope": "account", "filter": f'name eq "{CLUSTER_KEY_NAME}"'},
         [CLUSTER_KEY_NAME, CLUSTER_KEY_NAME]),
        ({"account_id": MAIN_ACCOUNT, "scope": "account", "filter": 'name sw "emulator-" and name co "view"'},
         ["emulator-viewer-key"]),
        ({"account_id": MAIN_ACCOUNT, "scope": "account", "type": "serviceid"}, []),
        ({"account_id": MAIN_ACCOUNT, "scope": "account", "sort": "name", "order": "desc", "pagesize": 1},
         ["emulator-viewer-key"]),
    ],
)
def test_sdk_list_api_keys(base_url, kwargs, expected):
    result = identity(base_url).list_api_keys(**kwargs).get_result()
    names = [k["name"] for k in result["apikeys"]]
    if expected is None:
        assert len(names) == 4
    else:
        assert names == expected
    assert all(k["account_id"] == MAIN_ACCOUNT and "apikey" not in k for k in result["apikeys"])


def test_listing_never_reveals_key_values(base_url):
    result = identity(base_url).list_api_keys(account_id=MAIN_ACCOUNT, scope="account").get_result()
    text = json.dumps(result)
    assert all(secret not in text for secret in IKS_SECRETS)


@pytest.mark.parametrize("group_name, owner", [("Default", "IBMid-100000OWND"), ("prod", "IBMid-100000OWNP")])
def test_sdk_find_the_cluster_key_of_a_region_and_group(base_url, world, group_name, owner):
    result = identity(base_url).list_api_keys(account_id=MAIN_ACCOUNT, scope="account",
                                              filter=f'name eq "{CLUSTER_KEY_NAME}"').get_result()
    wanted = ("us-south", group(world, group_name))
    matches = [k for k in result["apikeys"] if parse_cluster_key_description(k.get("description", "")) == wanted]
    assert [k["iam_id"] for k in matches] == [owner]
    assert find_cluster_key(world, MAIN_ACCOUNT, *wanted)["iam_id"] == owner


def test_cluster_key_description_round_trips():
    assert parse_cluster_key_description(cluster_key_description("eu-de", "abc123")) == ("eu-de", "abc123")
    assert parse_cluster_key_description("some other key") is None


def test_pagination_follows_next_pagetoken(base_url):
    service = identity(base_url)
    seen, token = [], None
    while True:
        page = service.list_api_keys(account_id=MAIN_ACCOUNT, scope="account", pagesize=2,
                                     pagetoken=token).get_result()
        assert page["limit"] == 2 and len(page["apikeys"]) <= 2
        seen += [k["id"] for k in page["apikeys"]]
        if "next" not in page:
            break
        token = parse_qs(urlparse(page["next"]).query)["pagetoken"][0]
    assert len(seen) == len(set(seen)) == 4


def test_sdk_get_api_key_by_id(base_url, world):
    key_id = world.data["api_keys"]["emulator-iks-key-us-south-prod"]["id"]
    result = identity(base_url).get_api_key(key_id).get_result()
    assert result["iam_id"] == "IBMid-100000OWNP" and result["description"].startswith("Kubernetes Service")


def _headers(client, apikey="emulator-admin-key"):
    return {"Authorization": "Bearer " + token_for(client, apikey)}


@pytest.mark.parametrize(
    "apikey, query, status",
    [
        ("emulator-viewer-key", f"account_id={MAIN_ACCOUNT}&scope=account", 200),
        ("emulator-iks-key-us-south-default", f"account_id={MAIN_ACCOUNT}", 200),
        ("emulator-iks-key-us-south-default", f"account_id={MAIN_ACCOUNT}&scope=account", 403),
        ("emulator-iks-key-us-south-default", f"account_id={MAIN_ACCOUNT}&iam_id=IBMid-100000OWNP", 403),
        ("emulator-kms-account-key", f"account_id={MAIN_ACCOUNT}&scope=account", 403),
        ("emulator-kms-account-key", f"account_id={MAIN_ACCOUNT}", 403),
    ],
)
def test_list_permissions(client, apikey, query, status):
    response = client.get("/v1/apikeys?" + query, headers=_headers(client, apikey))
    assert response.status_code == status
    if status == 403:
        assert response.get_json()["errorCode"] == "BXNIM0513E"


@pytest.mark.parametrize(
    "query",
    ["", "scope=account", f"account_id={MAIN_ACCOUNT}&scope=all", f"account_id={MAIN_ACCOUNT}&pagesize=0",
     f"account_id={MAIN_ACCOUNT}&pagesize=101", f"account_id={MAIN_ACCOUNT}&sort=iam_id",
     f"account_id={MAIN_ACCOUNT}&order=up", f"account_id={MAIN_ACCOUNT}&type=robot",
     f"account_id={MAIN_ACCOUNT}&filter=name%3Dx", f"account_id={MAIN_ACCOUNT}&filter=color%20eq%20%22x%22",
     f"account_id={MAIN_ACCOUNT}&pagetoken=%21%21"],
)
def test_list_rejects_bad_queries(client, query):
    response = client.get("/v1/apikeys?" + query, headers=_headers(client))
    assert response.status_code == 400
    assert response.get_json()["errorCode"] == "BXNIM0109E"


@pytest.mark.parametrize(
    "headers, code",
    [({}, "BXNIM0308E"), ({"Authorization": "Bearer nope"}, "BXNIM0407E"), ({"Authorization": "Basic x"}, "BXNIM0407E")],
)
@pytest.mark.parametrize("path", ["/v1/apikeys", "/v1/apikeys/details", "/v1/apikeys/ApiKey-x"])
def test_unauthenticated_is_401_in_identity_format(client, headers, code, path):
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["errorCode"] == code and "context" in response.get_json()


def test_details_needs_the_header(client):
    response = client.get("/v1/apikeys/details", headers=_headers(client))
    assert response.status_code == 400 and response.get_json()["errorCode"] == "BXNIM0109E"


@pytest.mark.parametrize(
    "apikey, target, status",
    [
        ("emulator-admin-key", "emulator-iks-key-us-south-prod", 200),
        ("emulator-iks-key-us-south-prod", "emulator-iks-key-us-south-prod", 200),
        ("emulator-iks-key-us-south-prod", "emulator-admin-key", 403),
        ("emulator-kms-account-key", "emulator-admin-key", 403),
        ("emulator-admin-key", None, 404),
    ],
)
def test_get_by_id_permissions(client, world, apikey, target, status):
    key_id = world.data["api_keys"][target]["id"] if target else "ApiKey-missing"
    response = client.get(f"/v1/apikeys/{key_id}", headers=_headers(client, apikey))
    assert response.status_code == status
    if status == 200:
        assert response.get_json()["id"] == key_id
