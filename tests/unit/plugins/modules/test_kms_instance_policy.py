# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from unittest.mock import MagicMock

import pytest

from ansible_collections.ibmcloud.kms.plugins.modules import kms_instance_policy, kms_instance_policy_info

from ..module_utils.fake_transport import make_token
from .module_runner import run_module

DUAL_ON = {"policy_type": "dualAuthDelete", "policy_data": {"enabled": True}}


def fake_kms(resources):
    fake = MagicMock()
    fake.instance_policies.return_value = resources
    return fake


def run(capsys, monkeypatch, resources, **args):
    fake = fake_kms(resources)
    opened = []
    monkeypatch.setattr(kms_instance_policy, "open_kms", lambda session, ref: opened.append(ref) or fake)
    result = run_module(capsys, kms_instance_policy.main, {"iam_token": make_token(), "instance": "kms", **args})
    return result, fake, opened


# (what the instance lists, whether check mode, changed, the policies set)
RUNS = [
    ([], False, True, [("dualAuthDelete", {"enabled": True}), ("metrics", {"enabled": True})]),
    ([], True, True, []),
    ([DUAL_ON, {"policy_type": "metrics", "policy_data": {"enabled": True}}], False, False, []),
]


@pytest.mark.parametrize("resources, check_mode, changed, sent", RUNS)
def test_sets_only_what_differs_and_check_mode_sends_nothing(capsys, monkeypatch, resources, check_mode, changed,
                                                             sent):
    result, fake, _opened = run(capsys, monkeypatch, resources, dual_auth_delete={"enabled": True},
                                metrics={"enabled": True}, _ansible_check_mode=check_mode, _ansible_diff=True)
    assert result["changed"] is changed
    assert [c.args for c in fake.set_instance_policy.call_args_list] == sent
    assert result["policies"]["dual_auth_delete"] == {"enabled": True}
    assert result["diff"]["after"] == {"dual_auth_delete": {"enabled": True}, "metrics": {"enabled": True}}
    assert set(result["diff"]["before"]) == {"dual_auth_delete", "metrics"}


def test_private_only_over_the_public_endpoint_is_refused_before_any_request(capsys, monkeypatch):
    result, fake, opened = run(capsys, monkeypatch, [], allowed_network={"enabled": True, "network": "private-only"})
    assert result["failed"] and "endpoint_type=private" in result["msg"]
    assert opened == [] and not fake.method_calls


def test_a_predicted_instance_is_predicted_without_a_request(capsys, monkeypatch):
    result, fake, opened = run(capsys, monkeypatch, [], metrics={"enabled": True}, instance_predicted=True,
                               _ansible_check_mode=True)
    assert result["changed"] is True and result["changed_policies"] == ["metrics"]
    assert opened == [] and not fake.method_calls


def test_bad_input_is_refused_before_any_request(capsys, monkeypatch):
    result, _fake, opened = run(capsys, monkeypatch, [], rotation={"enabled": True})
    assert result["failed"] and "rotation.interval_month" in result["msg"] and "Nothing was changed" in result["msg"]
    assert opened == []


def test_info_reads_every_policy_once(capsys, monkeypatch):
    fake = fake_kms([DUAL_ON])
    monkeypatch.setattr(kms_instance_policy_info, "open_kms", lambda session, ref: fake)
    result = run_module(capsys, kms_instance_policy_info.main,
                        {"iam_token": make_token(), "instance": "kms", "_ansible_check_mode": True})
    assert result["changed"] is False
    assert result["policies"]["dual_auth_delete"] == {"enabled": True}
    assert result["policies"]["metrics"] == {"enabled": False}
    assert fake.instance_policies.call_count == 1
