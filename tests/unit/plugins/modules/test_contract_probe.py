# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
from unittest.mock import MagicMock

import pytest

from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import IBMCloudError, NotFoundError
from ansible_collections.ibmcloud.kms.plugins.modules import contract_probe

from ..module_utils.fake_transport import make_token
from .module_runner import run_module

ACCOUNT = "acct0123456789abcdef0123456789ab"
CLUSTER = {"id": "c0ffee0123456789abcd", "name": "prod-cluster", "features": {"keyProtectEnabled": True},
           "crn": f"crn:v1:bluemix:public:containers-kubernetes:us-south:a/{ACCOUNT}:c0ffee0123456789abcd::"}
KP = {"guid": "11111111-2222-3333-4444-555555555555", "name": "kp-prod", "state": "active",
      "crn": f"crn:v1:bluemix:public:kms:us-south:a/{ACCOUNT}:11111111-2222-3333-4444-555555555555::"}
HPCS = {"guid": "66666666-7777-8888-9999-000000000000", "name": "hpcs-prod", "state": "active",
        "crn": f"crn:v1:bluemix:public:hs-crypto:us-south:a/{ACCOUNT}:66666666-7777-8888-9999-000000000000::"}
KEY = {"id": "key-abcdef-0123456789", "keyVersion": {"id": "v2"}, "lastRotateDate": "2026-01-01T00:00:00Z"}


@pytest.fixture
def world(monkeypatch):
    containers = MagicMock()
    containers.get_cluster.side_effect = lambda ref: CLUSTER if ref in ("prod-cluster", CLUSTER["id"]) else None
    containers.cluster_key_owner_answer.return_value = {"id": "IBMid-5500ABCDEF", "name": "Pat Owner",
                                                        "email": "pat@example.com"}
    kp, hpcs = MagicMock(), MagicMock()
    kp.registrations.return_value = [{"keyId": KEY["id"], "resourceCrn": CLUSTER["crn"], "keyVersion": {"id": "v1"}}]
    kp.get_key.return_value = KEY
    hpcs.registrations.side_effect = IBMCloudError("CKR_IBM_WK_NOT_INITIALIZED", status=400, code="KEY_ACTION_ERR")
    resources = MagicMock()
    resources.list_instances.return_value = [KP, HPCS, {**KP, "guid": "gone", "state": "removed"}]
    monkeypatch.setattr(contract_probe, "ContainersClient", lambda _s: containers)
    monkeypatch.setattr(contract_probe, "ResourceClient", lambda _s: resources)
    monkeypatch.setattr(contract_probe, "KmsClient", lambda _s, instance: kp if instance is KP else hpcs)
    return {"containers": containers, "kp": kp}


def test_the_report_holds_the_answers_and_no_identifying_value(capsys, world):
    token = make_token(account=ACCOUNT)
    result = run_module(capsys, contract_probe.main, {"iam_token": token, "clusters": ["prod-cluster", "nope"]})
    report = result["report"]
    [probed, missing] = report["clusters"]
    assert missing == {"cluster": "<not-found>", "found": False}
    assert probed["registrations"] == [{
        "resource_crn": "crn:v1:bluemix:public:containers-kubernetes:us-south:a/<account>:<cluster-id-1>::",
        "key": "<key-1>", "key_version": "older", "hours_since_rotation": probed["registrations"][0][
            "hours_since_rotation"]}]
    assert probed["key_owner"] == {"status": 200, "fields": ["email", "id", "name"], "id_kind": "IBMid"}
    assert report["hpcs_instances"] == [{"instance": "<instance-2>", "key_read": {
        "status": 400, "codes": ["KEY_ACTION_ERR"], "not_initialized": True}}]
    text = json.dumps(report)  # the module's arguments, echoed by some ansible-core versions, are the caller's own
    for secret in (ACCOUNT, CLUSTER["id"], "prod-cluster", KP["guid"], HPCS["guid"], KEY["id"], "Pat", "example.com"):
        assert secret not in text
    assert token[:20] not in json.dumps(result)
    world["kp"].get_key.assert_called_once_with(KEY["id"])  # each key read once


def test_an_unserved_owner_route_is_reported_by_status(capsys, world):
    world["containers"].cluster_key_owner_answer.side_effect = NotFoundError("no such route", status=404)
    result = run_module(capsys, contract_probe.main, {"iam_token": make_token(account=ACCOUNT),
                                                      "clusters": ["prod-cluster"]})
    assert result["report"]["clusters"][0]["key_owner"] == {"status": 404, "fields": None, "id_kind": None}
