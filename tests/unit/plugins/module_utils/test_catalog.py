# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from ansible_collections.ibmcloud.kms.plugins.module_utils import _catalog
from ansible_collections.ibmcloud.kms.plugins.module_utils._catalog import CatalogClient, api_url, services_named
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import IBMCloudError, InputError
from ansible_collections.ibmcloud.kms.plugins.module_utils._resource_controller import ResourceClient

from .fake_transport import FakeAdapter, mount
from .test_client import session

HPCS = {"id": "svc-hpcs", "name": "hs-crypto", "kind": "service"}


@pytest.fixture(autouse=True)
def empty_cache():
    for cache in (_catalog._PLANS, _catalog._PLAN_NAMES):
        cache.clear()
    yield
    for cache in (_catalog._PLANS, _catalog._PLAN_NAMES):
        cache.clear()


@pytest.mark.parametrize(
    "base, url",
    [
        ("https://globalcatalog.cloud.ibm.com", "https://globalcatalog.cloud.ibm.com/api/v1"),
        ("https://globalcatalog.cloud.ibm.com/api/v1/", "https://globalcatalog.cloud.ibm.com/api/v1"),
        ("http://emu:1/private", "http://emu:1/private/api/v1"),
    ],
)
def test_api_url_takes_the_host_or_the_api_root(base, url):
    assert api_url(base) == url


def test_only_services_named_exactly_count_children_included():
    entries = [
        {"id": "a", "name": "hs-crypto-uko", "kind": "service"},
        {"id": "b", "name": "hs-crypto", "kind": "plan"},
        {"id": "c", "name": "bundle", "kind": "composite", "children": [HPCS]},
    ]
    assert services_named(entries, "hs-crypto") == [HPCS]


def catalog(answers):
    client = CatalogClient(session(endpoints={"global_catalog": "https://gc"}))
    return client, mount(client.client, FakeAdapter(answers))


def page(resources, count=None, offset=0):
    return (200, {"offset": offset, "limit": 100, "count": len(resources) if count is None else count,
                  "resource_count": len(resources), "resources": resources})


def test_plan_by_name_searches_then_lists_the_plans_once_per_run():
    client, adapter = catalog([
        page([{"id": "x", "name": "hs-crypto-uko", "kind": "service"}, HPCS]),
        page([{"id": "p-std", "name": "standard", "kind": "plan"}], count=2),
        page([{"id": "p-uko", "name": "hpcs-hourly-uko", "kind": "plan"}], count=2, offset=1),
    ])
    assert client.plan_id("hs-crypto", "standard") == "p-std"
    assert client.plan_id("hs-crypto", "hpcs-hourly-uko") == "p-uko"  # no further request: the answer is kept
    search, first, second = (urlparse(r.url) for r in adapter.requests)
    assert search.path == "/api/v1/" and parse_qs(search.query)["q"] == ["hs-crypto"]
    assert first.path == second.path == "/api/v1/svc-hpcs/plan"
    assert parse_qs(second.query)["_offset"] == ["1"]  # Global Catalog pages with _offset and _limit


def test_an_unknown_plan_names_the_catalog_plans():
    client, _adapter = catalog([page([HPCS]), page([{"id": "p-std", "name": "standard", "kind": "plan"}])])
    with pytest.raises(InputError, match="'gold' is not a plan of hs-crypto.*its plans: standard"):
        client.plan_id("hs-crypto", "gold")


@pytest.mark.parametrize("found", [[], [HPCS, {**HPCS, "id": "svc-other"}]])
def test_no_single_service_is_an_error_before_any_change(found):
    client, _adapter = catalog([page(found)])
    with pytest.raises(IBMCloudError, match="cannot be confirmed; nothing was created"):
        client.plan_id("hs-crypto", "standard")


def test_a_plan_id_is_used_as_given_without_asking_the_catalog():
    client = ResourceClient(session(endpoints={"global_catalog": "https://gc"}))
    assert client.plan_id("hs-crypto", "0b5c3f1e-2d4a-4e6b-9c8d-7f6e5d4c3b2a") == "0b5c3f1e-2d4a-4e6b-9c8d-7f6e5d4c3b2a"
    assert client._catalog is None


def test_a_plan_is_named_by_the_catalog_once_and_by_its_id_when_the_catalog_cannot_say():
    client, adapter = catalog([
        (200, {"id": "p-std", "name": "standard", "kind": "plan"}),
        (404, {"errors": [{"code": "not_found", "message": "no such entry"}]}),
    ])
    assert client.plan_name("p-std") == client.plan_name("p-std") == "standard"
    assert client.plan_name("p-gone") == "p-gone"
    assert len(adapter.requests) == 2
