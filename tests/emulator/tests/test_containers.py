"""Kubernetes Service API: clusters, KMS enablement (synchronous checks and the asynchronous master update)."""

from __future__ import annotations

import re
import uuid

import pytest
import requests

from conftest import token_for
from ibmcloud_emulator.seed import KMS_ACCOUNT, MAIN_ACCOUNT

GRANT = "urn:ibm:params:oauth:grant-type:apikey"
IN_PROGRESS = "Key management service feature enablement in progress."
MAIN_KMS_KEY_OWNERS = "IBMid-100000OWND"


# -- helpers ------------------------------------------------------------------------------------
def add_instance(world, *, service: str = "kms", account: str = MAIN_ACCOUNT, group: str = "Default",
                 name: str | None = None, state: str = "active", initialized: bool = True) -> str:
    guid = str(uuid.uuid4())
    rg = world.resource_group_by_name(account, group)["id"]
    with world.lock:
        world.data["instances"][guid] = {
            "guid": guid, "id": f"crn:v1:bluemix:public:{service}:us-south:a/{account}:{guid}::",
            "crn": f"crn:v1:bluemix:public:{service}:us-south:a/{account}:{guid}::",
            "name": name or f"test-{service}-{guid[:6]}", "account_id": account, "region_id": "us-south",
            "resource_group_id": rg, "state": state, "_service": service,
            "_ready_at": world.clock.now() + 3600}
        world.kms_store(guid)["initialized"] = initialized
    return guid


def add_key(world, guid: str, *, name: str = "crk", state: int = 1, extractable: bool = False) -> str:
    key_id = str(uuid.uuid4())
    instance = world.data["instances"][guid]
    now = world.now_iso()
    with world.lock:
        world.kms_store(guid)["keys"][key_id] = {
            "id": key_id, "name": name, "extractable": extractable, "state": state, "type":
            "application/vnd.ibm.kms.key+json", "creationDate": now,
            "crn": f"{instance['crn'][:-2]}:key:{key_id}",
            "keyVersion": {"id": str(uuid.uuid4()), "creationDate": now}, "dualAuthDelete": {"enabled": False},
            "deleted": state == 5, "lastUpdateDate": now}
    return key_id


def cluster_named(world, name: str) -> dict:
    return next(c for c in world.data["clusters"].values() if c["name"] == name)


def auth(client, apikey: str = "emulator-admin-key") -> dict:
    return {"Authorization": "Bearer " + token_for(client, apikey)}


def enable_body(world, cluster: str, guid: str, crk: str, **extra) -> dict:
    return {"cluster": cluster_named(world, cluster)["id"], "instance_id": guid, "crk_id": crk,
            "private_endpoint": True, **extra}


def registrations(world, guid: str) -> list[dict]:
    return world.data["kms"].get(guid, {}).get("registrations", [])


def authorization_policies(world, service: str) -> list[dict]:
    return [p for p in world.data["policies"].values() if p["type"] == "authorization"
            and {"name": "serviceName", "value": service, "operator": "stringEquals"}
            in p["resources"][0]["attributes"]]


def add_cross_account_policy(world, service: str = "kms", *, extra: list[dict] | None = None,
                             owner: str = KMS_ACCOUNT, operator: str = "stringEquals") -> None:
    with world.lock:
        world.data["policies"]["cross-account-test"] = {
            "id": "cross-account-test", "type": "authorization", "state": "active",
            "subjects": [{"attributes": [{"name": "serviceName", "value": "containers-kubernetes"},
                                         {"name": "accountId", "value": MAIN_ACCOUNT}]}],
            "roles": [{"role_id": "crn:v1:bluemix:public:iam::::serviceRole:Reader"}],
            "resources": [{"attributes": [
                {"name": "serviceName", "value": service, "operator": operator},
                {"name": "accountId", "value": KMS_ACCOUNT, "operator": "stringEquals"}, *(extra or [])]}],
            "_account_id": owner}


# -- seed and getCluster ------------------------------------------------------------------------
@pytest.mark.parametrize("name, provider, kind, group", [
    ("demo-vpc", "vpc-gen2", "kubernetes", "Default"),
    ("demo-roks", "vpc-gen2", "openshift", "Default"),
    ("demo-satellite", "satellite", "kubernetes", "Default"),
    ("demo-classic", "classic", "kubernetes", "prod"),
])
def test_seeded_clusters(client, world, name, provider, kind, group):
    cluster = cluster_named(world, name)
    body = client.get(f"/global/v2/getCluster?cluster={name}", headers=auth(client)).get_json()
    assert re.fullmatch(r"[0-9a-v]{20}", body["id"]) and body["id"] == cluster["id"]
    assert body["crn"] == f"crn:v1:bluemix:public:containers-kubernetes:us-south:a/{MAIN_ACCOUNT}:{body['id']}::"
    assert (body["provider"], body["type"], body["resourceGroupName"], body["region"]) == \
        (provider, kind, group, "us-south")
    assert body["resourceGroup"] == world.resource_group_by_name(MAIN_ACCOUNT, group)["id"]
    assert body["features"] == {"keyProtectEnabled": False, "pullSecretApplied": True}
    assert (body["lifecycle"]["masterStatus"], body["lifecycle"]["masterState"],
            body["lifecycle"]["masterHealth"], body["state"]) == ("Ready", "deployed", "normal", "normal")
    assert not [k for k in body if k.startswith("_")]


@pytest.mark.parametrize("query, flat", [("", False), ("&v1-compatible", True), ("&v1-compatible=true", True)])
def test_get_cluster_v1_compatible_adds_flat_fields(client, query, flat):
    body = client.get(f"/global/v2/getCluster?cluster=demo-vpc{query}", headers=auth(client)).get_json()
    assert ("keyProtectEnabled" in body and "masterStatus" in body and "masterHealth" in body) is flat
    assert body["lifecycle"]["masterState"] == "deployed"  # nested fields are always present
    if flat:
        assert (body["keyProtectEnabled"], body["masterStatus"], body["masterState"]) == (False, "Ready", "deployed")


@pytest.mark.parametrize("apikey, query, headers, status, code", [
    (None, "cluster=demo-vpc", {}, 401, "A0003"),
    ("bad-token", "cluster=demo-vpc", {}, 401, "A0003"),
    ("emulator-admin-key", "cluster=nope", {}, 404, "G0004"),
    ("emulator-admin-key", "", {}, 400, "E4001"),
    ("emulator-kms-account-key", "cluster=demo-vpc", {}, 404, "G0004"),  # by name: other account's names
    ("emulator-kms-account-key", "cluster=ID", {}, 403, "E4031"),  # by id: exists, caller has no access
    ("emulator-admin-key", "cluster=ID", {"X-Auth-Resource-Group": "RG-prod"}, 404, "G0004"),
    ("emulator-admin-key", "cluster=demo-vpc", {"X-Auth-Resource-Group": "RG-Default"}, 200, None),
    ("emulator-viewer-key", "cluster=ID", {}, 200, None),
])
def test_get_cluster_errors(client, world, apikey, query, headers, status, code):
    cid = cluster_named(world, "demo-vpc")["id"]
    headers = {k: world.resource_group_by_name(MAIN_ACCOUNT, v[3:])["id"] for k, v in headers.items()}
    if apikey == "bad-token":
        headers["Authorization"] = "Bearer not-a-jwt"
    elif apikey:
        headers.update(auth(client, apikey))
    response = client.get("/global/v2/getCluster?" + query.replace("ID", cid), headers=headers)
    assert response.status_code == status
    if code:
        body = response.get_json()
        assert body["code"] == code and body["incidentID"] and body["description"] and "type" in body


def test_vpc_get_cluster_is_vpc_only_and_v1_get_is_classic_only(client):
    headers = auth(client)
    assert client.get("/global/v2/vpc/getCluster?cluster=demo-vpc", headers=headers).status_code == 200
    assert client.get("/global/v2/vpc/getCluster?cluster=demo-classic", headers=headers).status_code == 404
    v1 = client.get("/global/v1/clusters/demo-classic", headers=headers)
    assert v1.status_code == 200 and v1.get_json()["masterStatus"] == "Ready"
    assert client.get("/global/v1/clusters/demo-vpc", headers=headers).status_code == 404


# -- lists --------------------------------------------------------------------------------------
@pytest.mark.parametrize("path, apikey, names", [
    ("/global/v2/vpc/getClusters?provider=vpc-gen2", "emulator-admin-key", ["demo-roks", "demo-vpc"]),
    ("/global/v2/vpc/getClusters", "emulator-viewer-key", ["demo-roks", "demo-vpc"]),
    ("/global/v2/vpc/getClusters?provider=classic", "emulator-admin-key", []),
    ("/global/v2/classic/getClusters", "emulator-admin-key", ["demo-classic"]),
    ("/global/v2/satellite/getClusters", "emulator-admin-key", ["demo-satellite"]),
    ("/global/v1/clusters", "emulator-admin-key", ["demo-classic"]),
    ("/global/v2/vpc/getClusters", "emulator-kms-account-key", []),
])
def test_cluster_lists(client, path, apikey, names):
    response = client.get(path, headers=auth(client, apikey))
    assert response.status_code == 200
    assert [c["name"] for c in response.get_json()] == names


@pytest.mark.parametrize("group, names", [("Default", ["demo-roks", "demo-vpc"]), ("prod", [])])
def test_cluster_list_honours_resource_group_header(client, world, group, names):
    headers = {**auth(client), "X-Auth-Resource-Group": world.resource_group_by_name(MAIN_ACCOUNT, group)["id"]}
    assert [c["name"] for c in client.get("/global/v2/vpc/getClusters", headers=headers).get_json()] == names


def test_lists_require_a_token(client):
    assert client.get("/global/v2/classic/getClusters").status_code == 401


# -- getKMSInstances / getCRKs ------------------------------------------------------------------
def test_get_kms_instances_lists_the_callers_active_kms_instances(client, world):
    kp = add_instance(world, name="a-kp")
    hpcs = add_instance(world, service="hs-crypto", name="b-hpcs")
    prod = add_instance(world, group="prod", name="c-prod-kp")
    add_instance(world, state="removed", name="gone")
    other = add_instance(world, account=KMS_ACCOUNT, name="other-account-kp")
    listed = client.get("/global/v2/getKMSInstances", headers=auth(client)).get_json()
    by_id = {i["instance_id"]: i for i in listed}
    assert by_id[kp] == {"instance_id": kp, "name": "a-kp", "region": "us-south", "service": "kms"}
    assert by_id[hpcs]["service"] == "hs-crypto" and prod in by_id
    assert other not in by_id and "gone" not in [i["name"] for i in listed]
    headers = {**auth(client), "X-Auth-Resource-Group": world.resource_group_by_name(MAIN_ACCOUNT, "prod")["id"]}
    assert [i["instance_id"] for i in client.get("/global/v2/getKMSInstances", headers=headers).get_json()] == [prod]
    kms_side = client.get("/global/v2/getKMSInstances", headers=auth(client, "emulator-kms-account-key")).get_json()
    assert [i["instance_id"] for i in kms_side] == [other]


def test_get_crks_lists_active_root_keys_only(client, world):
    guid = add_instance(world)
    root = add_key(world, guid, name="root")
    add_key(world, guid, name="standard", extractable=True)
    add_key(world, guid, name="disabled", state=2)
    for apikey in ("emulator-admin-key", "emulator-viewer-key"):
        response = client.get(f"/global/v2/getCRKs?kms_instance={guid}", headers=auth(client, apikey))
        assert response.status_code == 200 and response.get_json() == [{"crk_id": root, "name": "root"}]


@pytest.mark.parametrize("query, apikey, status", [
    ("", "emulator-admin-key", 400),
    ("kms_instance=00000000-0000-0000-0000-000000000000", "emulator-admin-key", 404),
    ("kms_instance=GUID", "emulator-kms-account-key", 404),
    ("kms_instance=GUID", None, 401),
])
def test_get_crks_errors(client, world, query, apikey, status):
    guid = add_instance(world)
    headers = auth(client, apikey) if apikey else {}
    assert client.get("/global/v2/getCRKs?" + query.replace("GUID", guid), headers=headers).status_code == status


# -- enableKMS: synchronous refusals ------------------------------------------------------------
@pytest.mark.parametrize("mutate, code", [
    (lambda b: b.pop("cluster"), "E4001"),
    (lambda b: b.pop("instance_id"), "E4001"),
    (lambda b: b.pop("crk_id"), "E4001"),
    (lambda b: b.update(crk_id=""), "E4001"),
    (lambda b: b.update(private_endpoint="yes"), "E4001"),
    (lambda b: b.update(account_id=7), "E4001"),
])
def test_enable_kms_body_validation(client, world, mutate, code):
    guid = add_instance(world)
    body = enable_body(world, "demo-vpc", guid, add_key(world, guid))
    mutate(body)
    response = client.post("/global/v2/enableKMS", json=body, headers=auth(client))
    assert response.status_code == 400 and response.get_json()["code"] == code
    assert client.post("/global/v2/enableKMS", data="not json", headers=auth(client)).status_code == 400


@pytest.mark.parametrize("case, status, code", [
    ("viewer", 403, "E4031"),
    ("other-account-caller", 403, "E4031"),
    ("unknown-cluster", 404, "G0004"),
    ("unknown-instance", 404, "E4041"),
    ("instance-in-other-account", 404, "E4041"),
    ("unknown-key", 404, "E4041"),
    ("standard-key", 400, "E4002"),
    ("disabled-key", 400, "E4003"),
    ("deleted-key", 400, "E4003"),
    ("hpcs-uninitialized", 400, "E4004"),
    ("instance-provisioning", 400, "E4008"),
    ("satellite-cross-account", 400, "E4006"),
    ("cross-account-without-policy", 400, "E4007"),
    ("unknown-key-without-kms-store", 404, "E4041"),
])
def test_enable_kms_refusals(client, world, case, status, code):
    service = "hs-crypto" if case == "hpcs-uninitialized" else "kms"
    account = KMS_ACCOUNT if "cross-account" in case or case == "instance-in-other-account" else MAIN_ACCOUNT
    guid = add_instance(world, service=service, account=account, initialized=case != "hpcs-uninitialized",
                        state="provisioning" if case == "instance-provisioning" else "active")
    key = add_key(world, guid, extractable=case == "standard-key",
                  state={"disabled-key": 2, "deleted-key": 5}.get(case, 1))
    body = enable_body(world, "demo-satellite" if case.startswith("satellite") else "demo-vpc", guid, key)
    if "cross-account" in case:
        body["account_id"] = KMS_ACCOUNT
    body.update({"unknown-cluster": {"cluster": "nope"}, "unknown-instance": {"instance_id": str(uuid.uuid4())},
                 "unknown-key": {"crk_id": str(uuid.uuid4())}}.get(case, {}))
    if case == "unknown-key-without-kms-store":
        with world.lock:
            del world.data["kms"][guid]
    apikey = {"viewer": "emulator-viewer-key", "other-account-caller": "emulator-kms-account-key"}.get(
        case, "emulator-admin-key")
    before = world.fingerprint()
    response = client.post("/global/v2/enableKMS", json=body, headers=auth(client, apikey))
    assert response.status_code == status, response.get_json()
    assert response.get_json()["code"] == code
    assert world.fingerprint() == before


def test_enable_kms_requires_a_token(client, world):
    guid = add_instance(world)
    response = client.post("/global/v2/enableKMS", json=enable_body(world, "demo-vpc", guid, add_key(world, guid)))
    assert response.status_code == 401 and response.get_json()["code"] == "A0003"


# -- enableKMS: the asynchronous flow over real HTTP --------------------------------------------
class Api:
    def __init__(self, base_url: str, apikey: str = "emulator-admin-key") -> None:
        self.base_url = base_url
        token = requests.post(base_url + "/identity/token", data={"grant_type": GRANT, "apikey": apikey},
                              timeout=5).json()["access_token"]
        self.headers = {"Authorization": "Bearer " + token}

    def enable(self, body: dict) -> requests.Response:
        return requests.post(self.base_url + "/global/v2/enableKMS", json=body, headers=self.headers, timeout=5)

    def cluster(self, name: str) -> dict:
        response = requests.get(self.base_url + "/global/v2/getCluster", params={"cluster": name, "v1-compatible": ""},
                                headers=self.headers, timeout=5)
        assert response.status_code == 200
        return response.json()

    def advance(self, seconds: float) -> None:
        requests.post(self.base_url + "/_emulator/clock", json={"advance_seconds": seconds}, timeout=5)

    def log(self) -> list[dict]:
        return requests.get(self.base_url + "/_emulator/requests", timeout=5).json()["requests"]


def lifecycle(body: dict) -> tuple:
    return (body["features"]["keyProtectEnabled"], body["lifecycle"]["masterStatus"],
            body["lifecycle"]["masterState"], body["lifecycle"]["masterHealth"])


@pytest.mark.parametrize("service", ["kms", "hs-crypto"])
def test_enable_rotate_and_refuse_previous_key(base_url, world, service):
    api = Api(base_url)
    guid = add_instance(world, service=service)
    first, second = add_key(world, guid, name="crk-1"), add_key(world, guid, name="crk-2")
    cluster = cluster_named(world, "demo-vpc")
    assert not authorization_policies(world, service)

    assert api.enable(enable_body(world, "demo-vpc", guid, first)).status_code == 200
    assert lifecycle(api.cluster("demo-vpc")) == (False, IN_PROGRESS, "updating", "normal")
    assert registrations(world, guid) == []
    api.advance(world.enable_seconds)
    body = api.cluster("demo-vpc")
    assert lifecycle(body) == (True, "Ready", "deployed", "normal") and body["keyProtectEnabled"] is True
    [registration] = registrations(world, guid)
    key = world.data["kms"][guid]["keys"][first]
    assert registration["keyId"] == first and registration["resourceCrn"] == cluster["crn"]
    assert registration["keyName"] == "crk-1"
    assert registration["keyVersion"] == key["keyVersion"] and registration["preventKeyDeletion"] is False
    assert {"createdBy", "creationDate", "updatedBy", "lastUpdated", "description"} <= set(registration)
    [policy] = authorization_policies(world, service)
    assert policy["roles"][0]["role_id"] == "crn:v1:bluemix:public:iam::::serviceRole:Reader"
    assert policy["_account_id"] == MAIN_ACCOUNT and cluster["_kms"]["crk_id"] == first

    assert api.enable(enable_body(world, "demo-vpc", guid, first)).status_code == 200  # re-send: no-op
    assert api.log()[-1]["changed"] is False
    assert lifecycle(api.cluster("demo-vpc"))[1] == "Ready"

    assert api.enable(enable_body(world, "demo-vpc", guid, second)).status_code == 200
    assert lifecycle(api.cluster("demo-vpc")) == (True, IN_PROGRESS, "updating", "normal")
    api.advance(world.enable_seconds)
    assert lifecycle(api.cluster("demo-vpc"))[1:3] == ("Ready", "deployed")
    assert [r["keyId"] for r in registrations(world, guid)] == [second]
    assert cluster["_kms_history"] == [first, second] and len(authorization_policies(world, service)) == 1

    refused = api.enable(enable_body(world, "demo-vpc", guid, first))
    assert refused.status_code == 400 and refused.json()["code"] == "E4005"


def test_reads_never_change_state_and_enable_does(base_url, world):
    api = Api(base_url)
    guid = add_instance(world)
    crk = add_key(world, guid)
    api.cluster("demo-roks")
    requests.get(base_url + "/global/v2/getCRKs", params={"kms_instance": guid}, headers=api.headers, timeout=5)
    requests.get(base_url + "/global/v2/getKMSInstances", headers=api.headers, timeout=5)
    api.enable(enable_body(world, "demo-roks", guid, crk))
    api.advance(world.enable_seconds)
    api.cluster("demo-roks")
    assert [(e["path"], e["changed"]) for e in api.log()[1:]] == [
        ("/global/v2/getCluster", False), ("/global/v2/getCRKs", False), ("/global/v2/getKMSInstances", False),
        ("/global/v2/enableKMS", True), ("/global/v2/getCluster", False)]


def test_second_enable_while_updating(base_url, world):
    api = Api(base_url)
    guid = add_instance(world)
    first, second = add_key(world, guid), add_key(world, guid)
    assert api.enable(enable_body(world, "demo-vpc", guid, first)).status_code == 200
    assert api.enable(enable_body(world, "demo-vpc", guid, first)).status_code == 200
    conflict = api.enable(enable_body(world, "demo-vpc", guid, second))
    assert conflict.status_code == 409 and conflict.json()["code"] == "E4091"


def test_prod_cluster_fails_because_its_api_key_owner_lacks_kms_roles(base_url, world):
    api = Api(base_url)
    guid = add_instance(world, group="prod")
    crk = add_key(world, guid)
    assert api.enable(enable_body(world, "demo-classic", guid, crk)).status_code == 200
    assert lifecycle(api.cluster("demo-classic"))[1] == IN_PROGRESS
    api.advance(world.enable_seconds)
    body = api.cluster("demo-classic")
    assert lifecycle(body)[0] is False and body["lifecycle"]["masterState"] == "update_failed"
    assert body["lifecycle"]["masterHealth"] == "error" and "IBMid-100000OWNP" in body["lifecycle"]["masterStatus"]
    assert registrations(world, guid) == [] and not authorization_policies(world, "kms")
    # the same request again starts a new attempt (the failed key was never in use)
    assert api.enable(enable_body(world, "demo-classic", guid, crk)).status_code == 200
    assert lifecycle(api.cluster("demo-classic"))[1] == IN_PROGRESS


def test_key_disabled_before_completion_fails_the_update(base_url, world):
    api = Api(base_url)
    guid = add_instance(world)
    crk = add_key(world, guid)
    api.enable(enable_body(world, "demo-vpc", guid, crk))
    world.data["kms"][guid]["keys"][crk]["state"] = 2
    api.advance(world.enable_seconds)
    assert lifecycle(api.cluster("demo-vpc"))[:3] == (False, "Key management service feature enablement failed. "
                                                      f"The root key '{crk}' is no longer active.", "update_failed")


def test_cross_account_enable_with_policy_in_kms_account(base_url, world):
    api = Api(base_url)
    guid = add_instance(world, account=KMS_ACCOUNT)
    crk = add_key(world, guid)
    add_cross_account_policy(world)
    body = enable_body(world, "demo-vpc", guid, crk, account_id=KMS_ACCOUNT)
    assert api.enable(body).status_code == 200
    api.advance(world.enable_seconds)
    assert lifecycle(api.cluster("demo-vpc")) == (True, "Ready", "deployed", "normal")
    assert [r["keyId"] for r in registrations(world, guid)] == [crk]
    assert [p["id"] for p in authorization_policies(world, "kms")] == ["cross-account-test"]  # none auto-created
    satellite = api.enable(enable_body(world, "demo-satellite", guid, crk, account_id=KMS_ACCOUNT))
    assert satellite.status_code == 400 and satellite.json()["code"] == "E4006"


@pytest.mark.parametrize("policy, status", [
    ({"extra": [{"name": "serviceInstance", "value": "GUID", "operator": "stringEquals"}]}, 200),
    ({"operator": "stringMatch", "service": "k*"}, 200),
    ({"extra": [{"name": "serviceInstance", "value": "another-instance", "operator": "stringEquals"}]}, 400),
    ({"service": "hs-crypto"}, 400),
    ({"owner": MAIN_ACCOUNT}, 400),  # a policy in the cluster's account does not authorize the KMS account
])
def test_cross_account_authorization_policy_matching(client, world, policy, status):
    guid = add_instance(world, account=KMS_ACCOUNT)
    crk = add_key(world, guid)
    for attribute in policy.get("extra", []):
        attribute["value"] = attribute["value"].replace("GUID", guid)
    add_cross_account_policy(world, **policy)
    body = enable_body(world, "demo-vpc", guid, crk, account_id=KMS_ACCOUNT)
    response = client.post("/global/v2/enableKMS", json=body, headers=auth(client))
    assert response.status_code == status


def test_viewer_gets_403_over_http(base_url, world):
    guid = add_instance(world)
    response = Api(base_url, "emulator-viewer-key").enable(enable_body(world, "demo-vpc", guid, add_key(world, guid)))
    assert response.status_code == 403 and response.json()["type"] == "Authorization"
    no_token = requests.post(base_url + "/global/v2/enableKMS", json={}, timeout=5)
    assert no_token.status_code == 401 and no_token.json()["code"] == "A0003"


@pytest.mark.parametrize("key_state, cluster_state", [(1, "normal"), (2, "warning"), (3, "warning"),
                                                       (5, "critical"), (None, "critical")])
def test_root_key_health_shows_on_the_cluster_without_changing_state(client, world, key_state, cluster_state):
    guid = add_instance(world)
    crk = add_key(world, guid)
    headers = auth(client)
    client.post("/global/v2/enableKMS", json=enable_body(world, "demo-vpc", guid, crk), headers=headers)
    world.clock.advance(world.enable_seconds)
    client.get("/global/v2/getCluster?cluster=demo-vpc", headers=headers)  # ticks: the update completes
    with world.lock:
        if key_state is None:
            del world.data["kms"][guid]["keys"][crk]
        else:
            world.data["kms"][guid]["keys"][crk]["state"] = key_state
    before = world.fingerprint()
    body = client.get("/global/v2/getCluster?cluster=demo-vpc&v1-compatible", headers=headers).get_json()
    assert body["state"] == cluster_state and world.fingerprint() == before
    assert (body["masterHealth"] == "normal") is (key_state == 1)
    assert body["keyProtectEnabled"] is True


def test_token_account_matters_even_with_a_policy_in_the_other_account(client, world):
    """A policy in the main account for a user whose token is for another account grants nothing there."""
    kp = add_instance(world)
    with world.lock:
        world.data["policies"]["invited"] = {
            "id": "invited", "type": "access", "state": "active",
            "subjects": [{"attributes": [{"name": "iam_id", "value": "IBMid-100000KMSA"}]}],
            "roles": [{"role_id": "crn:v1:bluemix:public:iam::::role:Administrator"}],
            "resources": [{"attributes": [{"name": "accountId", "value": MAIN_ACCOUNT, "operator": "stringEquals"}]}],
            "_account_id": MAIN_ACCOUNT}
    headers = auth(client, "emulator-kms-account-key")
    cid = cluster_named(world, "demo-vpc")["id"]
    assert client.get(f"/global/v2/getCluster?cluster={cid}", headers=headers).status_code == 403
    assert client.get("/global/v2/vpc/getClusters", headers=headers).get_json() == []
    assert kp not in [i["instance_id"] for i in client.get("/global/v2/getKMSInstances", headers=headers).get_json()]


def test_the_cluster_key_owner_is_the_owner_of_its_region_and_groups_api_key(client, admin_headers):
    owner = client.get("/global/v1/logging/demo-classic/clusterkeyowner", headers=admin_headers)
    assert owner.status_code == 200
    assert owner.get_json() == {"id": "IBMid-100000OWNP", "name": "Pat Prod-Owner",
                                "email": "cluster-owner-prod@example.com"}
    assert client.get("/global/v1/logging/no-such/clusterkeyowner", headers=admin_headers).status_code == 404
