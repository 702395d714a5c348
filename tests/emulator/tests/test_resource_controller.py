"""Resource Controller v2: IBM's ResourceControllerV2 client plus wire-level checks."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from ibm_cloud_sdk_core import ApiException
from ibm_cloud_sdk_core.authenticators import IAMAuthenticator
from ibm_platform_services import ResourceControllerV2
from ibm_platform_services.resource_controller_v2 import ResourceInstancesPager

from conftest import token_for
from ibmcloud_emulator.resource_controller import CATALOG, RECLAIM_SECONDS, deployment_crn
from ibmcloud_emulator.seed import KMS_ACCOUNT, MAIN_ACCOUNT

KP_PLAN = CATALOG["kms"]["plans"]["tiered-pricing"]
CRR_PLAN = CATALOG["kms"]["plans"]["cross-region-resiliency"]
HPCS_PLAN = CATALOG["hs-crypto"]["plans"]["standard"]


def fresh_client(base_url, apikey="emulator-admin-key"):
    service = ResourceControllerV2(authenticator=IAMAuthenticator(apikey, url=base_url))
    service.set_service_url(base_url)
    return service


@pytest.fixture
def rc(base_url):
    return fresh_client(base_url)


def group_id(world, name="Default", account=MAIN_ACCOUNT):
    return world.resource_group_by_name(account, name)["id"]


def auth(client, key="emulator-admin-key"):
    return {"Authorization": "Bearer " + token_for(client, key)}


def kp_body(world, **overrides):
    body = {"name": "kp-1", "target": "us-south", "resource_group": group_id(world), "resource_plan_id": KP_PLAN}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def test_sdk_create_is_async_then_active(rc, world, base_url):
    created = rc.create_resource_instance("kp-sdk", "us-south", group_id(world), KP_PLAN,
                                          parameters={"allowed_network": "private-only"})
    assert created.get_status_code() == 201
    body = created.get_result()
    assert (body["state"], body["last_operation"]["state"], body["last_operation"]["async"]) == \
        ("provisioning", "in progress", True)
    assert body["crn"] == f"crn:v1:bluemix:public:kms:us-south:a/{MAIN_ACCOUNT}:{body['guid']}::" == body["id"]
    assert body["resource_id"] == "ee41347f-b18e-4ca6-bf80-b5467c63f9a6"
    assert body["extensions"]["endpoints"] == {"public": base_url, "private": base_url + "/private"}
    assert body["parameters"] == {"allowed_network": "private-only"}
    assert "_service" not in body
    world.clock.advance(world.provision_seconds + 0.5)
    after = rc.get_resource_instance(body["guid"]).get_result()
    assert (after["state"], after["last_operation"]["state"]) == ("active", "succeeded")


def test_sdk_hpcs_endpoints_point_at_the_emulator(rc, world, base_url):
    body = rc.create_resource_instance("hpcs-sdk", "us-east", group_id(world), HPCS_PLAN,
                                       parameters={"units": 3, "failover_units": 2}).get_result()
    guid = body["guid"]
    assert body["extensions"]["endpoints"] == {"public": f"{base_url}/hpcs/{guid}",
                                               "private": f"{base_url}/private/hpcs/{guid}"}
    assert body["sub_type"] == "hs-crypto" and body["parameters"]["units"] == 3
    assert world.kms_store(guid)["initialized"] is False


def test_sdk_get_by_url_encoded_crn(rc, world):
    seeded = next(iter(world.data["instances"].values()))
    assert rc.get_resource_instance(seeded["crn"]).get_result()["guid"] == seeded["guid"]


def test_sdk_pager_follows_next_url(rc, world):
    for index in range(4):
        rc.create_resource_instance(f"paged-{index}", "us-south", group_id(world), KP_PLAN)
    first = rc.list_resource_instances(limit=2, resource_id=CATALOG["kms"]["resource_id"]).get_result()
    assert first["rows_count"] == 2 and first["next_url"].startswith("/v2/resource_instances?")
    assert "limit=2" in first["next_url"] and "start=" in first["next_url"]
    pager = ResourceInstancesPager(client=rc, limit=2, resource_id=CATALOG["kms"]["resource_id"])
    assert sorted(r["name"] for r in pager.get_all()) == [f"paged-{i}" for i in range(4)]


def test_sdk_delete_goes_to_pending_reclamation_then_removed(rc, world, base_url):
    guid = rc.create_resource_instance("doomed", "us-south", group_id(world), KP_PLAN).get_result()["guid"]
    assert rc.delete_resource_instance(guid).get_status_code() == 202
    assert rc.get_resource_instance(guid).get_result()["state"] == "pending_reclamation"
    assert [r["guid"] for r in rc.list_resource_instances(name="doomed").get_result()["resources"]] == []
    listed = rc.list_resource_instances(name="doomed", state="pending_reclamation").get_result()["resources"]
    assert [r["guid"] for r in listed] == [guid]
    world.clock.advance(RECLAIM_SECONDS + 1)
    rc = fresh_client(base_url)  # the old token expired on the emulator clock
    assert rc.get_resource_instance(guid).get_result()["state"] == "removed"
    with pytest.raises(ApiException) as caught:
        rc.delete_resource_instance(guid)
    assert caught.value.status_code == 410


def test_sdk_unknown_instance_is_404(rc):
    with pytest.raises(ApiException) as caught:
        rc.get_resource_instance("00000000-0000-0000-0000-000000000000")
    assert caught.value.status_code == 404
    assert caught.value.http_response.json()["errors"][0]["code"] == "not_found"


def test_seeded_hpcs_is_active_and_initialized(world):
    record = next(r for r in world.data["instances"].values() if r["name"] == "demo-hpcs")
    assert (record["state"], record["_service"], record["parameters"]) == ("active", "hs-crypto", {"units": 2})
    assert world.kms_store(record["guid"])["initialized"] is True


def test_deployment_crn_target_is_accepted(client, world):
    body = kp_body(world, target=deployment_crn(KP_PLAN, "eu-de"))
    response = client.post("/v2/resource_instances", json=body, headers=auth(client))
    assert response.status_code == 201
    assert response.get_json()["region_id"] == "eu-de"
    assert response.get_json()["target_crn"] == deployment_crn(KP_PLAN, "eu-de")


@pytest.mark.parametrize(
    "overrides, code",
    [
        ({"name": None}, "invalid_body"),
        ({"name": "  "}, "invalid_body"),
        ({"target": None}, "invalid_body"),
        ({"resource_plan_id": None}, "invalid_body"),
        ({"resource_plan_id": "no-such-plan"}, "plan_not_found"),
        ({"target": "mars-north"}, "invalid_target"),
        ({"resource_plan_id": CRR_PLAN, "target": "ca-tor"}, "invalid_target"),
        ({"target": deployment_crn(CRR_PLAN, "us-south")}, "invalid_target"),
        ({"resource_group": "no-such-group"}, "resource_group_not_found"),
        ({"parameters": {"allowed_network": "everywhere"}}, "invalid_parameters"),
        ({"parameters": ["private-only"]}, "invalid_body"),
        ({"resource_plan_id": HPCS_PLAN, "parameters": {"units": 4}}, "invalid_parameters"),
        ({"resource_plan_id": HPCS_PLAN, "parameters": {"units": 2, "failover_units": 3}}, "invalid_parameters"),
        ({"tags": "env:prod"}, "invalid_body"),
        ({"allow_cleanup": "yes"}, "invalid_body"),
    ],
)
def test_create_validation(client, world, overrides, code):
    response = client.post("/v2/resource_instances", json=kp_body(world, **overrides), headers=auth(client))
    assert response.status_code == 400
    error = response.get_json()["errors"][0]
    assert error["code"] == code and error["message"]
    assert world.data["instances"].keys() == {next(iter(world.data["instances"]))}


def test_non_json_body_is_400(client):
    response = client.post("/v2/resource_instances", data="name=x", headers=auth(client))
    assert response.status_code == 400 and response.get_json()["errors"][0]["code"] == "invalid_body"


@pytest.mark.parametrize("method, path", [("get", "/v2/resource_instances"), ("post", "/v2/resource_instances"),
                                          ("get", "/v2/resource_instances/x"),
                                          ("delete", "/v2/resource_instances/x")])
@pytest.mark.parametrize("header", [None, "Bearer not-a-jwt", "Basic abc"])
def test_unauthenticated_is_401(client, method, path, header):
    headers = {"Authorization": header} if header else {}
    response = getattr(client, method)(path, headers=headers, json={})
    assert response.status_code == 401
    assert response.get_json()["errors"][0]["code"] == "unauthorized"


def test_viewer_can_read_but_not_create_or_delete(client, world):
    guid = next(iter(world.data["instances"]))
    viewer = auth(client, "emulator-viewer-key")
    assert client.get(f"/v2/resource_instances/{guid}", headers=viewer).status_code == 200
    assert client.post("/v2/resource_instances", json=kp_body(world), headers=viewer).status_code == 403
    assert client.delete(f"/v2/resource_instances/{guid}", headers=viewer).status_code == 403
    assert world.data["instances"][guid]["state"] == "active"


def test_other_account_sees_nothing(client, world):
    guid = next(iter(world.data["instances"]))
    other = auth(client, "emulator-kms-account-key")
    assert client.get(f"/v2/resource_instances/{guid}", headers=other).status_code == 403
    assert client.get("/v2/resource_instances", headers=other).get_json()["resources"] == []
    body = kp_body(world, resource_group=group_id(world, account=KMS_ACCOUNT))
    created = client.post("/v2/resource_instances", json=body, headers=other)
    assert created.status_code == 201 and created.get_json()["account_id"] == KMS_ACCOUNT


@pytest.mark.parametrize(
    "query, expected",
    [
        ("name=kp-a", ["kp-a"]),
        ("resource_plan_id=" + CRR_PLAN, ["kp-b"]),
        ("resource_id=" + CATALOG["hs-crypto"]["resource_id"], ["demo-hpcs"]),
        ("sub_type=kms", ["kp-a", "kp-b"]),
        ("type=service_instance&name=kp-b", ["kp-b"]),
        ("type=resource_alias", []),
        ("state=provisioning", ["kp-a", "kp-b"]),
        ("state=active", ["demo-hpcs"]),
        ("resource_group_id=nope", []),
        ("updated_from=2000-01-01T00:00:00Z&name=kp-a", ["kp-a"]),
        ("updated_to=2000-01-01T00:00:00Z", []),
    ],
)
def test_list_filters(client, world, query, expected):
    headers = auth(client)
    for name, plan in (("kp-a", KP_PLAN), ("kp-b", CRR_PLAN)):
        assert client.post("/v2/resource_instances", json=kp_body(world, name=name, resource_plan_id=plan),
                           headers=headers).status_code == 201
    response = client.get("/v2/resource_instances?" + query, headers=headers)
    assert response.status_code == 200
    assert sorted(r["name"] for r in response.get_json()["resources"]) == expected
    assert response.get_json()["rows_count"] == len(expected)


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=x", "start=garbage!", "state=gone",
                                   "updated_from=yesterday"])
def test_list_rejects_bad_queries(client, query):
    response = client.get("/v2/resource_instances?" + query, headers=auth(client))
    assert response.status_code == 400 and response.get_json()["errors"][0]["code"] == "invalid_query"


def test_guid_filter_and_crn_path(client, world):
    seeded = next(iter(world.data["instances"].values()))
    headers = auth(client)
    found = client.get(f"/v2/resource_instances?guid={seeded['guid']}", headers=headers).get_json()["resources"]
    assert [r["crn"] for r in found] == [seeded["crn"]]
    by_crn = client.get("/v2/resource_instances/" + quote(seeded["crn"], safe=""), headers=headers)
    assert by_crn.status_code == 200 and by_crn.get_json()["guid"] == seeded["guid"]


def test_reads_never_change_state_and_ticker_finishes_provisioning(client, world):
    headers = auth(client)
    guid = client.post("/v2/resource_instances", json=kp_body(world), headers=headers).get_json()["guid"]
    assert client.get(f"/v2/resource_instances/{guid}", headers=headers).get_json()["state"] == "provisioning"
    world.clock.advance(world.provision_seconds - 1)
    assert client.get(f"/v2/resource_instances/{guid}", headers=headers).get_json()["state"] == "provisioning"
    world.clock.advance(1.5)
    body = client.get(f"/v2/resource_instances/{guid}", headers=headers).get_json()
    assert (body["state"], body["last_operation"]["state"]) == ("active", "succeeded")
    log = client.get("/_emulator/requests").get_json()["requests"]
    assert [(e["method"], e["changed"]) for e in log if e["service"] == "resource-controller"] == [
        ("POST", True), ("GET", False), ("GET", False), ("GET", False)]


def test_entity_lock_blocks_delete(client, world):
    headers = auth(client)
    created = client.post("/v2/resource_instances", json=kp_body(world), headers={**headers, "Entity-Lock": "true"})
    assert created.get_json()["locked"] is True
    response = client.delete(f"/v2/resource_instances/{created.get_json()['guid']}", headers=headers)
    assert response.status_code == 409
    assert response.get_json()["errors"][0]["code"] == "resource_instance_locked"
