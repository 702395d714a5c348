"""Key Protect API v2 (and the per-instance HPCS endpoint): IBM's keyprotect client plus wire checks."""

from __future__ import annotations

import io
import json
import uuid
from urllib.parse import quote

import pytest
from ibm_cloud_sdk_core import ApiException
from ibm_cloud_sdk_core.authenticators import IAMAuthenticator
from keyprotect import IbmKeyProtectApiV2

from conftest import token_for
from ibmcloud_emulator import kp_store
from ibmcloud_emulator.seed import KMS_ACCOUNT, MAIN_ACCOUNT

ROOT = {"name": "iks-crk", "extractable": False, "description": "root key for cluster secrets"}
CLUSTER_CRN = f"crn:v1:bluemix:public:containers-kubernetes:us-south:a/{MAIN_ACCOUNT}:cl0001::"


# -- helpers ------------------------------------------------------------------------------------
def make_instance(world, service: str = "kms", account: str = MAIN_ACCOUNT, state: str = "active") -> str:
    guid = str(uuid.uuid4())
    with world.lock:
        world.data["instances"][guid] = {
            "guid": guid, "id": f"crn:v1:bluemix:public:{service}:us-south:a/{account}:{guid}::",
            "name": f"test-{service}", "_service": service, "account_id": account, "region_id": "us-south",
            "resource_group_id": "rg-test", "state": state}
    return guid


def body(resource: dict, total: int = 1, ctype: str = "application/vnd.ibm.kms.key+json") -> dict:
    return {"metadata": {"collectionType": ctype, "collectionTotal": total},
            "resources": [dict({"type": ctype}, **resource)]}


def stream(data: dict) -> io.BytesIO:
    return io.BytesIO(json.dumps(data).encode())


def new_kp(base_url: str, apikey: str = "emulator-admin-key", prefix: str = "") -> IbmKeyProtectApiV2:
    service = IbmKeyProtectApiV2(authenticator=IAMAuthenticator(apikey, url=base_url))
    service.set_service_url(base_url + prefix)
    return service


def sdk_create(service, guid: str, resource: dict, **kwargs) -> dict:
    response = service.create_key(guid, stream(body(resource)), prefer="return=representation", **kwargs)
    assert response.get_status_code() == 201
    return response.get_result().json()["resources"][0]


def sdk_error(call, *args, **kwargs) -> tuple[int, str]:
    with pytest.raises(ApiException) as caught:
        call(*args, **kwargs)
    resource = caught.value.http_response.json()["resources"][0]
    return caught.value.status_code, resource["reasons"][0]["code"] if "reasons" in resource else resource["errorMsg"]


def advance(world, seconds: float, base_url: str | None = None) -> IbmKeyProtectApiV2 | None:
    """Move the emulator clock; IAM tokens follow it, so hand back a client with a fresh token."""
    with world.lock:
        world.clock.advance(seconds)
    return new_kp(base_url) if base_url else None


def wire_advance(client, headers: dict, seconds: float) -> dict:
    client.post("/_emulator/clock", json={"advance_seconds": seconds})
    return {**headers, "Authorization": "Bearer " + token_for(client)}


@pytest.fixture
def kms(world, base_url):
    return new_kp(base_url), make_instance(world)


@pytest.fixture
def wire(client, world):
    guid = make_instance(world)
    headers = {"Authorization": "Bearer " + token_for(client), "Bluemix-Instance": guid}
    return client, guid, headers


def wire_create(client, headers, resource: dict, **extra_headers) -> dict:
    response = client.post("/api/v2/keys", json=body(resource), headers={**headers, **extra_headers})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["resources"][0]


def reason(response) -> str:
    return response.get_json()["resources"][0]["reasons"][0]["code"]


# -- through IBM's keyprotect client ------------------------------------------------------------
def test_sdk_create_get_list_and_metadata(kms):
    service, guid = kms
    key = sdk_create(service, guid, dict(ROOT, aliases=["iks-crk-alias"]))
    assert key["state"] == 1 and key["extractable"] is False and "payload" not in key
    assert key["crn"] == f"crn:v1:bluemix:public:kms:us-south:a/{MAIN_ACCOUNT}:{guid}:key:{key['id']}"
    assert not any(name.startswith("_") for name in key)
    by_alias = service.get_key("iks-crk-alias", guid).get_result()["resources"][0]
    assert by_alias["id"] == key["id"] and by_alias["keyVersion"] == key["keyVersion"]
    meta = service.get_key_metadata(key["id"], guid).get_result()["resources"][0]
    assert meta["name"] == "iks-crk"
    listed = service.get_keys(guid, extractable=False, state=[1]).get_result()
    assert [k["id"] for k in listed["resources"]] == [key["id"]]
    assert listed["metadata"]["collectionTotal"] == 1
    head = service.get_key_collection_metadata(guid)
    assert head.get_status_code() == 200 and head.get_headers()["Key-Total"] == "1"


def test_sdk_standard_key_payload_only_on_get(kms):
    service, guid = kms
    key = sdk_create(service, guid, {"name": "std-key", "extractable": True})
    assert service.get_key(key["id"], guid).get_result()["resources"][0]["payload"]
    assert "payload" not in service.get_key_metadata(key["id"], guid).get_result()["resources"][0]
    assert "payload" not in service.get_keys(guid).get_result()["resources"][0]


def test_sdk_rotate_updates_versions_and_registrations(kms, world, base_url):
    service, guid = kms
    key = sdk_create(service, guid, ROOT)
    with world.lock:
        kp_store.add_registration(world, guid, key["id"], CLUSTER_CRN, "cluster secrets")
    assert service.rotate_key(key["id"], guid, key_action_rotate_body=stream({})).get_status_code() == 204
    rotated = service.get_key(key["id"], guid).get_result()["resources"][0]
    assert rotated["keyVersion"]["id"] != key["keyVersion"]["id"] and rotated["lastRotateDate"]
    versions = service.get_key_versions(key["id"], guid, total_count=True).get_result()
    assert versions["metadata"]["totalCount"] == 2
    assert versions["resources"][0]["id"] == rotated["keyVersion"]["id"]
    registration = service.get_registrations(key["id"], guid).get_result()["resources"][0]
    assert registration["keyVersion"]["id"] == rotated["keyVersion"]["id"]
    assert sdk_error(service.rotate_key, key["id"], guid) == (409, "KEY_ROTATION_NOT_PERMITTED")
    service = advance(world, 3601, base_url)
    assert service.rotate_key(key["id"], guid).get_status_code() == 204


def test_sdk_registrations_follow_a_rotation_after_the_rewrap(kms, world):
    """The registered service (IKS) picks a rotation up asynchronously: its registration shows the old version
    until world.rewrap_seconds have passed, then the new one; the key shows the new version at once."""
    service, guid = kms
    rewrap_seconds = world.rewrap_seconds = 30.0
    key = sdk_create(service, guid, ROOT)
    with world.lock:
        kp_store.add_registration(world, guid, key["id"], CLUSTER_CRN, "cluster secrets")
    assert service.rotate_key(key["id"], guid, key_action_rotate_body=stream({})).get_status_code() == 204
    rotated = service.get_key(key["id"], guid).get_result()["resources"][0]
    assert rotated["keyVersion"]["id"] != key["keyVersion"]["id"]

    def registered_version():
        return service.get_registrations(key["id"], guid).get_result()["resources"][0]["keyVersion"]["id"]

    assert registered_version() == key["keyVersion"]["id"]
    with world.lock:
        world.clock.advance(rewrap_seconds - 1)
    assert registered_version() == key["keyVersion"]["id"]
    with world.lock:
        world.clock.advance(1)
    assert registered_version() == rotated["keyVersion"]["id"]
    assert "_rewrapDueAt" not in json.dumps(service.get_key(key["id"], guid).get_result())


def test_sdk_registrations_never_follow_a_rotation_under_rotation_rewrap_never(kms, world):
    """contract rotation-rewrap=never: the key shows the new version, the registration keeps the old one."""
    service, guid = kms
    world.contract["rotation-rewrap"] = "never"
    key = sdk_create(service, guid, ROOT)
    with world.lock:
        kp_store.add_registration(world, guid, key["id"], CLUSTER_CRN, "cluster secrets")
    assert service.rotate_key(key["id"], guid, key_action_rotate_body=stream({})).get_status_code() == 204
    with world.lock:
        world.clock.advance(3000)  # long after a re-wrap would show (rewrap_seconds is 0), within the token's hour
    registration = service.get_registrations(key["id"], guid).get_result()["resources"][0]
    assert registration["keyVersion"]["id"] == key["keyVersion"]["id"]
    assert service.get_key(key["id"], guid).get_result()["resources"][0]["keyVersion"]["id"] != key["keyVersion"]["id"]


def test_sdk_disable_enable(kms, world):
    service, guid = kms
    key = sdk_create(service, guid, ROOT)
    assert sdk_error(service.enable_key, key["id"], guid) == (409, "KEY_ACTION_INVALID_STATE_ERR")
    assert service.disable_key(key["id"], guid).get_status_code() == 204
    assert service.get_key(key["id"], guid).get_result()["resources"][0]["state"] == 2
    assert sdk_error(service.enable_key, key["id"], guid) == (409, "REQ_TOO_EARLY_ERR")
    advance(world, 31)
    assert service.enable_key(key["id"], guid).get_status_code() == 204
    assert service.get_key(key["id"], guid).get_result()["resources"][0]["state"] == 1


def test_sdk_delete_restore_purge(kms, world, base_url):
    service, guid = kms
    key = sdk_create(service, guid, ROOT)
    deleted = service.delete_key(key["id"], guid, prefer="return=representation", force=True)
    assert deleted.get_status_code() == 200
    assert deleted.get_result()["resources"][0]["state"] == 5
    assert service.get_keys(guid).get_result()["resources"] == []
    assert len(service.get_keys(guid, state=[1, 5]).get_result()["resources"]) == 1
    assert sdk_error(service.delete_key, key["id"], guid) == (410, "KEY_DELETED_ERR")
    assert sdk_error(service.purge_key, key["id"], guid) == (409, "REQ_TOO_EARLY_ERR")
    advance(world, 31)
    restored = service.restore_key(key["id"], guid)
    assert restored.get_status_code() == 201
    assert restored.get_result().json()["resources"][0]["state"] == 1
    assert service.delete_key(key["id"], guid).get_status_code() == 204
    service = advance(world, 4 * 3600, base_url)
    assert service.purge_key(key["id"], guid).get_status_code() == 204
    assert sdk_error(service.get_key, key["id"], guid) == (404, "KEY_NOT_FOUND_ERR")


def test_sdk_policies(kms):
    service, guid = kms
    key = sdk_create(service, guid, ROOT)
    rotation = body({"rotation": {"enabled": True, "interval_month": 3}}, ctype="application/vnd.ibm.kms.policy+json")
    put = service.put_policy(key["id"], guid, rotation, policy="rotation").get_result()
    assert put["resources"][0]["rotation"] == {"enabled": True, "interval_month": 3}
    got = service.get_policy(key["id"], guid, policy="rotation").get_result()
    assert got["resources"][0]["rotation"]["interval_month"] == 3
    assert service.get_key(key["id"], guid).get_result()["resources"][0]["rotation"]["interval_month"] == 3
    dual = body({"dualAuthDelete": {"enabled": True}}, ctype="application/vnd.ibm.kms.policy+json")
    service.put_policy(key["id"], guid, dual, policy="dualAuthDelete")
    off = body({"dualAuthDelete": {"enabled": False}}, ctype="application/vnd.ibm.kms.policy+json")
    assert sdk_error(service.put_policy, key["id"], guid, off, policy="dualAuthDelete") == (400, "INVALID_FIELD_ERR")
    assert len(service.get_policy(key["id"], guid).get_result()["resources"]) == 2


def test_sdk_instance_policies_apply_to_new_keys(kms):
    service, guid = kms
    policy = {"metadata": {"collectionType": "application/vnd.ibm.kms.policy+json", "collectionTotal": 1},
              "resources": [{"policy_type": "dualAuthDelete", "policy_data": {"enabled": True}}]}
    assert service.put_instance_policy(guid, policy, policy="dualAuthDelete").get_status_code() == 204
    got = service.get_instance_policy(guid, policy="dualAuthDelete").get_result()
    assert got["resources"][0]["policy_data"]["enabled"] is True
    key = sdk_create(service, guid, ROOT)
    assert key["dualAuthDelete"]["enabled"] is True
    assert sdk_error(service.delete_key, key["id"], guid) == (409, "AUTHORIZATIONS_NOT_MET")


def instance_policies(*resources: dict) -> dict:
    return {"metadata": {"collectionType": "application/vnd.ibm.kms.policy+json", "collectionTotal": len(resources)},
            "resources": list(resources)}


def policy(policy_type: str, enabled: bool, **attributes) -> dict:
    data = {"enabled": enabled, **({"attributes": attributes} if attributes else {})}
    return {"policy_type": policy_type, "policy_data": data}


# (query policy, resources, the error Key Protect answers; error-messages.md, keyprotect-go-client kp_test.go)
INSTANCE_POLICY_ERRORS = [
    ("metrics", [policy("metrics", True), policy("dualAuthDelete", True)], (400, "NUM_COLLECTION_RESOURCE_ERR")),
    ("metrics", [policy("dualAuthDelete", True)], (400, "BODY_QUERY_PARAM_MISMATCH_ERR")),
    (None, [policy("metrics", True), policy("metrics", False)], (400, "BAD_BODY_ERR")),
    ("dualAuthDelete", [policy("dualAuthDelete", True, x=1)], (400, "BAD_BODY_ERR")),
    ("rotation", [policy("rotation", True, interval_month=13)], (400, "INVALID_FIELD_ERR")),
    ("allowedIP", [policy("allowedIP", True, allowed_ip=["192.0.2.1"])], (400, "INVALID_FIELD_ERR")),
    ("allowedIP", [policy("allowedIP", False, allowed_ip=["192.0.2.0/24"])], (400, "BAD_BODY_ERR")),
    ("allowedNetwork", [policy("allowedNetwork", True, allowed_network="vpn")], (400, "INVALID_FIELD_ERR")),
]


@pytest.mark.parametrize("kind, resources, error", INSTANCE_POLICY_ERRORS)
def test_sdk_instance_policy_errors(kms, kind, resources, error):
    service, guid = kms
    assert sdk_error(service.put_instance_policy, guid, instance_policies(*resources), policy=kind) == error


def test_sdk_instance_policies_need_manager_and_reset_left_out_key_access(kms, base_url):
    service, guid = kms
    body = instance_policies(policy("keyCreateImportAccess", True, create_standard_key=False),
                             policy("allowedIP", True, allowed_ip=["192.0.2.0/24"]))
    assert service.put_instance_policy(guid, body).get_status_code() == 204
    got = {p["policy_type"]: p for p in service.get_instance_policy(guid).get_result()["resources"]}
    assert got["keyCreateImportAccess"]["policy_data"]["attributes"] == {
        "create_root_key": True, "create_standard_key": False, "import_root_key": True, "import_standard_key": True,
        "enforce_token": False}
    assert {"createdBy", "creationDate", "updatedBy", "lastUpdated"} <= set(got["allowedIP"])
    viewer = new_kp(base_url, "emulator-viewer-key")
    assert sdk_error(viewer.get_instance_policy, guid)[0] == 401


# (contract choices, what GET /instance/policies lists for an instance that set allowedIP only)
LISTINGS = [
    ({"instance-policy-unset": "absent", "allowed-ip-listing": "once"}, ["allowedIP"]),
    ({"instance-policy-unset": "absent", "allowed-ip-listing": "twice"}, ["allowedIP", "allowedIP"]),
    ({"instance-policy-unset": "defaults", "allowed-ip-listing": "once"},
     ["allowedIP", "allowedNetwork", "dualAuthDelete", "keyCreateImportAccess", "metrics", "rotation"]),
]


@pytest.mark.parametrize("choices, listed", LISTINGS)
def test_instance_policy_listing_choices(kms, world, choices, listed):
    service, guid = kms
    world.contract.update(choices)
    service.put_instance_policy(guid, instance_policies(policy("allowedIP", True, allowed_ip=["192.0.2.0/24"])),
                                policy="allowedIP")
    assert sorted(p["policy_type"] for p in service.get_instance_policy(guid).get_result()["resources"]) == listed
    assert len(service.get_instance_policy(guid, policy="allowedIP").get_result()["resources"]) == 1


# (contract choice, whether a disable of allowedNetwork with its attribute / without it is accepted)
NETWORK_DISABLE = [
    ("attributes-accepted", True, True),
    ("attributes-required", True, False),
    ("attributes-forbidden", False, True),
]


@pytest.mark.parametrize("choice, with_attribute, without", NETWORK_DISABLE)
def test_network_policy_disable_choices(kms, world, choice, with_attribute, without):
    service, guid = kms
    world.contract["network-policy-disable"] = choice
    for body, accepted in ((policy("allowedNetwork", False, allowed_network="public-and-private"), with_attribute),
                           (policy("allowedNetwork", False), without)):
        if accepted:
            assert service.put_instance_policy(guid, instance_policies(body), policy="allowedNetwork").get_status_code() == 204
        else:
            assert sdk_error(service.put_instance_policy, guid, instance_policies(body), policy="allowedNetwork")[0] == 400


def test_sdk_registrations_filters(kms, world):
    service, guid = kms
    first, second = sdk_create(service, guid, ROOT), sdk_create(service, guid, dict(ROOT, name="other"))
    with world.lock:
        kp_store.add_registration(world, guid, first["id"], CLUSTER_CRN, "c1")
        kp_store.add_registration(world, guid, second["id"], CLUSTER_CRN.replace("cl0001", "cl0002"), "c2", True)
    all_regs = service.get_registrations_all_keys(guid, total_count=True).get_result()
    assert all_regs["metadata"]["totalCount"] == 2
    exact = quote(CLUSTER_CRN, safe="")
    assert [r["keyId"] for r in service.get_registrations_all_keys(guid, url_encoded_resource_crn_query=exact)
            .get_result()["resources"]] == [first["id"]]
    in_last_segments = quote(CLUSTER_CRN.rsplit(":", 1)[0] + ":*", safe="")
    assert len(service.get_registrations_all_keys(guid, url_encoded_resource_crn_query=in_last_segments)
               .get_result()["resources"]) == 1
    # Key Protect: every CRN segment, no '*' in the first eight (so no query over every cluster at once)
    for refused in ("crn:v1:bluemix:public:containers-kubernetes:us-south:*", "crn:v1:bluemix:public:containers-kubernetes:*"):
        query = quote(refused, safe="")
        answer = sdk_error(service.get_registrations_all_keys, guid, url_encoded_resource_crn_query=query)
        assert answer == (400, "INVALID_QUERY_PARAM_ERR")
    prevented = service.get_registrations_all_keys(guid, prevent_key_deletion=True).get_result()["resources"]
    assert [r["keyId"] for r in prevented] == [second["id"]]
    paged = service.get_registrations_all_keys(guid, limit=1, offset=1).get_result()["resources"]
    assert len(paged) == 1
    one = service.get_registrations(first["id"], guid).get_result()["resources"]
    assert [(r["resourceCrn"], r["keyName"]) for r in one] == [(CLUSTER_CRN, "iks-crk")]


@pytest.mark.parametrize("force, prevent, expected", [
    (False, False, (409, "PROTECTED_RESOURCE_ERR")),
    (True, True, (409, "PREV_KEY_DEL_ERR")),
    (False, True, (409, "PREV_KEY_DEL_ERR")),
])
def test_sdk_delete_blocked_by_registrations(kms, world, force, prevent, expected):
    service, guid = kms
    key = sdk_create(service, guid, ROOT)
    with world.lock:
        kp_store.add_registration(world, guid, key["id"], CLUSTER_CRN, "", prevent_key_deletion=prevent)
    assert sdk_error(service.delete_key, key["id"], guid, force=force) == expected


def test_sdk_force_delete_with_registration_and_remove(kms, world):
    service, guid = kms
    key = sdk_create(service, guid, ROOT)
    with world.lock:
        kp_store.add_registration(world, guid, key["id"], CLUSTER_CRN)
        assert kp_store.remove_registrations(world, guid, CLUSTER_CRN) == 1
        kp_store.add_registration(world, guid, key["id"], CLUSTER_CRN)
    assert service.delete_key(key["id"], guid, force=True).get_status_code() == 204


def test_sdk_aliases(kms):
    service, guid = kms
    key = sdk_create(service, guid, ROOT)
    created = service.create_key_alias(key["id"], "crk-alias", guid)
    assert created.get_status_code() == 201 and created.get_result()["resources"][0]["alias"] == "crk-alias"
    assert service.get_key("crk-alias", guid).get_result()["resources"][0]["id"] == key["id"]
    other = sdk_create(service, guid, dict(ROOT, name="other"))
    assert sdk_error(service.create_key_alias, other["id"], "crk-alias", guid) == (400, "KEY_ALIAS_NOT_UNIQUE_ERR")
    assert service.delete_key_alias(key["id"], "crk-alias", guid).get_status_code() == 204
    assert sdk_error(service.get_key, "crk-alias", guid) == (404, "KEY_NOT_FOUND_ERR")


def test_sdk_key_rings_and_patch(kms):
    service, guid = kms
    assert service.create_key_ring("ring-a", guid).get_status_code() == 201
    rings = service.list_key_rings(guid, total_count=True).get_result()
    assert [r["id"] for r in rings["resources"]] == ["default", "ring-a"] and rings["metadata"]["totalCount"] == 2
    key = sdk_create(service, guid, ROOT, x_kms_key_ring="ring-a")
    assert key["keyRingID"] == "ring-a"
    assert sdk_error(service.delete_key_ring, "ring-a", guid) == (409, "KEY_RING_NOT_EMPTY_ERR")
    moved = service.patch_key(key["id"], guid, key_patch_body=stream({"keyRingID": "default"}),
                              x_kms_key_ring="ring-a")
    assert moved.get_result()["resources"][0]["keyRingID"] == "default"
    assert sdk_error(service.get_key, key["id"], guid, x_kms_key_ring="ring-a") == (404, "KEY_NOT_FOUND_ERR")
    assert service.delete_key_ring("ring-a", guid).get_status_code() == 204
    assert sdk_error(service.create_key, guid, stream(body(ROOT)), x_kms_key_ring="ring-a") == \
        (404, "KEY_RING_NOT_FOUND_ERR")


def test_sdk_dual_auth_needs_a_second_user(kms, world, base_url):
    service, guid = kms
    with world.lock:
        world.data["policies"]["kp-test-manager"] = {
            "id": "kp-test-manager", "type": "access", "state": "active",
            "subjects": [{"attributes": [{"name": "iam_id", "value": "IBMid-100000VIEW"}]}],
            "roles": [{"role_id": "crn:v1:bluemix:public:iam::::serviceRole:Manager"}],
            "resources": [{"attributes": [{"name": "serviceInstance", "value": guid}]}]}
    key = sdk_create(service, guid, ROOT)
    dual = body({"dualAuthDelete": {"enabled": True}}, ctype="application/vnd.ibm.kms.policy+json")
    service.put_policy(key["id"], guid, dual, policy="dualAuthDelete")
    assert service.set_key_for_deletion(key["id"], guid).get_status_code() == 204
    assert sdk_error(service.delete_key, key["id"], guid) == (409, "AUTHORIZATIONS_NOT_MET")
    second = new_kp(base_url, "emulator-viewer-key")
    assert second.delete_key(key["id"], guid).get_status_code() == 204


def test_sdk_access_control(kms, base_url):
    service, guid = kms
    key = sdk_create(service, guid, ROOT)
    viewer = new_kp(base_url, "emulator-viewer-key")
    assert viewer.get_key(key["id"], guid).get_status_code() == 200
    # Key Protect answers a missing role with 401 UNAUTHORIZED_ERR (its error-messages doc), not 403.
    assert sdk_error(viewer.create_key, guid, stream(body(ROOT)))[0] == 401
    assert sdk_error(viewer.delete_key, key["id"], guid)[0] == 401
    stranger = new_kp(base_url, "emulator-kms-account-key")
    assert sdk_error(stranger.get_keys, guid)[0] == 401


def test_sdk_hpcs_endpoint_needs_initialization(world, base_url):
    guid = make_instance(world, "hs-crypto")
    service = new_kp(base_url, prefix=f"/hpcs/{guid}")
    status, message = sdk_error(service.create_key, guid, stream(body(ROOT)))
    assert status == 400 and "CKR_IBM_WK_NOT_INITIALIZED" in message and "initialize" in message
    import requests
    assert requests.post(f"{base_url}/_emulator/hpcs/{guid}/initialize", timeout=5).status_code == 200
    key = sdk_create(service, guid, ROOT)
    assert key["crn"].startswith("crn:v1:bluemix:public:hs-crypto:us-south:")
    assert sdk_error(new_kp(base_url).get_keys, guid)[0] == 401


def test_sdk_legacy_action_form(kms):
    service, guid = kms
    key = sdk_create(service, guid, ROOT)
    assert service.action_on_key(key["id"], guid, "disable", stream({})).get_status_code() == 204
    assert service.get_key(key["id"], guid).get_result()["resources"][0]["state"] == 2


# -- wire-level ---------------------------------------------------------------------------------
def test_expiration_ticker_deactivates(wire, world):
    client, guid, headers = wire
    key = wire_create(client, headers, dict(ROOT, expirationDate=kp_store.iso8601(world.clock.now() + 120)))
    url = f"/api/v2/keys/{key['id']}"
    assert client.get(url, headers=headers).get_json()["resources"][0]["state"] == 1
    client.post("/_emulator/clock", json={"advance_seconds": 121})
    assert client.get(url, headers=headers).get_json()["resources"][0]["state"] == 3
    entries = client.get("/_emulator/requests").get_json()["requests"]
    assert [e["changed"] for e in entries if e["method"] == "GET"] == [False, False]


@pytest.mark.parametrize("payload, raw, status, code", [
    (None, b"", 400, "NO_BODY_ERR"),
    (None, b"{not json", 400, "BAD_BODY_ERR"),
    ({"metadata": {"collectionType": "application/vnd.ibm.kms.key+json", "collectionTotal": 2},
      "resources": [{"name": "k"}]}, None, 400, "COLLECTION_TOTAL_MISMATCH_ERR"),
    (body({"extractable": False}), None, 400, "INVALID_FIELD_ERR"),
    (body(dict(ROOT, aliases=["a1", "a2", "a3", "a4", "a5", "a6"])), None, 400, "KEY_ALIAS_QUOTA_ERR"),
    (body(dict(ROOT, aliases=["x"])), None, 400, "INVALID_FIELD_ERR"),
    (body(dict(ROOT, aliases=["bad alias!"])), None, 400, "INVALID_FIELD_ERR"),
    (body(dict(ROOT, aliases=[str(uuid.uuid4())])), None, 400, "INVALID_FIELD_ERR"),
    (body(dict(ROOT, expirationDate="2001-01-01T00:00:00Z")), None, 400, "INVALID_FIELD_ERR"),
    (body(dict(ROOT, payload="not base64!!")), None, 400, "INVALID_FIELD_ERR"),
])
def test_create_validation(wire, payload, raw, status, code):
    client, _, headers = wire
    data = raw if raw is not None else json.dumps(payload).encode()
    response = client.post("/api/v2/keys", data=data, headers={**headers,
                                                               "Content-Type": "application/vnd.ibm.kms.key+json"})
    assert response.status_code == status and reason(response) == code
    assert response.get_json()["metadata"]["collectionType"] == "application/vnd.ibm.kms.error+json"


def test_create_alias_must_be_unique(wire):
    client, _, headers = wire
    wire_create(client, headers, dict(ROOT, aliases=["shared"]))
    response = client.post("/api/v2/keys", json=body(dict(ROOT, aliases=["shared"])), headers=headers)
    assert response.status_code == 400 and reason(response) == "KEY_ALIAS_NOT_UNIQUE_ERR"


@pytest.mark.parametrize("prefer, has_full_body", [("return=representation", True), ("return=minimal", False)])
def test_create_prefer_and_content_type(wire, prefer, has_full_body):
    client, _, headers = wire
    response = client.post("/api/v2/keys", json=body(ROOT), headers={**headers, "Prefer": prefer})
    assert response.status_code == 201
    assert response.content_type == "application/vnd.ibm.kms.key+json"
    resource = response.get_json()["resources"][0]
    assert ("name" in resource) is has_full_body and resource["id"]


@pytest.mark.parametrize("headers_of, status, text", [
    (lambda token, guid: {"Bluemix-Instance": guid}, 401, "Unauthorized"),
    (lambda token, guid: {"Authorization": "Bearer " + token}, 400, "Bluemix-Instance"),
    (lambda token, guid: {"Authorization": "Bearer " + token, "Bluemix-Instance": "nope"}, 400, "valid UUID"),
    (lambda token, guid: {"Authorization": "Bearer " + token, "Bluemix-Instance": str(uuid.uuid4())}, 401,
     "Unauthorized"),
])
def test_instance_and_token_errors(wire, client, headers_of, status, text):
    _, guid, headers = wire
    token = headers["Authorization"].split()[1]
    response = client.get("/api/v2/keys", headers=headers_of(token, guid))
    assert response.status_code == status
    assert text in response.get_json()["resources"][0]["errorMsg"]


def test_correlation_id_is_echoed(wire):
    client, _, headers = wire
    response = client.get("/api/v2/keys", headers={**headers, "Correlation-Id": "corr-1"})
    assert response.headers["Correlation-Id"] == "corr-1"


@pytest.mark.parametrize("query, expected", [
    ("search=exact:name:alpha", ["alpha"]),
    ("search=alpha", ["alpha", "alpha-two"]),
    ("search=alias:al-b", ["beta"]),
    ("search=not:alpha", ["beta"]),
    ("extractable=true", ["beta"]),
    ("filter=extractable=false", ["alpha", "alpha-two"]),
    ("sort=-id&limit=1", None),
    ("limit=2&offset=1", ["alpha-two", "beta"]),
])
def test_list_queries(wire, query, expected):
    client, _, headers = wire
    wire_create(client, headers, dict(ROOT, name="alpha"))
    wire_create(client, headers, dict(ROOT, name="alpha-two"))
    wire_create(client, headers, {"name": "beta", "extractable": True, "aliases": ["al-b"]})
    response = client.get("/api/v2/keys?" + query, headers=headers)
    assert response.status_code == 200
    names = [k["name"] for k in response.get_json()["resources"]]
    assert names == expected if expected is not None else len(names) == 1
    assert response.get_json()["metadata"]["collectionTotal"] == len(names)


@pytest.mark.parametrize("query", ["limit=0", "limit=5001", "state=4", "state=1,x", "filter=state=1&state=1",
                                   "sort=name", "extractable=maybe"])
def test_list_rejects_bad_queries(wire, query):
    client, _, headers = wire
    response = client.get("/api/v2/keys?" + query, headers=headers)
    assert response.status_code == 400 and reason(response) == "INVALID_QUERY_PARAM_ERR"


def test_head_key_total_counts_all_pages(wire):
    client, _, headers = wire
    for index in range(3):
        wire_create(client, headers, dict(ROOT, name=f"k{index}"))
    response = client.head("/api/v2/keys?limit=1", headers=headers)
    assert response.status_code == 200 and response.headers["Key-Total"] == "3" and response.data == b""


@pytest.mark.parametrize("action, status, code", [
    ("enable", 409, "KEY_ACTION_INVALID_STATE_ERR"),
    ("setKeyForDeletion", 409, "NOT_DUAL_AUTH_ERR"),
    ("unsetKeyForDeletion", 409, "NOT_DUAL_AUTH_ERR"),
    ("frobnicate", 400, "INVALID_QUERY_PARAM_ERR"),
])
def test_invalid_actions(wire, action, status, code):
    client, _, headers = wire
    key = wire_create(client, headers, ROOT)
    response = client.post(f"/api/v2/keys/{key['id']}/actions/{action}", headers=headers)
    assert response.status_code == status and reason(response) == code


def test_rotate_standard_key_is_refused(wire):
    client, _, headers = wire
    key = wire_create(client, headers, {"name": "std", "extractable": True})
    response = client.post(f"/api/v2/keys/{key['id']}/actions/rotate", headers=headers)
    assert response.status_code == 400 and reason(response) == "KEY_ROOT_REQ_ERR"


def test_sync_once_per_hour(wire, world):
    client, _, headers = wire
    key = wire_create(client, headers, ROOT)
    url = f"/api/v2/keys/{key['id']}/actions/sync"
    assert client.post(url, headers=headers).status_code == 204
    assert reason(client.post(url, headers=headers)) == "REQ_TOO_EARLY_ERR"


@pytest.mark.parametrize("policy, code", [
    ({"rotation": {"enabled": True, "interval_month": 13}}, "INVALID_FIELD_ERR"),
    ({"rotation": {"enabled": True, "interval_month": 0}}, "INVALID_FIELD_ERR"),
    ({"rotation": {"enabled": "yes"}}, "INVALID_FIELD_ERR"),
])
def test_rotation_policy_validation(wire, policy, code):
    client, _, headers = wire
    key = wire_create(client, headers, ROOT)
    response = client.put(f"/api/v2/keys/{key['id']}/policies?policy=rotation",
                          json=body(policy, ctype="application/vnd.ibm.kms.policy+json"), headers=headers)
    assert response.status_code == 400 and reason(response) == code


def test_rotation_policy_needs_root_key(wire):
    client, _, headers = wire
    key = wire_create(client, headers, {"name": "std", "extractable": True})
    response = client.put(f"/api/v2/keys/{key['id']}/policies",
                          json=body({"rotation": {"enabled": True, "interval_month": 2}},
                                    ctype="application/vnd.ibm.kms.policy+json"), headers=headers)
    assert response.status_code == 400 and reason(response) == "KEY_ROOT_REQ_ERR"


def test_restore_rules(wire, world):
    client, _, headers = wire
    key = wire_create(client, headers, ROOT)
    url = f"/api/v2/keys/{key['id']}"
    assert reason(client.post(url + "/restore", headers=headers)) == "KEY_ACTION_INVALID_STATE_ERR"
    assert client.delete(url, headers=headers).status_code == 204
    assert reason(client.post(url + "/restore", headers=headers)) == "REQ_TOO_EARLY_ERR"
    headers = wire_advance(client, headers, 31 * 86400)
    deleted = client.get(url, headers=headers).get_json()["resources"][0]
    assert deleted["restoreAllowed"] is False and deleted["purgeAllowed"] is True
    assert client.post(url + "/restore", headers=headers).status_code == 409
    headers = wire_advance(client, headers, 60 * 86400)
    assert client.get(url, headers=headers).status_code == 404


def test_read_only_calls_do_not_change_the_world(wire):
    client, guid, headers = wire
    client.get("/api/v2/keys", headers=headers)
    client.get("/api/v2/key_rings", headers=headers)
    client.get("/api/v2/keys/registrations", headers=headers)
    assert not any(e["changed"] for e in client.get("/_emulator/requests").get_json()["requests"])
    wire_create(client, headers, ROOT)
    assert client.get("/_emulator/requests").get_json()["requests"][-1]["changed"] is True


def test_key_ring_rules(wire):
    client, _, headers = wire
    assert reason(client.delete("/api/v2/key_rings/default", headers=headers)) == "KEY_RING_DEFAULT_ERR"
    assert reason(client.post("/api/v2/key_rings/x", headers=headers)) == "INVALID_FIELD_ERR"
    assert client.post("/api/v2/key_rings/ring-b", headers=headers).status_code == 201
    assert reason(client.post("/api/v2/key_rings/ring-b", headers=headers)) == "KEY_RING_CONFLICT_ERR"
    assert reason(client.delete("/api/v2/key_rings/nope", headers=headers)) == "KEY_RING_NOT_FOUND_ERR"


def test_key_create_import_access_policy(wire):
    client, _, headers = wire
    policy = {"metadata": {"collectionType": "application/vnd.ibm.kms.policy+json", "collectionTotal": 1},
              "resources": [{"policy_type": "keyCreateImportAccess",
                             "policy_data": {"enabled": True, "attributes": {"create_root_key": False}}}]}
    assert client.put("/api/v2/instance/policies", json=policy, headers=headers).status_code == 204
    response = client.post("/api/v2/keys", json=body(ROOT), headers=headers)
    assert response.status_code == 409 and reason(response) == "KEY_CREATE_IMPORT_ACCESS_ERR"


def test_kp_path_does_not_serve_hpcs_instances(client, world):
    guid = make_instance(world, "hs-crypto")
    headers = {"Authorization": "Bearer " + token_for(client), "Bluemix-Instance": guid}
    assert client.get("/api/v2/keys", headers=headers).status_code == 401
    assert client.get(f"/hpcs/{make_instance(world)}/api/v2/keys", headers=headers).status_code == 401
    assert client.get(f"/private/hpcs/{guid}/api/v2/keys", headers=headers).status_code == 400


def test_helpers_for_other_modules(world):
    guid = make_instance(world)
    with world.lock:
        key = kp_store.new_key(world, guid, dict(ROOT, aliases=["helper"]), "tester", "default")
        assert kp_store.find_key(world, guid, "helper") is key
        assert kp_store.remove_registrations(world, guid, CLUSTER_CRN) == 0


def test_other_account_admin_is_forbidden_but_own_account_works(world, base_url):
    guid = make_instance(world, account=KMS_ACCOUNT)
    own = new_kp(base_url, "emulator-kms-account-key")
    assert sdk_create(own, guid, ROOT)["crn"].split(":")[6] == f"a/{KMS_ACCOUNT}"
    assert sdk_error(new_kp(base_url).get_keys, guid)[0] == 401
