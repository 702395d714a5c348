"""Global Tagging through IBM's GlobalTaggingV1 client, plus wire checks."""

from __future__ import annotations

import pytest
from ibm_cloud_sdk_core import ApiException
from ibm_cloud_sdk_core.authenticators import IAMAuthenticator
from ibm_platform_services import GlobalTaggingV1
from ibm_platform_services.global_tagging_v1 import Resource

from conftest import token_for

CLUSTER_CRN = "crn:v1:bluemix:public:containers-kubernetes:us-south:a/a1b2c3d4e5f60718293a4b5c6d7e8f90:c1::"


def tagging(base_url, apikey="emulator-admin-key"):
    client = GlobalTaggingV1(authenticator=IAMAuthenticator(apikey, url=base_url))
    client.set_service_url(base_url)
    return client


def test_attach_then_list_through_the_sdk(base_url):
    client = tagging(base_url)
    result = client.attach_tag(resources=[Resource(resource_id=CLUSTER_CRN)],
                               tag_names=["Team:Blue", "kms:previous-root-key:abc"]).get_result()
    assert result == {"results": [{"resource_id": CLUSTER_CRN, "is_error": False}]}
    client.attach_tag(resources=[Resource(resource_id=CLUSTER_CRN)], tag_names=["team:blue"])
    listed = client.list_tags(attached_to=CLUSTER_CRN).get_result()
    assert [item["name"] for item in listed["items"]] == ["team:blue", "kms:previous-root-key:abc"]
    assert listed["total_count"] == 2
    assert [i["name"] for i in client.list_tags().get_result()["items"]] == ["kms:previous-root-key:abc", "team:blue"]


def test_viewer_cannot_attach(base_url):
    with pytest.raises(ApiException) as caught:
        tagging(base_url, "emulator-viewer-key").attach_tag(resources=[Resource(resource_id=CLUSTER_CRN)],
                                                            tag_names=["x"])
    assert caught.value.status_code == 403


@pytest.mark.parametrize(
    "body, status",
    [
        ({"tag_names": ["bad/name"], "resources": [{"resource_id": CLUSTER_CRN}]}, 400),
        ({"tag_names": ["ok"]}, 400),
        ({"tag_names": [], "resources": [{"resource_id": CLUSTER_CRN}]}, 400),
        ({"tag_name": "ok", "resources": [{"resource_id": CLUSTER_CRN}]}, 200),
    ],
)
def test_attach_validation(client, body, status):
    headers = {"Authorization": "Bearer " + token_for(client)}
    assert client.post("/v3/tags/attach", json=body, headers=headers).status_code == status


def test_listing_changes_nothing_and_needs_a_token(client):
    assert client.get("/v3/tags").status_code == 401
    headers = {"Authorization": "Bearer " + token_for(client)}
    assert client.get("/v3/tags?attached_to=" + CLUSTER_CRN, headers=headers).get_json()["items"] == []
    assert client.get("/v3/tags?tag_type=other", headers=headers).status_code == 400
    log = client.get("/_emulator/requests").get_json()["requests"]
    assert not any(entry["changed"] for entry in log)


def test_detach_takes_only_the_named_tags_off(base_url):
    client = tagging(base_url)
    client.attach_tag(resources=[Resource(resource_id=CLUSTER_CRN)], tag_names=["a", "b"])
    result = client.detach_tag(resources=[Resource(resource_id=CLUSTER_CRN)], tag_names=["a", "x"]).get_result()
    assert result == {"results": [{"resource_id": CLUSTER_CRN, "is_error": False}]}
    assert [item["name"] for item in client.list_tags(attached_to=CLUSTER_CRN).get_result()["items"]] == ["b"]
