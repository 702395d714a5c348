# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest

from ansible_collections.ibmcloud.kms.plugins.modules import prerequisites_info

from ..module_utils.fake_transport import make_token
from ..module_utils.test_prerequisites import ACCOUNT, CLUSTER, KP, ROOT, install
from .module_runner import run_module

ARGS = {"cluster": "demo", "instance": "kp", "root_key": "crk", "_ansible_check_mode": True}


def test_main_returns_every_check_and_the_views_without_changing(capsys, monkeypatch):
    install(monkeypatch, authorization=None, owner=[], owner_keys=[], key_owner={"name": "no IAM id"})
    result = run_module(capsys, prerequisites_info.main, {**ARGS, "iam_token": make_token(account=ACCOUNT)})
    assert result["changed"] is False and result.get("failed") is not True
    assert [p["name"] for p in result["prerequisites"]][0] == "credentials"
    assert result["failed_checks"] == ["cluster_key_owner_kms_role"]  # the region's API key is missing
    assert result["unverified"] == []  # the missing authorization: the Kubernetes Service creates it
    assert result["cluster"] == {"id": "c1", "name": "demo", "crn": CLUSTER["crn"], "provider": "vpc-gen2",
                                 "region": "us-south", "resource_group_id": "rg1", "kms_enabled": False}
    assert result["instance"] == {"guid": KP["guid"], "name": "kp", "crn": KP["crn"], "service": "key-protect",
                                  "state": "active", "initialized": True}
    assert result["root_key"]["id"] == ROOT["id"] and result["root_key"]["state"] == "active"
    assert result["root_key"]["aliases"] == ["crk"] and isinstance(result["root_key"]["days_until_expiration"], int)


def test_missing_credentials_are_a_failed_check_not_a_failed_task(capsys, monkeypatch):
    monkeypatch.delenv("IC_API_KEY", raising=False)
    monkeypatch.delenv("IBMCLOUD_API_KEY", raising=False)
    monkeypatch.delenv("IC_IAM_TOKEN", raising=False)
    install(monkeypatch)
    result = run_module(capsys, prerequisites_info.main, ARGS)
    assert result.get("failed") is not True
    assert result["failed_checks"] == ["credentials"]
    assert len(result["unverified"]) == 8
    assert result["cluster"] is None and result["instance"] is None and result["root_key"] is None


def test_create_instance_needs_the_instance(capsys, monkeypatch):
    install(monkeypatch)
    result = run_module(capsys, prerequisites_info.main,
                        {"cluster": "demo", "create_instance": True, "iam_token": make_token(account=ACCOUNT)})
    assert result["failed"] is True and "instance" in result["msg"]


def test_main_returns_the_converged_view_and_the_kept_key(capsys, monkeypatch):
    current = {"keyId": "k1", "resourceCrn": CLUSTER["crn"], "keyVersion": {"id": "v0"}}
    encrypted = {**CLUSTER, "features": {"keyProtectEnabled": True}}
    install(monkeypatch, cluster=encrypted, registrations=[current], key={**ROOT, "keyVersion": {"id": "v1"}})
    args = {**ARGS, "root_key": "other", "keep_current_root_key": True, "skip_when_converged": True}
    result = run_module(capsys, prerequisites_info.main, {**args, "iam_token": make_token(account=ACCOUNT)})
    assert result["converged"] is True and result["kept_root_key_id"] == "k1"
    assert result["cluster_kms"]["root_key_id"] == "k1" and result["cluster_kms"]["rewrap_status"] == "pending"
    assert result["failed_checks"] == [] and "cluster_key_owner_kms_role" not in result["unverified"]
    assert "re-wrap with the rotated key is not visible" in json.dumps(result.get("warnings", []))


def test_main_checks_a_fleet_and_returns_each_cluster_with_its_id(capsys, monkeypatch):
    fakes = install(monkeypatch)
    fakes["kms"].get_key.side_effect = lambda ref: ROOT if ref in ("crk", ROOT["id"]) else None
    clusters = [{"cluster": "demo", "id": "host-a"}, {"cluster": "demo", "id": "host-b", "root_key": "missing-key"}]
    args = {"clusters": clusters, "instance": "kp", "root_key": "crk", "iam_token": make_token(account=ACCOUNT)}
    result = run_module(capsys, prerequisites_info.main, args)
    assert [c["id"] for c in result["clusters"]] == ["host-a", "host-b"] and "prerequisites" not in result
    assert [c["root_key"]["id"] if c["root_key"] else None for c in result["clusters"]] == [ROOT["id"], None]
    assert result["clusters"][1]["failed_checks"] == ["root_key"] and "'missing-key'" in result["clusters"][1]["refusal"]


def test_main_names_the_fleet_item_whose_options_cannot_work(capsys, monkeypatch):
    install(monkeypatch)
    clusters = [{"cluster": "demo"}, {"cluster": "demo2", "create_instance": True}]
    result = run_module(capsys, prerequisites_info.main, {"clusters": clusters, "iam_token": make_token(account=ACCOUNT)})
    assert result["failed"] is True and "clusters[2] ('demo2'): create_instance=true needs instance." in result["msg"]


def test_main_takes_a_cluster_or_a_fleet_not_both(capsys, monkeypatch):
    install(monkeypatch)
    result = run_module(capsys, prerequisites_info.main, {"cluster": "demo", "clusters": [{"cluster": "demo"}],
                                                          "iam_token": make_token(account=ACCOUNT)})
    assert result["failed"] is True and "mutually exclusive" in result["msg"]


# (instance_policies given, what the error names)
BAD_POLICIES = [
    ({"metrics": {"enabled": "maybe"}}, "metrics"),
    ({"dual_auth_delete": {}}, "enabled"),
    ({"nope": {"enabled": True}}, "nope"),
    ({"rotation": {"enabled": True}}, "rotation.interval_month"),
]


@pytest.mark.parametrize("asked, named", BAD_POLICIES)
def test_main_checks_the_instance_policies_as_kms_instance_policy_does(capsys, monkeypatch, asked, named):
    install(monkeypatch)
    result = run_module(capsys, prerequisites_info.main, {"cluster": "demo", "instance_policies": asked,
                                                          "iam_token": make_token(account=ACCOUNT)})
    assert result["failed"] is True and named in result["msg"] and "Nothing was changed" in result["msg"]
