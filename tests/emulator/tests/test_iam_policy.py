"""IAM Policy Management v1: IBM's IamPolicyManagementV1 client plus wire-level checks."""

from __future__ import annotations

import copy

import pytest
from ibm_cloud_sdk_core import ApiException
from ibm_cloud_sdk_core.authenticators import IAMAuthenticator
from ibm_platform_services import IamPolicyManagementV1
from ibm_platform_services.iam_policy_management_v1 import PoliciesPager

from conftest import token_for
from ibmcloud_emulator.seed import KMS_ACCOUNT, MAIN_ACCOUNT, stable_id

READER = "crn:v1:bluemix:public:iam::::serviceRole:Reader"
DELEGATOR = "crn:v1:bluemix:public:iam::::role:AuthorizationDelegator"
INSTANCE = "12043812-757f-4e1e-8436-6af3245e6a69"


def pap(base_url, apikey="emulator-admin-key"):
    service = IamPolicyManagementV1(authenticator=IAMAuthenticator(apikey, url=base_url))
    service.set_service_url(base_url)
    return service


def subject(account=MAIN_ACCOUNT, service="containers-kubernetes", **extra):
    attrs = [{"name": "serviceName", "value": service}, {"name": "accountId", "value": account}]
    return [{"attributes": attrs + [{"name": k, "value": v} for k, v in extra.items()]}]


def resource(account=MAIN_ACCOUNT, service="kms", instance=None):
    attrs = [{"name": "serviceName", "value": service, "operator": "stringEquals"},
             {"name": "accountId", "value": account, "operator": "stringEquals"}]
    if instance:
        attrs.append({"name": "serviceInstance", "value": instance, "operator": "stringEquals"})
    return [{"attributes": attrs}]


def roles(*role_ids):
    return [{"role_id": r} for r in role_ids or (READER,)]


def create(service, *, subjects=None, resources=None, role_list=None):
    return service.create_policy("authorization", subjects or subject(), role_list or roles(),
                                 resources or resource(instance=INSTANCE), description="IKS -> KP")


def test_sdk_create_get_list_delete(base_url):
    service = pap(base_url)
    created = create(service)
    assert created.get_status_code() == 201
    policy = created.get_result()
    assert policy["type"] == "authorization" and policy["state"] == "active"
    assert policy["roles"][0]["role_id"] == READER and policy["roles"][0]["display_name"] == "Reader"
    assert policy["href"] == f"{base_url}/v1/policies/{policy['id']}"
    assert created.get_headers()["ETag"]
    assert service.get_policy(policy["id"]).get_result()["resources"] == policy["resources"]
    listed = service.list_policies(MAIN_ACCOUNT, type="authorization").get_result()["policies"]
    assert [p["id"] for p in listed] == [policy["id"]]
    assert service.delete_policy(policy["id"]).get_status_code() == 204
    assert service.get_policy(policy["id"]).get_result()["state"] == "deleted"
    assert service.list_policies(MAIN_ACCOUNT, type="authorization").get_result()["policies"] == []
    deleted = service.list_policies(MAIN_ACCOUNT, type="authorization", state="deleted").get_result()["policies"]
    assert [p["id"] for p in deleted] == [policy["id"]]
    assert create(service).get_status_code() == 201


@pytest.mark.parametrize(
    "existing, requested",
    [
        ({}, {}),  # the same policy twice
        ({"resources": resource()}, {}),  # service-wide grant covers one instance
        ({"role_list": roles(READER, DELEGATOR)}, {}),  # more roles cover fewer
        ({"subjects": subject()}, {"subjects": subject(serviceInstance="cluster-1")}),
    ],
)
def test_sdk_conflict_is_409_with_the_existing_policy(base_url, existing, requested):
    service = pap(base_url)
    first = create(service, **existing).get_result()
    with pytest.raises(ApiException) as caught:
        create(service, **requested)
    assert caught.value.status_code == 409
    error = caught.value.http_response.json()["errors"][0]
    assert error["code"] == "policy_conflict_error"
    conflict = error["details"]["conflicts_with"]
    assert conflict["policy"]["id"] == first["id"] and conflict["etag"].startswith("1-")
    assert conflict["policy"]["control"]["grant"]["roles"][0]["role_id"] == READER
    assert len(service.list_policies(MAIN_ACCOUNT, type="authorization").get_result()["policies"]) == 1


@pytest.mark.parametrize(
    "existing, requested",
    [
        ({}, {"resources": resource()}),  # narrower existing does not cover a service-wide grant
        ({}, {"role_list": roles(READER, DELEGATOR)}),  # a new role is not covered
        ({}, {"resources": resource(instance="other-instance")}),
        ({}, {"subjects": subject(service="server-protect")}),
    ],
)
def test_sdk_not_covered_is_created(base_url, existing, requested):
    service = pap(base_url)
    create(service, **existing)
    assert create(service, **requested).get_status_code() == 201


def test_sdk_pager_follows_next_start(base_url):
    service = pap(base_url)
    for index in range(3):
        create(service, resources=resource(instance=f"instance-{index}"))
    total = len(service.list_policies(MAIN_ACCOUNT).get_result()["policies"])
    first = service.list_policies(MAIN_ACCOUNT, limit=2).get_result()
    assert len(first["policies"]) == 2 and first["next"]["start"] and "start=" in first["next"]["href"]
    pager = PoliciesPager(client=service, account_id=MAIN_ACCOUNT, limit=2)
    assert len({p["id"] for p in pager.get_all()}) == total > 2


def test_cross_account_policy_in_the_kms_account(base_url):
    service = pap(base_url, "emulator-kms-account-key")
    policy = create(service, resources=resource(account=KMS_ACCOUNT)).get_result()
    assert [p["id"] for p in service.list_policies(KMS_ACCOUNT, type="authorization").get_result()["policies"]] == \
        [policy["id"]]
    with pytest.raises(ApiException) as caught:
        create(service)  # resource in the main account: no Administrator role there
    assert caught.value.status_code == 403


@pytest.mark.parametrize(
    "query, expected_types, count",
    [
        ("type=access", {"access"}, 7),  # with the trusted profile kms-automation's
        ("type=authorization", {"authorization"}, 1),
        ("iam_id=IBMid-100000OWND", {"access"}, 2),  # its own; the third is its access group's
        ("access_group_id=AccessGroupId-" + stable_id("access-group", MAIN_ACCOUNT, "hpcs-operators"), {"access"}, 1),
        ("iam_id=IBMid-nobody", set(), 0),
        ("service_type=service", {"access", "authorization"}, 8),
        ("service_type=platform_service", set(), 0),
    ],
)
def test_list_filters(client, query, expected_types, count):
    headers = {"Authorization": "Bearer " + token_for(client)}
    body = {"type": "authorization", "subjects": subject(), "roles": roles(), "resources": resource()}
    assert client.post("/v1/policies", json=body, headers=headers).status_code == 201
    found = client.get(f"/v1/policies?account_id={MAIN_ACCOUNT}&{query}", headers=headers).get_json()["policies"]
    assert {p["type"] for p in found} == expected_types and len(found) == count
    if "iam_id=IBMid-100000OWND" in query:
        assert all(p["subjects"][0]["attributes"][0]["value"] == "IBMid-100000OWND" for p in found)


def _valid_body():
    return {"type": "authorization", "subjects": subject(), "roles": roles(), "resources": resource(instance=INSTANCE)}


def _without(attrs, name):
    return [{"attributes": [a for a in attrs[0]["attributes"] if a["name"] != name]}]


@pytest.mark.parametrize(
    "change, code",
    [
        (lambda b: b.update(type="magic"), "invalid_body"),
        (lambda b: b.pop("roles"), "invalid_body"),
        (lambda b: b.update(roles=[{"role_id": "crn:v1:bluemix:public:iam::::serviceRole:Overlord"}]),
         "role_not_found"),
        (lambda b: b.update(roles=[{"role_id": "crn:v1:bluemix:public:iam::::role:Reader"}]), "role_not_found"),
        (lambda b: b.update(roles=[{"role_id": "crn:v1:bluemix:public:iam::::role:Administrator"}]),
         "invalid_body"),
        (lambda b: b.update(subjects=_without(b["subjects"], "accountId")), "invalid_body"),
        (lambda b: b.update(subjects=_without(b["subjects"], "serviceName")), "invalid_body"),
        (lambda b: b.update(resources=_without(b["resources"], "accountId")), "invalid_body"),
        (lambda b: b.update(subjects=b["subjects"] * 2), "invalid_body"),
        (lambda b: b["resources"][0]["attributes"][0].update(operator="regex"), "invalid_body"),
        (lambda b: b["subjects"][0]["attributes"].append({"name": "iam_id", "value": "x"}), "invalid_body"),
        (lambda b: b.update(type="access"), "invalid_body"),  # access policy subject needs iam_id
        (lambda b: b.update(description=5), "invalid_body"),
    ],
)
def test_create_validation(client, world, change, code):
    body = copy.deepcopy(_valid_body())
    change(body)
    before = len(world.data["policies"])
    response = client.post("/v1/policies", json=body, headers={"Authorization": "Bearer " + token_for(client)})
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["code"] == code
    assert len(world.data["policies"]) == before


def test_subject_with_resource_group_instead_of_service(client):
    body = _valid_body()
    body["subjects"] = [{"attributes": [{"name": "resourceGroupId", "value": "rg"},
                                        {"name": "accountId", "value": MAIN_ACCOUNT}]}]
    response = client.post("/v1/policies", json=body, headers={"Authorization": "Bearer " + token_for(client)})
    assert response.status_code == 201


def test_access_policy_is_stored_like_the_seeded_ones(client, world):
    body = {"type": "access", "subjects": [{"attributes": [{"name": "iam_id", "value": "IBMid-100000VIEW"}]}],
            "roles": roles("crn:v1:bluemix:public:iam::::role:Editor"), "resources": resource(service="kms")}
    response = client.post("/v1/policies", json=body, headers={"Authorization": "Bearer " + token_for(client)})
    assert response.status_code == 201
    stored = world.data["policies"][response.get_json()["id"]]
    assert stored["_account_id"] == MAIN_ACCOUNT and stored["state"] == "active"
    from ibmcloud_emulator.auth import roles_held

    assert "Editor" in roles_held(world, "IBMid-100000VIEW", {"accountId": MAIN_ACCOUNT, "serviceName": "kms"})


@pytest.mark.parametrize(
    "apikey, method, status",
    [
        ("emulator-viewer-key", "post", 403),
        ("emulator-viewer-key", "list", 200),
        ("emulator-viewer-key", "delete", 403),
        ("emulator-iks-key-us-south-default", "list", 403),
        ("emulator-kms-account-key", "list", 403),
        ("emulator-admin-key", "delete", 204),
    ],
)
def test_role_checks(client, apikey, method, status):
    admin = {"Authorization": "Bearer " + token_for(client)}
    policy = client.post("/v1/policies", json=_valid_body(), headers=admin).get_json()
    headers = {"Authorization": "Bearer " + token_for(client, apikey)}
    if method == "post":
        body = {**_valid_body(), "resources": resource()}
        response = client.post("/v1/policies", json=body, headers=headers)
    elif method == "list":
        response = client.get(f"/v1/policies?account_id={MAIN_ACCOUNT}", headers=headers)
    else:
        response = client.delete(f"/v1/policies/{policy['id']}", headers=headers)
    assert response.status_code == status


@pytest.mark.parametrize(
    "method, path, status, code",
    [
        ("get", "/v1/policies", 400, "invalid_query"),
        ("get", f"/v1/policies?account_id={MAIN_ACCOUNT}&limit=0", 400, "invalid_query"),
        ("get", f"/v1/policies?account_id={MAIN_ACCOUNT}&limit=101", 400, "invalid_query"),
        ("get", f"/v1/policies?account_id={MAIN_ACCOUNT}&type=other", 400, "invalid_query"),
        ("get", f"/v1/policies?account_id={MAIN_ACCOUNT}&sort=color", 400, "invalid_query"),
        ("get", f"/v1/policies?account_id={MAIN_ACCOUNT}&start=%21%21", 400, "invalid_query"),
        ("get", "/v1/policies/no-such-policy", 404, "policy_not_found"),
        ("delete", "/v1/policies/no-such-policy", 404, "policy_not_found"),
    ],
)
def test_errors(client, method, path, status, code):
    response = getattr(client, method)(path, headers={"Authorization": "Bearer " + token_for(client)})
    assert response.status_code == status
    assert response.get_json()["errors"][0]["code"] == code


@pytest.mark.parametrize("method, path", [("get", "/v1/policies"), ("post", "/v1/policies"),
                                          ("get", "/v1/policies/x"), ("delete", "/v1/policies/x"),
                                          ("get", "/v2/roles")])
def test_unauthenticated_is_401(client, method, path):
    response = getattr(client, method)(path, json={})
    assert response.status_code == 401 and response.get_json()["errors"][0]["code"] == "unauthorized"


def test_delete_twice_is_404(client):
    headers = {"Authorization": "Bearer " + token_for(client)}
    pid = client.post("/v1/policies", json=_valid_body(), headers=headers).get_json()["id"]
    assert client.delete(f"/v1/policies/{pid}", headers=headers).status_code == 204
    assert client.delete(f"/v1/policies/{pid}", headers=headers).status_code == 404


def test_sdk_list_roles_for_authorization(base_url):
    result = pap(base_url).list_roles(service_name="kms", source_service_name="containers-kubernetes",
                                      policy_type="authorization").get_result()
    assert READER in [r["crn"] for r in result["service_roles"]]
    assert [r["crn"] for r in result["system_roles"]] == [DELEGATOR]
