# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
from unittest.mock import MagicMock

import pytest

from ansible_collections.ibmcloud.kms.plugins.module_utils._iam import describe_policy, make_grant
from ansible_collections.ibmcloud.kms.plugins.modules import iam_policy

from ..module_utils.fake_transport import make_token
from ..module_utils.test_iam import G1, READER, policy
from .module_runner import run_module

GRANT = make_grant(source_service="containers-kubernetes", source_account_id="aa000000000000000000000000000000", target_service="kms",
                   target_account_id="aa000000000000000000000000000000", target_instance=G1, roles=["Reader"])
EXACT = policy("exact")
WIDE = policy("wide", instance=None)


def fake_client(exact=(), broader=(), created=(True, EXACT)):
    fake = MagicMock()
    fake.lookup.return_value = (list(exact), list(broader))
    fake.create_authorization.return_value = created
    return fake


# (exact, broader, created answer, check_mode, changed, after id, covered_by, create called)
PRESENT = [
    ((), (), (True, EXACT), True, True, None, None, False),
    ((), (), (True, EXACT), False, True, "exact", None, True),
    ((EXACT,), (), None, True, False, "exact", None, False),
    ((EXACT,), (), None, False, False, "exact", None, False),
    ((EXACT,), (WIDE,), None, False, False, "exact", None, False),
    ((), (WIDE,), None, True, False, "wide", "wide", False),
    ((), (WIDE,), None, False, False, "wide", "wide", False),
    ((), (), (False, WIDE), False, False, "wide", "wide", True),  # a 409 named a broader policy
    ((), (), (False, EXACT), False, False, "exact", None, True),  # a 409 named an identical policy
]


@pytest.mark.parametrize("exact, broader, created, check_mode, changed, after_id, covered_by, create_called", PRESENT)
def test_ensure_present(exact, broader, created, check_mode, changed, after_id, covered_by, create_called):
    fake = fake_client(exact, broader, created)
    current = iam_policy.current_view(list(exact), list(broader))
    result_changed, after = iam_policy.ensure_present(fake, current, GRANT, description="d", check_mode=check_mode)
    assert result_changed is changed
    assert after["id"] == after_id
    assert after.get("covered_by") == covered_by
    assert fake.create_authorization.called is create_called
    if check_mode and changed:
        assert after["target_instance"] == G1 and after["roles"][0]["role_id"] == READER


# (exact, check_mode, changed, deletes)
ABSENT = [
    ((), False, False, 0),
    ((), True, False, 0),
    ((EXACT,), True, True, 0),
    ((EXACT,), False, True, 1),
    ((EXACT, policy("dup")), False, True, 2),
]


@pytest.mark.parametrize("exact, check_mode, changed, deletes", ABSENT)
def test_ensure_absent(exact, check_mode, changed, deletes):
    fake = fake_client(exact)
    assert iam_policy.ensure_absent(fake, list(exact), check_mode=check_mode) == (changed, {})
    assert fake.delete_policy.call_count == deletes


def test_broader_policies_are_named_in_warnings():
    warnings = iam_policy.broader_warnings([WIDE])
    assert len(warnings) == 1 and "wide" in warnings[0] and "leaves it in place" in warnings[0]


@pytest.mark.parametrize(
    "params, subject_account, resource",
    [
        ({}, "caller", {"serviceName": "kms", "accountId": "caller"}),
        ({"target_instance": G1}, "caller", {"serviceName": "kms", "accountId": "caller", "serviceInstance": G1}),
        ({"source_account_id": "a", "target_account_id": "b"}, "a", {"serviceName": "kms", "accountId": "b"}),
        ({"target_service": "hs-crypto", "target_account_id": "b"}, "caller",
         {"serviceName": "hs-crypto", "accountId": "b"}),
    ],
)
def test_grant_defaults_accounts_to_the_caller(params, subject_account, resource):
    full = {"source_service": "containers-kubernetes", "target_service": "kms", "target_instance": None,
            "source_account_id": None, "target_account_id": None, "roles": ["Reader"], **params}
    grant = iam_policy.grant_from(full, "caller")
    assert grant["subject"] == {"serviceName": "containers-kubernetes", "accountId": subject_account}
    assert grant["resource"] == resource


def run_main(capsys, monkeypatch, args, fake):
    monkeypatch.setattr(iam_policy, "IamPolicyClient", lambda session: fake)
    return run_module(capsys, iam_policy.main, {"iam_token": make_token(account="aa000000000000000000000000000000"), **args})


def test_main_check_mode_predicts_a_create_and_never_creates(capsys, monkeypatch):
    fake = fake_client()
    result = run_main(capsys, monkeypatch, {"target_service": "kms", "target_instance": G1,
                                            "_ansible_check_mode": True, "_ansible_diff": True}, fake)
    assert result["changed"] is True
    assert result["policy"]["id"] is None and result["policy"]["target_instance"] == G1
    assert result["diff"] == {"before": {}, "after": result["policy"]}
    assert not fake.create_authorization.called and not fake.delete_policy.called
    assert make_token(account="aa000000000000000000000000000000")[:20] not in json.dumps(result)


def test_main_reports_a_covering_policy_as_present(capsys, monkeypatch):
    fake = fake_client(broader=[WIDE])
    result = run_main(capsys, monkeypatch, {"target_service": "kms", "target_instance": G1}, fake)
    assert result["changed"] is False
    assert result["policy"]["id"] == "wide" and result["policy"]["covered_by"] == "wide"


def test_main_absent_leaves_a_broader_policy_and_warns(capsys, monkeypatch):
    fake = fake_client(broader=[WIDE])
    result = run_main(capsys, monkeypatch, {"target_service": "kms", "target_instance": G1, "state": "absent",
                                            "_ansible_diff": True}, fake)
    assert result["changed"] is False and result["policy"] == {}
    assert result["diff"] == {"before": {}, "after": {}}
    assert "policy wide grants this and more" in json.dumps(result["warnings"])
    assert not fake.delete_policy.called


def test_main_absent_deletes_the_exact_policy(capsys, monkeypatch):
    fake = fake_client(exact=[EXACT])
    result = run_main(capsys, monkeypatch, {"target_service": "kms", "target_instance": G1, "state": "absent",
                                            "_ansible_diff": True}, fake)
    assert result["changed"] is True
    assert result["diff"]["before"] == describe_policy(EXACT)
    fake.delete_policy.assert_called_once_with(EXACT)


def test_main_bad_instance_crn_fails_before_any_request(capsys, monkeypatch):
    fake = fake_client()
    crn = f"crn:v1:bluemix:public:hs-crypto:us-south:a/aa000000000000000000000000000000:{G1}::"
    result = run_main(capsys, monkeypatch, {"target_service": "kms", "target_instance": crn}, fake)
    assert result["failed"] and "hs-crypto instance" in result["msg"]
    assert not fake.lookup.called


@pytest.mark.parametrize("service_wide, changed", [((), True), ((WIDE,), False)])
def test_main_check_mode_on_an_instance_an_earlier_task_would_create(capsys, monkeypatch, service_wide, changed):
    """No policy can name the new instance yet; one on every instance of the service covers it."""
    fake = fake_client(exact=service_wide)
    args = {"target_service": "kms", "target_instance": "kms-for-clusters", "instance_predicted": True,
            "_ansible_check_mode": True, "_ansible_diff": True}
    result = run_main(capsys, monkeypatch, args, fake)
    assert result["changed"] is changed
    assert fake.lookup.call_args[0][0]["resource"].get("serviceInstance") is None
    assert result["policy"]["id"] == (None if changed else "wide")
    assert not fake.create_authorization.called
