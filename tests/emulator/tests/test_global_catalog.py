"""Global Catalog through IBM's GlobalCatalogV1 client (as the Terraform provider finds a service and its plans),
plus wire checks."""

from __future__ import annotations

from ibm_cloud_sdk_core.authenticators import IAMAuthenticator, NoAuthAuthenticator
from ibm_platform_services import GlobalCatalogV1

from ibmcloud_emulator.resource_controller import CATALOG


def catalog(base_url, authenticator=None):
    client = GlobalCatalogV1(authenticator=authenticator or IAMAuthenticator("emulator-admin-key", url=base_url))
    client.set_service_url(base_url + "/api/v1")
    return client


def test_a_search_finds_the_service_by_name_among_entries_that_only_mention_it(base_url):
    found = catalog(base_url).list_catalog_entries(q="hs-crypto").get_result()
    names = [entry["name"] for entry in found["resources"]]
    assert "hs-crypto" in names and "secrets-manager" in names and "kms" not in names
    assert found["count"] == len(names) == found["resource_count"]
    hpcs = next(entry for entry in found["resources"] if entry["name"] == "hs-crypto")
    assert hpcs["kind"] == "service" and hpcs["id"] == CATALOG["hs-crypto"]["resource_id"]


def test_plans_are_children_of_the_service_and_page_with_offset_and_limit(base_url):
    client = catalog(base_url)
    service_id = CATALOG["kms"]["resource_id"]
    first = client.get_child_objects(service_id, "plan", limit=1).get_result()
    second = client.get_child_objects(service_id, "plan", offset=1, limit=1).get_result()
    assert first["count"] == second["count"] == 2 and "next" in first and "next" not in second
    plans = {entry["name"]: entry["id"] for entry in first["resources"] + second["resources"]}
    assert plans == CATALOG["kms"]["plans"]
    assert all(entry["parent_id"] == service_id for entry in first["resources"])


def test_public_entries_read_without_a_token_and_unknown_ids_are_404(base_url, client):
    anonymous = catalog(base_url, NoAuthAuthenticator())
    plan_id = CATALOG["hs-crypto"]["plans"]["standard"]
    assert anonymous.get_catalog_entry(plan_id).get_result()["kind"] == "plan"
    assert client.get("/api/v1/no-such-entry").status_code == 404
    assert client.get("/api/v1/?q=kms", headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    assert client.get("/api/v1/?_limit=500").status_code == 400
