# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
from unittest.mock import MagicMock

import pytest

from ansible_collections.ibmcloud.kms.plugins.modules import kms_instance
from ansible_collections.ibmcloud.kms.plugins.module_utils._instances import drift_warnings

from ..module_utils.fake_transport import make_token
from .module_runner import run_module

WANT = dict(name="kms", service="key-protect", plan=None, resource_group_id="rg-1", region="us-south",
            parameters=None)
EXISTING = {"guid": "g-1", "name": "kms", "state": "active", "resource_plan_id": "eedd3585-90c6-4c8f-be3d-062069e99fc3",
            "parameters": {"allowed_network": "private-only"},
            "crn": "crn:v1:bluemix:public:kms:us-south:a/acct:g-1::"}


def client():
    fake = MagicMock()
    fake.session.account_id = "acct"
    fake.create_instance.return_value = {"guid": "g-new", "state": "provisioning"}
    fake.wait_active.return_value = ({"guid": "g-new", "state": "active"}, 2.0)
    fake.wait_gone.return_value = (None, 1.0)
    fake.find_instances.return_value = []  # the look again after a create: no parallel job made one
    return fake


# (current, check_mode, wait, changed, created, waited, after guid)
PRESENT = [
    (None, True, True, True, False, None, None),
    (None, False, True, True, True, 2.0, "g-new"),
    (None, False, False, True, True, None, "g-new"),
    (EXISTING, True, True, False, False, None, "g-1"),
    (EXISTING, False, True, False, False, None, "g-1"),
    # still provisioning (a parallel job made it, or a run was interrupted): waited for, without a change
    ({**EXISTING, "state": "provisioning"}, False, True, False, False, 2.0, "g-new"),
    ({**EXISTING, "state": "provisioning"}, False, False, False, False, None, "g-1"),
    ({**EXISTING, "state": "provisioning"}, True, True, False, False, None, "g-1"),
]


@pytest.mark.parametrize("current, check_mode, wait, changed, created, waited, guid", PRESENT)
def test_ensure_present(current, check_mode, wait, changed, created, waited, guid):
    fake = client()
    result = kms_instance.ensure_present(fake, current, WANT, check_mode=check_mode, wait=wait, wait_timeout=10)
    assert result[0] is changed
    assert result[1]["guid"] == guid
    assert result[2] == waited
    assert fake.create_instance.called is created


# (current, check_mode, wait, changed, deleted, waited)
ABSENT = [
    (None, False, True, False, False, None),
    (EXISTING, True, True, True, False, None),
    (EXISTING, False, True, True, True, 1.0),
    (EXISTING, False, False, True, True, None),
]


@pytest.mark.parametrize("current, check_mode, wait, changed, deleted, waited", ABSENT)
def test_ensure_absent(current, check_mode, wait, changed, deleted, waited):
    fake = client()
    result = kms_instance.ensure_absent(fake, current, check_mode=check_mode, wait=wait, wait_timeout=10)
    assert result == (changed, None, waited)
    assert fake.delete_instance.called is deleted


TIERED = "eedd3585-90c6-4c8f-be3d-062069e99fc3"
CRR = "4e853ad3-5820-49c7-8d07-a179fb15b9ee"


@pytest.mark.parametrize(
    "want, wanted_plan, count",
    [
        ({}, None, 0),
        ({"plan": "tiered-pricing", "parameters": {"allowed_network": "private-only"}}, TIERED, 0),
        ({"plan": "cross-region-resiliency"}, CRR, 1),
        ({"parameters": {"allowed_network": "public-and-private"}}, None, 1),
        ({"plan": "cross-region-resiliency", "parameters": {"allowed_network": "x", "other": 1}}, CRR, 3),
    ],
)
def test_drift_is_reported_per_difference(want, wanted_plan, count):
    assert len(drift_warnings(EXISTING, {**WANT, **want}, wanted_plan)) == count


def run_main(capsys, args):
    return run_module(capsys, kms_instance.main, args)


def test_main_without_credentials_fails_with_a_clear_message(capsys, monkeypatch):
    for name in ("IC_API_KEY", "IBMCLOUD_API_KEY", "IC_IAM_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    result = run_main(capsys, {"name": "kms"})
    assert result["failed"]
    assert "No credentials" in result["msg"]


def test_main_check_mode_create_predicts_and_never_creates(capsys, monkeypatch):
    fake = client()
    fake.resource_group_id.return_value = "rg-1"
    fake.plan_id.return_value = TIERED
    fake.find_shared_instance.return_value = (None, None)
    monkeypatch.setattr(kms_instance, "ResourceClient", lambda session: fake)
    result = run_main(capsys, {"name": "kms", "iam_token": make_token(), "_ansible_check_mode": True,
                               "_ansible_diff": True})
    assert result["changed"] is True
    assert result["instance"]["name"] == "kms" and result["instance"]["guid"] is None
    assert result["instance"]["plan"] == "tiered-pricing"  # the catalog's id, shown by its published name
    assert result["diff"] == {"before": {}, "after": result["instance"]}
    assert not fake.create_instance.called
    assert make_token()[:20] not in json.dumps(result)


def tagging(tags):
    fake = MagicMock()
    fake.tags_of.return_value = tags
    return fake


# (crn, check mode, tags it has, asked, purge, changed, attached, detached, after)
ENSURE_TAGS = [
    ("crn:i", False, ["old", "env:prod"], ["env:prod", "team:a"], True, True, ["team:a"], ["old"], ["env:prod", "team:a"]),
    ("crn:i", True, ["old"], ["team:a"], True, True, None, None, ["team:a"]),
    ("crn:i", False, ["team:a"], ["Team:A"], True, False, None, None, ["team:a"]),
    ("crn:i", False, ["old"], ["team:a"], False, True, ["team:a"], None, ["old", "team:a"]),
    (None, True, [], ["team:a"], True, True, None, None, ["team:a"]),  # a new instance check mode only predicts
]


@pytest.mark.parametrize("crn, check_mode, has, asked, purge, changed, attached, detached, after", ENSURE_TAGS)
def test_ensure_tags(crn, check_mode, has, asked, purge, changed, attached, detached, after):
    fake = tagging(has)
    result = kms_instance.ensure_tags(fake, crn, asked, purge=purge, check_mode=check_mode)
    assert result[0] is changed and result[2] == after
    assert (fake.attach.call_args.args[1] if fake.attach.called else None) == attached
    assert (fake.detach.call_args.args[1] if fake.detach.called else None) == detached
    assert fake.tags_of.called is (crn is not None)


def test_main_refuses_a_bad_tag_before_any_request(capsys, monkeypatch):
    fake = client()
    monkeypatch.setattr(kms_instance, "ResourceClient", lambda session: fake)
    result = run_main(capsys, {"name": "kms", "tags": ["ok", "no/slash"]})
    assert result["failed"] and "'no/slash'" in result["msg"] and "Nothing was changed" in result["msg"]
    assert not fake.method_calls
