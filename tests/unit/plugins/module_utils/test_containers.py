# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest
import requests

from ansible_collections.ibmcloud.kms.plugins.module_utils._client import ConnectionSettings, Session
from ansible_collections.ibmcloud.kms.plugins.module_utils._containers import ContainersClient, kms_enabled, lifecycle
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import ForbiddenError, ServerError

from .fake_transport import FakeAdapter, make_token, mount


def containers(answers):
    session = Session(ConnectionSettings(iam_token=make_token(), endpoints={"containers": "https://cs/global"}),
                      sleep=lambda _s: None)
    client = ContainersClient(session)
    return client, mount(client, FakeAdapter(answers))


@pytest.mark.parametrize(
    "cluster, enabled, status",
    [
        ({"features": {"keyProtectEnabled": True}, "lifecycle": {"masterStatus": "Ready"}}, True, "Ready"),
        ({"keyProtectEnabled": True, "masterStatus": "Ready"}, True, "Ready"),
        ({"features": {"keyProtectEnabled": False}, "keyProtectEnabled": True,
          "lifecycle": {"masterStatus": "nested"}, "masterStatus": "flat"}, False, "nested"),
        ({}, False, None),
    ],
)
def test_nested_fields_win_over_flat_v1_fields(cluster, enabled, status):
    assert kms_enabled(cluster) is enabled
    assert lifecycle(cluster)["masterStatus"] == status


def test_get_cluster_asks_for_v1_compatible_fields_and_maps_404_to_none():
    client, adapter = containers([(200, {"id": "c1"}), (404, {"code": "G0004", "description": "not found"})])
    assert client.get_cluster("demo") == {"id": "c1"}
    assert client.get_cluster("nope") is None
    assert adapter.requests[0].url == "https://cs/global/v2/getCluster?cluster=demo&v1-compatible=true"


def test_list_clusters_merges_every_provider_sorted_by_name():
    client, adapter = containers([(200, [{"id": "2", "name": "b"}]), (200, [{"id": "1", "name": "a"}]),
                                  (200, [{"id": "2", "name": "b"}])])
    assert [c["id"] for c in client.list_clusters()] == ["1", "2"]
    assert [r.path_url.split("?")[0] for r in adapter.requests] == [
        "/global/v2/vpc/getClusters", "/global/v2/classic/getClusters", "/global/v2/satellite/getClusters"]


def test_enable_kms_sends_the_body_without_empty_fields():
    client, adapter = containers([(200, None)])
    client.enable_kms({"cluster": "c1", "instance_id": "g", "crk_id": "k", "private_endpoint": True,
                       "account_id": None}, applied=lambda: False)
    sent = adapter.requests[0]
    assert sent.method == "POST" and sent.url == "https://cs/global/v2/enableKMS"
    assert json.loads(sent.body) == {"cluster": "c1", "instance_id": "g", "crk_id": "k", "private_endpoint": True}


@pytest.mark.parametrize("applied, posts", [(True, 1), (False, 2)])
def test_enable_kms_looks_before_sending_again_after_an_ambiguous_failure(applied, posts):
    client, adapter = containers([requests.ConnectionError("reset"), (200, None)])
    client.enable_kms({"cluster": "c1", "instance_id": "g", "crk_id": "k"}, applied=lambda: applied)
    assert len(adapter.requests) == posts


def test_enable_kms_is_not_retried_blind_after_a_server_error():
    client, adapter = containers([(500, {"description": "boom"}), (500, {"description": "boom"})] * 3)
    with pytest.raises(ServerError):
        client.enable_kms({"cluster": "c1", "instance_id": "g", "crk_id": "k"}, applied=lambda: False)
    assert all(r.method == "POST" for r in adapter.requests)


def test_a_403_names_the_administrator_role():
    client, _adapter = containers([(403, {"code": "E4031", "description": "no"})])
    with pytest.raises(ForbiddenError) as raised:
        client.enable_kms({"cluster": "c1", "instance_id": "g", "crk_id": "k"}, applied=lambda: False)
    assert "Administrator" in raised.value.describe()


@pytest.mark.parametrize(
    "body",
    [
        {"id": "IBMid-1", "name": "Pat", "email": "pat@example.com"},
        {"ID": "IBMid-1", "Name": "Pat", "Email": "pat@example.com"},  # Go's field names, as bluemix-go declares them
    ],
)
def test_the_cluster_key_owner_is_read_whatever_the_case_of_its_fields(body):
    client, adapter = containers([(200, body)])
    assert client.cluster_key_owner("c1") == {"id": "IBMid-1", "name": "Pat", "email": "pat@example.com"}
    assert adapter.requests[0].url == "https://cs/global/v1/logging/c1/clusterkeyowner"
