# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
from unittest.mock import MagicMock

import pytest

from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import ForbiddenError, IBMCloudError
from ansible_collections.ibmcloud.kms.plugins.module_utils._kms import format_time
from ansible_collections.ibmcloud.kms.plugins.modules import cluster_kms_info

from ..module_utils.fake_transport import make_token
from .module_runner import run_module


def cluster(name, region="us-south", group="Default", enabled=True):
    return {"id": f"id-{name}", "name": name, "region": region, "resourceGroup": f"rg-{group}",
            "resourceGroupName": group, "crn": f"crn:v1:bluemix:public:containers-kubernetes:{region}:a/a:id-{name}::",
            "features": {"keyProtectEnabled": enabled},
            "lifecycle": {"masterState": "deployed", "masterStatus": "Ready", "masterHealth": "normal"}}


CLUSTERS = [cluster("a"), cluster("b", group="prod"), cluster("c", region="eu-de")]


@pytest.mark.parametrize(
    "params, names",
    [
        ({"cluster": None, "resource_group": None, "region": "us-south"}, ["a", "b"]),
        ({"cluster": None, "resource_group": "prod", "region": "us-south"}, ["b"]),
        ({"cluster": None, "resource_group": "rg-Default", "region": "us-south"}, ["a"]),
        ({"cluster": None, "resource_group": None, "region": "eu-de"}, ["c"]),
        ({"cluster": "c", "resource_group": None, "region": "us-south"}, ["c"]),
        ({"cluster": "x", "resource_group": None, "region": "us-south"}, []),
    ],
)
def test_find_clusters(params, names):
    containers = MagicMock()
    containers.list_clusters.return_value = CLUSTERS
    containers.get_cluster.side_effect = lambda ref: next((c for c in CLUSTERS if c["name"] == ref), None)
    assert [c["name"] for c in cluster_kms_info.find_clusters(containers, params)] == names


def test_the_newest_registration_in_any_instance_wins():
    old_kms, new_kms = MagicMock(), MagicMock()
    new_kms.get_key.return_value = {"id": "k2", "state": 1, "name": "new"}
    crn = CLUSTERS[0]["crn"]
    searched = [({"guid": "g1", "name": "old"}, old_kms, [{"keyId": "k1", "resourceCrn": crn, "lastUpdated": "2025"}]),
                ({"guid": "g2", "name": "new"}, new_kms, [{"keyId": "k2", "resourceCrn": crn, "lastUpdated": "2026"}])]
    view = cluster_kms_info.cluster_view(CLUSTERS[0], searched, 0.0, 30)
    assert (view["instance_id"], view["root_key_id"], view["root_key_state"], view["healthy"]) == ("g2", "k2", "active", True)
    assert not old_kms.get_key.called


def test_the_view_shows_the_key_version_and_the_version_the_registration_shows():
    kms = MagicMock()
    kms.get_key.return_value = {"id": "k1", "state": 1, "creationDate": "2026-01-01T00:00:00Z",
                                "keyVersion": {"id": "v2"}, "lastRotateDate": "2026-02-01T00:00:00Z"}
    crn = CLUSTERS[0]["crn"]
    searched = [({"guid": "g1"}, kms, [{"keyId": "k1", "resourceCrn": crn, "keyVersion": {"id": "v1"}}])]
    view = cluster_kms_info.cluster_view(CLUSTERS[0], searched, 0.0, 30)
    assert (view["root_key_version"], view["registration_key_version"]) == ("v2", "v1")
    assert view["root_key_creation_date"] == "2026-01-01T00:00:00Z"
    assert view["root_key_last_rotate_date"] == "2026-02-01T00:00:00Z"


def test_a_cluster_without_registration_is_not_healthy():
    view = cluster_kms_info.cluster_view(CLUSTERS[0], [], 0.0, 30)
    assert view["healthy"] is False and "registration" in view["problems"][0]
    assert view["root_key_version"] is None and view["registration_key_version"] is None


@pytest.mark.parametrize(
    "error, warned",
    [
        (ForbiddenError("no", status=403), True),
        (IBMCloudError("CKR_IBM_WK_NOT_INITIALIZED", status=400), True),
        (IBMCloudError("boom", status=500), None),
    ],
)
def test_unreadable_instances_are_skipped_with_a_warning(monkeypatch, error, warned):
    kms = MagicMock()
    kms.registrations.side_effect = error
    monkeypatch.setattr(cluster_kms_info, "KmsClient", lambda _s, _i: kms)
    module = MagicMock()
    if warned is None:
        with pytest.raises(IBMCloudError):
            cluster_kms_info.registrations_by_instance(module, [{"guid": "g"}])
        return
    assert cluster_kms_info.registrations_by_instance(module, [{"guid": "g"}]) == []
    assert module.warn.called


def test_one_unfiltered_list_per_instance_serves_every_cluster(monkeypatch):
    """No CRN query at all: Key Protect refuses '*' in the first eight CRN segments, and the CRN IKS registers is
    unpublished, so registrations are matched by service and cluster id."""
    kms = MagicMock()
    kms.registrations.return_value = [{"resourceCrn": cluster["crn"]} for cluster in CLUSTERS]
    monkeypatch.setattr(cluster_kms_info, "KmsClient", lambda _s, _i: kms)
    [(_instance, _kms, found)] = cluster_kms_info.registrations_by_instance(MagicMock(), [{"guid": "g"}])
    kms.registrations.assert_called_once_with()
    assert len(found) == len(CLUSTERS)


def test_main_reads_only_and_returns_a_list(capsys, monkeypatch):
    containers = MagicMock()
    containers.list_clusters.return_value = CLUSTERS
    kms = MagicMock()
    kms.registrations.return_value = [{"keyId": "k1", "resourceCrn": CLUSTERS[0]["crn"]}]
    kms.get_key.return_value = {"id": "k1", "state": 2}
    resources = MagicMock()
    resources.list_instances.return_value = [{"guid": "g1", "name": "kp", "state": "active"},
                                             {"guid": "g2", "name": "gone", "state": "removed"}]
    monkeypatch.setattr(cluster_kms_info, "ContainersClient", lambda _s: containers)
    monkeypatch.setattr(cluster_kms_info, "ResourceClient", lambda _s: resources)
    monkeypatch.setattr(cluster_kms_info, "KmsClient", lambda _s, _i: kms)
    result = run_module(capsys, cluster_kms_info.main, {"iam_token": make_token(), "_ansible_check_mode": True})
    assert result["changed"] is False
    assert [c["cluster_name"] for c in result["clusters"]] == ["a", "b"]
    assert result["clusters"][0]["root_key_state"] == "suspended" and not result["clusters"][0]["healthy"]
    # one unfiltered list for the one active instance, whatever the number of clusters
    kms.registrations.assert_called_once_with()


KMS_TOKEN = make_token(account="a2000000000000000000000000000002")
KMS_INSTANCE = {"guid": "g9", "name": "kp-kms", "state": "active", "account_id": "a2000000000000000000000000000002",
                "crn": "crn:v1:bluemix:public:kms:us-south:a/a2000000000000000000000000000002:g9::"}


@pytest.fixture
def cross_world(monkeypatch):
    """Cluster a uses a root key of instance g9 in the KMS account; records the account of each client's session."""
    containers = MagicMock()
    containers.get_cluster.return_value = CLUSTERS[0]
    kms = MagicMock()
    kms.registrations.return_value = [{"keyId": "k1", "resourceCrn": CLUSTERS[0]["crn"], "keyVersion": {"id": "v1"}}]
    kms.get_key.return_value = {"id": "k1", "name": "crk", "state": 1, "keyVersion": {"id": "v1"}}
    resources = MagicMock()
    resources.resolve_instance.return_value = KMS_INSTANCE
    resources.list_instances.return_value = [KMS_INSTANCE]
    accounts = {"kms": [], "resources": []}

    def recorder(name, client):
        return lambda session, *_a: accounts[name].append(session.account_id) or client

    monkeypatch.setattr(cluster_kms_info, "ContainersClient", lambda _s: containers)
    monkeypatch.setattr(cluster_kms_info, "ResourceClient", recorder("resources", resources))
    monkeypatch.setattr(cluster_kms_info, "KmsClient", recorder("kms", kms))
    return {"accounts": accounts, "resources": resources, "kms_client": kms}


# (options beyond the cluster, account whose session read the KMS side, instances resolved)
CROSS_READS = [
    ({"kms_iam_token": KMS_TOKEN, "instances": ["g9"]}, "a2000000000000000000000000000002", ["g9"]),
    ({"kms_iam_token": KMS_TOKEN, "kms_account_id": "a2000000000000000000000000000002", "instances": ["g9"]}, "a2000000000000000000000000000002", ["g9"]),
    ({"kms_iam_token": KMS_TOKEN}, "a2000000000000000000000000000002", []),                     # every instance of the KMS account
    ({"instances": ["g9"]}, "a", ["g9"]),                              # without KMS credentials: the caller's
]


@pytest.mark.parametrize("options, reader, resolved", CROSS_READS)
def test_main_reads_the_kms_side_with_the_kms_accounts_credentials(capsys, cross_world, options, reader, resolved):
    args = {"cluster": "a", "iam_token": make_token(account="a"), **options}
    result = run_module(capsys, cluster_kms_info.main, args)
    view = result["clusters"][0]
    assert (view["instance_id"], view["instance_name"], view["root_key_id"]) == ("g9", "kp-kms", "k1")
    assert view["registration_key_version"] == view["root_key_version"] == "v1" and view["healthy"] is True
    assert cross_world["accounts"] == {"kms": [reader], "resources": [reader]}
    assert [c.args[0] for c in cross_world["resources"].resolve_instance.call_args_list] == resolved
    assert KMS_TOKEN[:20] not in json.dumps(result)


def test_main_refuses_kms_credentials_of_another_account(capsys, cross_world):
    args = {"cluster": "a", "iam_token": make_token(account="a"), "kms_iam_token": KMS_TOKEN,
            "kms_account_id": "a3000000000000000000000000000003", "instances": ["g9"]}
    result = run_module(capsys, cluster_kms_info.main, args)
    assert result["failed"] and "not to kms_account_id a3000000000000000000000000000003" in result["msg"]
    assert cross_world["accounts"]["kms"] == []


@pytest.mark.parametrize("registered, warned", [("v1", False), ("v0", True)])
def test_main_warns_when_the_registration_shows_an_older_key_version(capsys, cross_world, registered, warned):
    crn = CLUSTERS[0]["crn"]
    kms = cross_world["kms_client"]
    kms.registrations.return_value = [{"keyId": "k1", "resourceCrn": crn, "keyVersion": {"id": registered}}]
    result = run_module(capsys, cluster_kms_info.main, {"cluster": "a", "iam_token": make_token(account="a")})
    assert result["clusters"][0]["rewrap_status"] == ("pending" if warned else "current")
    assert ("re-wrap with the rotated key is not visible" in json.dumps(result.get("warnings", []))) == warned


def test_main_does_not_warn_about_a_pending_rewrap_when_asked_not_to(capsys, cross_world):
    crn = CLUSTERS[0]["crn"]
    cross_world["kms_client"].registrations.return_value = [{"keyId": "k1", "resourceCrn": crn,
                                                             "keyVersion": {"id": "v0"}}]
    args = {"cluster": "a", "iam_token": make_token(account="a"), "warn_pending_rewrap": False}
    result = run_module(capsys, cluster_kms_info.main, args)
    assert result["clusters"][0]["rewrap_status"] == "pending"
    assert "re-wrap" not in json.dumps(result.get("warnings", []))


DAY = 86400.0


# days until the key expires (None: never), min_days_before_expiration -> healthy
EXPIRY = [(None, 30, True), (400, 30, True), (30, 30, True), (29, 30, False), (14, 30, False), (14, 10, True),
          (-1, 30, False)]


@pytest.mark.parametrize("days, min_days, healthy", EXPIRY)
def test_a_root_key_that_expires_within_min_days_is_not_healthy(days, min_days, healthy):
    """As setup refuses such a key and rotate's auto mode switches it, verify reports it."""
    kms = MagicMock()
    expiry = {"expirationDate": format_time(100 * DAY + days * DAY + 60)} if days is not None else {}
    kms.get_key.return_value = {"id": "k1", "state": 1, **expiry}
    crn = CLUSTERS[0]["crn"]
    view = cluster_kms_info.cluster_view(CLUSTERS[0], [({"guid": "g1"}, kms, [{"keyId": "k1", "resourceCrn": crn}])],
                                         100 * DAY, min_days)
    assert view["healthy"] is healthy
    assert any(f"within {min_days} days" in p and "switch" in p for p in view["problems"]) is not healthy


def test_main_warns_when_the_cluster_asked_for_is_not_found(capsys, cross_world):
    cluster_kms_info.ContainersClient(None).get_cluster.return_value = None
    result = run_module(capsys, cluster_kms_info.main, {"cluster": "nope", "iam_token": make_token(account="a")})
    assert result["clusters"] == []
    assert "Cluster 'nope' was not found" in json.dumps(result["warnings"])
