# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
from unittest.mock import MagicMock

import pytest

from ansible_collections.ibmcloud.kms.plugins.module_utils import _cluster_kms, _prerequisites
from ansible_collections.ibmcloud.kms.plugins.module_utils import _prerequisite_roles as pr_roles
from ansible_collections.ibmcloud.kms.plugins.module_utils._cluster_kms import Target
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import ForbiddenError, InputError
from ansible_collections.ibmcloud.kms.plugins.module_utils._kms import KmsClient
from ansible_collections.ibmcloud.kms.plugins.modules import cluster_kms

from ..module_utils.fake_transport import make_token
from .module_runner import run_module

CRN = "crn:v1:bluemix:public:containers-kubernetes:us-south:a/a1000000000000000000000000000001:c1::"
INSTANCE = {"guid": "g1", "name": "kp", "account_id": "a1000000000000000000000000000001", "state": "active",
            "crn": "crn:v1:bluemix:public:kms:us-south:a/a1000000000000000000000000000001:g1::"}
ROOT = {"id": "k1", "name": "crk", "state": 1, "extractable": False, "crn": "crn:v1:...:key:k1"}


def cluster(enabled=False):
    return {"id": "c1", "name": "demo", "crn": CRN, "provider": "vpc-gen2", "region": "us-south",
            "features": {"keyProtectEnabled": enabled},
            "lifecycle": {"masterState": "deployed", "masterStatus": "Ready", "masterHealth": "normal",
                          "masterStatusModifiedDate": "t0"}}


def target(enabled=False, current_key=None, failures=()):
    current = {"keyId": current_key, "resourceCrn": CRN} if current_key else None
    return Target(cluster=cluster(enabled), instance=INSTANCE, key_ref="crk", kms_account_id="a1000000000000000000000000000001",
                  private_endpoint=True, kms=MagicMock(), key=dict(ROOT), current=current, failures=list(failures))


def containers():
    fake = MagicMock()
    fake.get_cluster.return_value = cluster(True)
    return fake


# (enabled, current key, check mode, wait, changed, posted, waited)
ENABLE = [
    (False, None, True, True, True, False, None),
    (False, None, False, True, True, True, 3.0),
    (False, None, False, False, True, True, None),
    (True, "k1", False, True, False, False, None),
    (True, "k1", True, True, False, False, None),
    (True, "k0", True, True, True, False, None),
    (True, "k0", False, True, True, True, 3.0),
]


@pytest.mark.parametrize("enabled, current_key, check_mode, wait, changed, posted, waited", ENABLE)
def test_ensure_enabled(monkeypatch, enabled, current_key, check_mode, wait, changed, posted, waited):
    monkeypatch.setattr(_cluster_kms, "wait_for_master", lambda *_a, **_k: (cluster(True), 3.0))
    fake = containers()
    result = _cluster_kms.ensure_enabled(fake, target(enabled, current_key), check_mode=check_mode, wait=wait,
                                         wait_timeout=60)
    assert result[0] is changed
    assert result[1]["features"]["keyProtectEnabled"] is (changed or enabled)
    assert result[2] == waited
    assert fake.enable_kms.called is posted


@pytest.mark.parametrize("check_mode", [True, False])
def test_failed_checks_refuse_before_any_request(check_mode):
    fake = containers()
    with pytest.raises(InputError, match="key is expiring"):
        _cluster_kms.ensure_enabled(fake, target(failures=["key is expiring."]), check_mode=check_mode, wait=True,
                                    wait_timeout=60)
    assert not fake.enable_kms.called


def test_failed_checks_do_not_matter_when_nothing_changes():
    result = _cluster_kms.ensure_enabled(containers(), target(True, "k1", failures=["x"]), check_mode=False,
                                         wait=True, wait_timeout=60)
    assert result[0] is False


def run_main(capsys, args):
    return run_module(capsys, cluster_kms.main, args)


@pytest.fixture
def world(monkeypatch):
    """Fake clients: a cluster without KMS, instance kp with root key crk and no registration."""
    fake_containers = containers()
    fake_containers.get_cluster.return_value = cluster(False)
    kms = MagicMock()
    kms.get_key.return_value = dict(ROOT)
    kms.find_root_key.side_effect = lambda ref: KmsClient.find_root_key(kms, ref)  # the real finder
    kms.registrations.return_value = []
    resources = MagicMock()
    resources.resolve_instance.return_value = INSTANCE
    monkeypatch.setattr(cluster_kms, "ContainersClient", lambda _s: fake_containers)
    monkeypatch.setattr(cluster_kms, "ResourceClient", lambda _s: resources)
    monkeypatch.setattr(_cluster_kms, "KmsClient", lambda _s, _i: kms)
    monkeypatch.setattr(pr_roles, "IamPolicyClient", MagicMock())
    monkeypatch.setattr(pr_roles, "find_covering_authorization", lambda *_a, **_k: {"id": "p1"})
    monkeypatch.setattr(pr_roles, "caller_policies", lambda _s: [])
    # the key owner's roles pass (their checks are tested in module_utils/test_cluster_kms.py)
    owner_passes = {"status": "passed", "message": "ok"}
    monkeypatch.setattr(_prerequisites, "CHANGE_CHECKS", tuple(
        (name, (lambda *_a: owner_passes) if name == "cluster_key_owner_kms_role" else check)
        for name, check in _prerequisites.CHANGE_CHECKS))
    tagging = MagicMock()
    tagging.tags_of.return_value = []
    monkeypatch.setattr(_cluster_kms, "TaggingClient", lambda _s: tagging)
    return {"containers": fake_containers, "kms": kms, "tagging": tagging}


ARGS = {"cluster": "demo", "instance": "kp", "root_key": "crk", "iam_token": make_token(account="a1000000000000000000000000000001")}


def test_main_check_mode_predicts_and_sends_nothing(capsys, world):
    result = run_main(capsys, {**ARGS, "_ansible_check_mode": True, "_ansible_diff": True})
    assert result["changed"] is True
    assert result["cluster_kms"]["enabled"] is True and result["cluster_kms"]["root_key_id"] == "k1"
    assert result["diff"]["before"]["enabled"] is False
    assert not world["containers"].enable_kms.called
    assert "Administrator" in json.dumps(result["warnings"])
    assert ARGS["iam_token"][:20] not in json.dumps(result)


def test_main_reports_key_versions_predicted_in_check_mode_and_read_back_after(capsys, world):
    version = {"id": "v1", "creationDate": "2026-01-01T00:00:00Z"}
    world["kms"].get_key.return_value = {**ROOT, "keyVersion": version, "creationDate": "2026-01-01T00:00:00Z"}
    predicted = run_main(capsys, {**ARGS, "_ansible_check_mode": True})["cluster_kms"]
    assert (predicted["root_key_version"], predicted["registration_key_version"]) == ("v1", "v1")
    assert predicted["root_key_creation_date"] == "2026-01-01T00:00:00Z"
    assert predicted["root_key_last_rotate_date"] is None
    world["kms"].registrations.side_effect = [[], [{"keyId": "k1", "resourceCrn": CRN, "keyVersion": version}]]
    result = run_main(capsys, {**ARGS, "wait": False})
    assert result["changed"] is True
    assert result["cluster_kms"]["registration_key_version"] == "v1"


def test_main_same_key_is_no_change(capsys, world):
    world["containers"].get_cluster.return_value = cluster(True)
    world["kms"].registrations.return_value = [{"keyId": "k1", "resourceCrn": CRN, "keyName": "crk"}]
    result = run_main(capsys, ARGS)
    assert result["changed"] is False
    assert result["cluster_kms"]["root_key_id"] == "k1" and result["cluster_kms"]["healthy"] is True
    assert not world["containers"].enable_kms.called


def test_main_refuses_a_previous_key_that_is_still_registered(capsys, world):
    world["containers"].get_cluster.return_value = cluster(True)
    world["kms"].registrations.return_value = [
        {"keyId": "k1", "resourceCrn": CRN, "lastUpdated": "2025-01-01"},
        {"keyId": "k2", "resourceCrn": CRN, "lastUpdated": "2026-01-01"}]
    result = run_main(capsys, ARGS)
    assert result["failed"] and "used root key k1 before" in result["msg"]
    assert not world["containers"].enable_kms.called


def test_main_refuses_a_previous_key_recorded_in_the_cluster_tags(capsys, world):
    world["containers"].get_cluster.return_value = cluster(True)
    world["kms"].registrations.return_value = [{"keyId": "k2", "resourceCrn": CRN, "lastUpdated": "2026-01-01"}]
    world["kms"].get_key.return_value = dict(ROOT, id="k1")
    world["tagging"].tags_of.return_value = ["ibmcloud-kms:previous-root-key:k1"]
    result = run_main(capsys, dict(ARGS, root_key="k1"))
    assert result["failed"] and "used root key k1 before" in result["msg"]
    assert not world["containers"].enable_kms.called
    world["tagging"].tags_of.assert_called_once_with(CRN)


@pytest.mark.parametrize("enabled, failed", [(True, True), (False, False)])
def test_main_disabled(capsys, world, enabled, failed):
    world["containers"].get_cluster.return_value = cluster(enabled)
    result = run_main(capsys, {"cluster": "demo", "state": "disabled", "iam_token": ARGS["iam_token"]})
    assert bool(result.get("failed")) is failed
    if failed:
        assert "cannot be disabled" in result["msg"]
    else:
        assert result["changed"] is False


def test_main_unknown_cluster(capsys, world):
    world["containers"].get_cluster.return_value = None
    result = run_main(capsys, ARGS)
    assert result["failed"] and "'demo' was not found" in result["msg"]


def test_main_state_enabled_needs_instance_and_root_key(capsys):
    result = run_main(capsys, {"cluster": "demo", "iam_token": make_token()})
    assert result["failed"] and "instance" in result["msg"] and "root_key" in result["msg"]


KMS_ACCOUNT = "a2000000000000000000000000000002"
CALLER = "a1000000000000000000000000000001"
KMS_TOKEN = make_token(account=KMS_ACCOUNT, iam_id="IBMid-kms")
KMS_INSTANCE = {"guid": "g2", "name": "kp-kms", "account_id": KMS_ACCOUNT, "state": "active",
                "crn": f"crn:v1:bluemix:public:kms:us-south:a/{KMS_ACCOUNT}:g2::"}
EXPIRING = {**ROOT, "expirationDate": "2000-01-01T00:00:00Z"}
CROSS_ARGS = {**ARGS, "instance": "g2", "kms_account_id": KMS_ACCOUNT, "_ansible_check_mode": True}


@pytest.fixture
def cross_world(world, monkeypatch):
    """The world with the instance in the KMS account; records the account of the session each client got."""
    accounts = {"kms": [], "resources": [], "iam": []}
    resources = MagicMock()
    resources.resolve_instance.return_value = KMS_INSTANCE

    def recorder(name, client):
        return lambda session, *_a: accounts[name].append(session.account_id) or client

    monkeypatch.setattr(cluster_kms, "ResourceClient", recorder("resources", resources))
    monkeypatch.setattr(_cluster_kms, "KmsClient", recorder("kms", world["kms"]))
    monkeypatch.setattr(pr_roles, "IamPolicyClient", recorder("iam", MagicMock()))
    return {**world, "accounts": accounts}


# (KMS account's token given, key, error reading the key, failure fragment, warning fragment,
#  account that read the key side, accounts whose session read the authorization)
CROSS_RUNS = [
    (True, ROOT, None, None, None, KMS_ACCOUNT, [KMS_ACCOUNT]),
    (True, EXPIRING, None, "min_days_before_expiration=30", None, KMS_ACCOUNT, [KMS_ACCOUNT]),
    (True, None, None, "does not exist", None, KMS_ACCOUNT, [KMS_ACCOUNT]),
    (True, ROOT, ForbiddenError("Forbidden", status=403), "Forbidden", None, KMS_ACCOUNT, []),
    (False, EXPIRING, ForbiddenError("Forbidden", status=403), None, "Could not read root key", CALLER, [CALLER]),
]


@pytest.mark.parametrize("with_token, key, error, failure, warning, reader, policy_reader", CROSS_RUNS)
def test_main_cross_account_reads_the_key_side_with_the_kms_accounts_credentials(
        capsys, cross_world, with_token, key, error, failure, warning, reader, policy_reader):
    cross_world["kms"].get_key.return_value = dict(key) if key else None
    cross_world["kms"].get_key.side_effect = error
    args = {**CROSS_ARGS, "kms_iam_token": KMS_TOKEN} if with_token else CROSS_ARGS
    result = run_main(capsys, args)
    accounts = cross_world["accounts"]
    assert (accounts["resources"], accounts["kms"], accounts["iam"]) == ([reader], [reader], policy_reader)
    assert bool(result.get("failed")) is bool(failure)
    if failure:
        assert failure in result["msg"]
    else:
        assert result["changed"] is True and result["cluster_kms"]["instance_id"] == "g2"
    if warning:
        assert warning in json.dumps(result["warnings"])
    assert not cross_world["containers"].enable_kms.called
    assert KMS_TOKEN[:20] not in json.dumps(result) and ARGS["iam_token"][:20] not in json.dumps(result)


def test_main_cross_account_checks_the_key_before_a_real_request(capsys, cross_world):
    cross_world["kms"].get_key.return_value = dict(EXPIRING)
    result = run_main(capsys, {**CROSS_ARGS, "kms_iam_token": KMS_TOKEN, "_ansible_check_mode": False})
    assert result["failed"] and "min_days_before_expiration=30" in result["msg"]
    assert not cross_world["containers"].enable_kms.called


def test_main_cross_account_sends_the_kms_account_and_reads_the_registration_back(capsys, cross_world):
    version = {"id": "v1"}
    cross_world["kms"].get_key.return_value = {**ROOT, "keyVersion": version}
    cross_world["kms"].registrations.side_effect = [[], [{"keyId": "k1", "resourceCrn": CRN, "keyVersion": version}]]
    result = run_main(capsys, {**CROSS_ARGS, "kms_iam_token": KMS_TOKEN, "_ansible_check_mode": False, "wait": False})
    assert result["changed"] is True
    assert result["cluster_kms"]["registration_key_version"] == "v1"
    sent = cross_world["containers"].enable_kms.call_args[0][0]
    assert (sent["instance_id"], sent["account_id"]) == ("g2", KMS_ACCOUNT)
    assert "Could not read" not in json.dumps(result.get("warnings", []))


def test_main_refuses_kms_credentials_of_another_account(capsys, cross_world):
    result = run_main(capsys, {**CROSS_ARGS, "kms_account_id": "a3000000000000000000000000000003", "kms_iam_token": KMS_TOKEN})
    assert result["failed"] and "belongs to account a2000000000000000000000000000002, not to kms_account_id a3000000000000000000000000000003" in result["msg"]
    assert cross_world["accounts"]["kms"] == []


def test_main_a_wait_that_times_out_after_the_change_was_accepted_reports_changed(capsys, world, monkeypatch):
    def times_out(*_a, **_k):
        raise _cluster_kms.WaitTimeoutError("Timed out after 60s waiting for the master of cluster demo to apply KMS.")

    monkeypatch.setattr(_cluster_kms, "wait_for_master", times_out)
    result = run_main(capsys, ARGS)
    assert result["failed"] and result["changed"] is True
    assert world["containers"].enable_kms.called
    assert "Run the task again: it waits for that update instead of sending the change again" in result["msg"]


def test_main_a_failure_before_any_change_is_not_changed_and_has_no_empty_error(capsys, world):
    world["containers"].get_cluster.return_value = None
    result = run_main(capsys, ARGS)
    assert result["failed"] and result["changed"] is False and "error" not in result


def test_main_a_rerun_during_an_update_waits_for_it_and_sends_nothing_again(capsys, world):
    """enableKMS was accepted, then the run was interrupted: the rerun finds the master updating, waits, and then finds
    the cluster on the key."""
    updating = cluster(True)
    updating["lifecycle"].update(masterState="updating",
                                 masterStatus="Key management service feature enablement in progress.")
    world["containers"].get_cluster.side_effect = [updating, cluster(True)]
    world["kms"].registrations.return_value = [{"keyId": "k1", "resourceCrn": CRN, "keyName": "crk"}]
    result = run_main(capsys, ARGS)
    assert result["changed"] is False and result["cluster_kms"]["master_state"] == "deployed"
    assert world["containers"].get_cluster.call_count == 2
    assert not world["containers"].enable_kms.called


# -- clusters: several at once -----------------------------------------------------------------------------------------
def clusters_args(*items, **more):
    return {"instance": "kp", "root_key": "crk", "iam_token": ARGS["iam_token"], "clusters": list(items), **more}


def test_main_clusters_returns_each_outcome_in_order(capsys, world):
    result = run_main(capsys, clusters_args({"cluster": "demo", "id": "h1"}, {"cluster": "demo2", "id": "h2", "private_endpoint": False},
                                            wait=False))
    assert result["changed"] is True and "cluster_kms" not in result
    assert [(one["id"], one["failed"], one["changed"]) for one in result["clusters"]] == [("h1", False, True), ("h2", False, True)]
    assert all(one["cluster_kms"]["root_key_id"] == "k1" for one in result["clusters"])
    sent = [call[0][0]["private_endpoint"] for call in world["containers"].enable_kms.call_args_list]
    assert sorted(sent) == [False, True]


def test_main_clusters_a_failed_cluster_does_not_stop_the_others(capsys, world):
    world["containers"].get_cluster.side_effect = lambda ref: None if ref == "gone" else cluster(False)
    result = run_main(capsys, clusters_args({"cluster": "gone", "id": "h1"}, {"cluster": "demo", "id": "h2"}, wait=False))
    assert result["failed"] and result["changed"] is True
    assert result["msg"].startswith("1 of 2 clusters failed. gone: ") and "'gone' was not found" in result["msg"]
    gone, demo = result["clusters"]
    assert (gone["failed"], gone["changed"], "cluster_kms" in gone) == (True, False, False)
    assert (demo["failed"], demo["changed"]) == (False, True)
    assert world["containers"].enable_kms.call_count == 1


def test_main_clusters_check_mode_predicts_each_with_a_diff_and_sends_nothing(capsys, world):
    result = run_main(capsys, clusters_args({"cluster": "demo", "id": "h1"},
                                            {"cluster": "demo2", "id": "h2", "root_key": "crk-new", "root_key_predicted": True},
                                            _ansible_check_mode=True, _ansible_diff=True))
    assert [one["changed"] for one in result["clusters"]] == [True, True]
    assert result["clusters"][1]["cluster_kms"]["root_key_name"] == "crk-new"
    assert [(d["before_header"], d["before"]["enabled"], d["after"]["enabled"]) for d in result["diff"]] == [
        ("demo", False, True), ("demo2", False, True)]
    assert not world["containers"].enable_kms.called
    assert "demo: " in json.dumps(result["warnings"])  # each warning names its cluster


@pytest.mark.parametrize("item, more, fragment", [
    ({"cluster": "demo", "min_days_before_expiration": -1}, {}, "min_days_before_expiration=-1 must be 0 or more"),
    ({"cluster": "demo"}, {"root_key": None}, "state=enabled needs instance and root_key."),
    ({"cluster": "demo", "instance": ""}, {}, "instance"),
    ({"cluster": "other"}, {}, "the same as clusters[1]: give each once."),
])
def test_main_clusters_bad_input_names_the_cluster_and_changes_nothing(capsys, world, item, more, fragment):
    result = run_main(capsys, clusters_args({"cluster": "other", "root_key": "crk"}, item, **more))
    assert result["failed"] and result["msg"].startswith(f"clusters[2] ({item['cluster']!r}): ") and fragment in result["msg"], result["msg"]
    assert "clusters" not in result
    assert not world["containers"].get_cluster.called and not world["containers"].enable_kms.called


def test_main_cluster_and_clusters_exclude_each_other(capsys):
    result = run_main(capsys, {**ARGS, "clusters": [{"cluster": "demo"}]})
    assert result["failed"] and "mutually exclusive" in result["msg"]


def test_main_clusters_read_what_they_share_once(capsys, world, monkeypatch):
    """The instance, its registrations before the change, the caller's policies and the authorization, which every
    cluster's checks need, are read once for the run."""
    reads = {"policies": 0, "authorization": 0}

    def policies(_session):
        reads["policies"] += 1
        return []

    def authorization(*_a, **_k):
        reads["authorization"] += 1
        return {"id": "p1"}

    monkeypatch.setattr(pr_roles, "caller_policies", policies)
    monkeypatch.setattr(pr_roles, "find_covering_authorization", authorization)
    result = run_main(capsys, clusters_args(*({"cluster": f"demo{n}", "id": n} for n in range(4)), wait=False))
    assert [one["changed"] for one in result["clusters"]] == [True] * 4
    assert reads == {"policies": 1, "authorization": 1}
    # the instance and its registrations before the change once; each cluster's registration after its change
    assert world["kms"].registrations.call_count == 1 + 4
