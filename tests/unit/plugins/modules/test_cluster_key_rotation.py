# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cluster_key_rotation's main() over fake clients: what it reads, what it sends, what it reports."""

from __future__ import annotations

import json
import time
from unittest.mock import MagicMock

import pytest

from ansible_collections.ibmcloud.kms.plugins.module_utils import _cluster_kms, _rotate_cluster
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import InputError
from ansible_collections.ibmcloud.kms.plugins.module_utils._kms import format_time
from ansible_collections.ibmcloud.kms.plugins.modules import cluster_key_rotation

from ..module_utils.fake_transport import make_token
from .module_runner import run_module

DAY = 86400
CRN = "crn:v1:bluemix:public:containers-kubernetes:us-south:a/acct-1:c1::"
KP = {"guid": "g1", "name": "kms-for-clusters", "account_id": "acct-1", "state": "active",
      "crn": "crn:v1:bluemix:public:kms:us-south:a/acct-1:g1::"}
HPCS = {"guid": "g2", "name": "hpcs-team", "account_id": "acct-1", "state": "active",
        "crn": "crn:v1:bluemix:public:hs-crypto:us-south:a/acct-1:g2::"}
TOKEN = make_token(account="acct-1")


def ago(days):
    return format_time(time.time() - days * DAY)


def cluster(state="deployed", status="Ready"):
    return {"id": "c1", "name": "demo", "crn": CRN, "provider": "vpc-gen2", "region": "us-south",
            "features": {"keyProtectEnabled": True},
            "lifecycle": {"masterState": state, "masterStatus": status, "masterHealth": "normal",
                          "masterStatusModifiedDate": "t0"}}


def root_key(key_id="k1", age=10, expires_in=None, version="v1", **extra):
    key = {"id": key_id, "name": f"{key_id}-name", "state": 1, "extractable": False, "creationDate": ago(age),
           "keyVersion": {"id": version}, "aliases": [f"{key_id}-alias"]}
    if expires_in is not None:
        key["expirationDate"] = format_time(time.time() + expires_in * DAY + 3600)
    key.update(extra)
    return key


def registration(key_id="k1", version="v1"):
    return {"keyId": key_id, "resourceCrn": CRN, "keyVersion": {"id": version}, "lastUpdated": ago(1)}


def kms_with(keys, registrations):
    kms = MagicMock()
    kms.get_key.side_effect = lambda ref: next((dict(k) for k in keys if k["id"] == ref), None)
    kms.registrations.side_effect = lambda key_id=None: [r for r in registrations if key_id in (None, r["keyId"])]
    kms.list_root_keys.return_value = keys
    kms.created = []

    def create(spec, key_ring=None, find=None):
        key = {**spec, "id": "k-new", "state": 1, "creationDate": ago(0), "keyVersion": {"id": "v-new"}}
        kms.created.append(key)
        return key

    kms.create_key.side_effect = create
    return kms


@pytest.fixture
def world(monkeypatch):
    """Cluster demo with KMS on root key k1 (10 days old, never expires) in Key Protect instance g1; HPCS g2 empty."""
    containers = MagicMock()
    containers.get_cluster.return_value = cluster()
    kms = {"g1": kms_with([root_key()], [registration()]), "g2": kms_with([], [])}
    resources = MagicMock()
    resources.list_instances.return_value = [KP, HPCS]

    def resolve(ref):
        found = [i for i in (KP, HPCS) if ref in (i["guid"], i["name"], i["crn"])]
        if not found:
            raise InputError(f"No instance {ref!r}")
        return found[0]

    resources.resolve_instance.side_effect = resolve
    tagging = MagicMock()
    tagging.tags_of.return_value = []
    checks = {"failures": []}

    def check_change(target, *_a, **_k):
        target.failures.extend(checks["failures"])

    monkeypatch.setattr(cluster_key_rotation, "ContainersClient", lambda _s: containers)
    monkeypatch.setattr(_rotate_cluster, "ResourceClient", lambda _s: resources)
    monkeypatch.setattr(_rotate_cluster, "KmsClient", lambda _s, instance: kms[instance["guid"]])
    monkeypatch.setattr(_cluster_kms, "TaggingClient", lambda _s: tagging)
    monkeypatch.setattr(_rotate_cluster, "check_change", check_change)
    monkeypatch.setattr(_cluster_kms, "wait_for_master", lambda c, before, _r, **_k: (cluster(), 12.0))
    return {"containers": containers, "kms": kms, "resources": resources, "tagging": tagging, "checks": checks}


ARGS = {"cluster": "demo", "instance": "kms-for-clusters", "iam_token": TOKEN}


def run(capsys, **args):
    return run_module(capsys, cluster_key_rotation.main, {**ARGS, **args})


def sent(world):
    """The changing requests the fakes received."""
    kms = world["kms"]["g1"]
    return [name for name, called in (("create", kms.create_key.called), ("rotate", kms.rotate_key.called),
                                      ("enable", world["containers"].enable_kms.called),
                                      ("tag", world["tagging"].attach.called)) if called]


def test_auto_leaves_a_young_key_alone(capsys, world):
    result = run(capsys)
    assert (result["changed"], result["rotation"]["action"], result["rotation"]["status"]) == (False, "none", "unchanged")
    assert result["rotation"]["key_age_days"] == 10.0 and "nothing to do" in result["summary"]
    assert sent(world) == []
    assert TOKEN[:20] not in json.dumps(result)


def test_check_mode_predicts_a_switch_and_sends_nothing(capsys, world):
    world["kms"]["g1"] = kms_with([root_key(expires_in=10)], [registration()])
    result = run(capsys, _ansible_check_mode=True, _ansible_diff=True, new_key_expiration_days=365)
    rotation = result["rotation"]
    assert result["changed"] is True
    assert (rotation["action"], rotation["status"], rotation["retired_root_key_id"]) == ("switch", "switched", "k1")
    assert rotation["root_key_id"] is None and rotation["root_key_alias"].startswith("demo-root-key-")
    assert result["diff"]["before"]["root_key_id"] == "k1" and result["diff"]["after"]["root_key_id"] is None
    assert "would be switched" in result["summary"]
    assert sent(world) == []


def test_switch_creates_the_key_moves_the_cluster_and_records_the_old_key(capsys, world):
    result = run(capsys, mode="switch", new_key_expiration_days=365)
    assert result["changed"] is True and result["waited_seconds"] == 12.0
    assert sent(world) == ["create", "enable", "tag"]
    created = world["kms"]["g1"].created[0]
    assert created["aliases"] == [created["name"]] and created["expirationDate"].endswith("T00:00:00Z")
    assert world["containers"].enable_kms.call_args[0][0]["crk_id"] == "k-new"
    assert "ibmcloud-kms:previous-root-key:k1" in world["tagging"].attach.call_args[0][1]
    assert result["rotation"]["root_key_id"] == "k-new" and result["rotation"]["retired_root_key_id"] == "k1"


def test_a_switch_the_checks_refuse_creates_no_key(capsys, world):
    world["checks"]["failures"] = ["The caller lacks the Administrator role on cluster demo."]
    result = run(capsys, mode="switch")
    assert result["failed"] and "Administrator" in result["msg"]
    assert sent(world) == []


def test_a_new_key_that_would_expire_too_soon_is_refused_before_anything(capsys, world):
    result = run(capsys, mode="switch", new_key_expiration_days=10)
    assert result["failed"] and "new_key_expiration_days" in result["msg"]
    assert sent(world) == []


def test_a_rerun_takes_the_key_a_failed_switch_left_unused(capsys, world):
    left = root_key("k-left", age=0.01, name=f"demo-root-key-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}")
    world["kms"]["g1"] = kms_with([root_key(), left], [registration()])
    result = run(capsys, mode="switch")
    assert sent(world) == ["enable", "tag"]
    assert world["containers"].enable_kms.call_args[0][0]["crk_id"] == "k-left"
    assert result["rotation"]["root_key_id"] == "k-left"


def test_rotate_waits_for_the_registration_to_show_the_new_version(capsys, world):
    kms = world["kms"]["g1"]
    rotated = root_key(version="v2", lastRotateDate=ago(0))
    kms.get_key.side_effect = [root_key(), rotated]
    kms.registrations.side_effect = [[registration()], [registration(version="v2")]]
    result = run(capsys, mode="rotate")
    rotation = result["rotation"]
    assert result["changed"] is True and sent(world) == ["rotate"]
    assert (rotation["previous_key_version"], rotation["key_version"], rotation["rewrap_status"]) == ("v1", "v2",
                                                                                                      "current")


def test_rotate_within_the_hour_is_skipped(capsys, world):
    world["kms"]["g1"] = kms_with([root_key(lastRotateDate=ago(0.01))], [registration()])
    result = run(capsys, mode="rotate")
    assert result["changed"] is False and result["rotation"]["status"] == "skipped"
    assert "one rotation per hour" in result["rotation"]["reason"] and sent(world) == []


def test_the_cluster_s_instance_is_found_from_its_registration(capsys, world):
    """After a setup with an HPCS instance, the default instance name names nothing: the registration says where."""
    world["kms"]["g1"] = kms_with([], [])
    world["kms"]["g2"] = kms_with([root_key("h1")], [registration("h1")])
    world["resources"].list_instances.return_value = [HPCS]
    result = run(capsys, instance="kms-for-clusters-missing")
    assert result["rotation"]["instance_id"] == "g2" and result["rotation"]["root_key_id"] == "h1"


def test_a_cluster_without_kms_is_refused_with_what_to_do(capsys, world):
    world["containers"].get_cluster.return_value = {**cluster(), "features": {"keyProtectEnabled": False}}
    result = run(capsys)
    assert result["failed"] and "ibmcloud.kms.setup" in result["msg"]


def test_a_rerun_during_a_master_update_waits_for_it_before_deciding(capsys, world):
    """A switch interrupted after enableKMS was accepted: the rerun waits, then finds the new key and sends nothing."""
    world["containers"].get_cluster.side_effect = [cluster("updating", "enablement in progress"), cluster()]
    world["kms"]["g1"] = kms_with([root_key(), root_key("k2", age=0)], [registration("k2")])
    result = run(capsys, mode="auto")
    assert result["changed"] is False and result["rotation"]["root_key_id"] == "k2"
    assert world["containers"].get_cluster.call_count == 2 and result["cluster_kms"]["master_state"] == "deployed"
    assert sent(world) == []


def test_without_wait_a_busy_master_is_refused(capsys, world):
    world["containers"].get_cluster.return_value = cluster("updating", "enablement in progress")
    result = run(capsys, wait=False)
    assert result["failed"] and "updating" in result["msg"] and sent(world) == []
