# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from unittest.mock import MagicMock

import pytest

from ansible_collections.ibmcloud.kms.plugins.modules import iam_policy_info

from ..module_utils.fake_transport import make_token
from ..module_utils.test_iam import G1, G2, policy
from .module_runner import run_module

ONE = policy("one")
OTHER = policy("other", instance=G2)
WIDE = policy("wide", instance=None)
HPCS = policy("hpcs", target="hs-crypto")
DISKS = policy("disks", source="server-protect")
CROSS = policy("cross", source_account="bb000000000000000000000000000000")
PATTERN = policy("pattern", instance="1111*", ops={"serviceInstance": "stringMatch"})
ALL = [ONE, OTHER, WIDE, HPCS, DISKS, CROSS, PATTERN]

# (filters, include_broader, expected ids)
SELECT = [
    ({}, False, ["one", "other", "wide", "hpcs", "disks", "cross", "pattern"]),
    ({"target_service": "kms"}, False, ["one", "other", "wide", "disks", "cross", "pattern"]),
    ({"target_service": "hs-crypto"}, False, ["hpcs"]),
    ({"source_service": "server-protect"}, False, ["disks"]),
    ({"source_account_id": "bb000000000000000000000000000000"}, False, ["cross"]),
    ({"target_instance": G1}, False, ["one", "hpcs", "disks", "cross"]),
    ({"target_service": "kms", "target_instance": G1}, False, ["one", "disks", "cross"]),
    ({"source_service": "containers-kubernetes", "target_service": "kms", "target_instance": G1,
      "source_account_id": "aa000000000000000000000000000000"}, False, ["one"]),
    ({"source_service": "containers-kubernetes", "target_service": "kms", "target_instance": G1,
      "source_account_id": "aa000000000000000000000000000000"}, True, ["one", "wide", "pattern"]),
    ({"target_service": "kms", "target_instance": G2}, True, ["other", "wide"]),
    ({"target_instance": f"crn:v1:bluemix:public:kms:us-south:a/aa000000000000000000000000000000:{G1}::", "target_service": "kms",
      "source_service": "containers-kubernetes"}, True, ["one", "wide", "cross", "pattern"]),
    ({"target_service": "nothing"}, False, []),
]


@pytest.mark.parametrize("filters, include_broader, expected", SELECT)
def test_selection(filters, include_broader, expected):
    params = {name: None for name in iam_policy_info.FILTERS}
    params.update(filters)
    wanted = iam_policy_info.wanted_filters(params)
    found = [p["id"] for p in ALL if iam_policy_info.selected(p, wanted, include_broader=include_broader)]
    assert found == expected


def run_main(capsys, monkeypatch, args, fake):
    monkeypatch.setattr(iam_policy_info, "IamPolicyClient", lambda session: fake)
    return run_module(capsys, iam_policy_info.main, {"iam_token": make_token(account="aa000000000000000000000000000000"), **args})


A, K = "aa000000000000000000000000000000", "cc000000000000000000000000000000"


@pytest.mark.parametrize("args, account", [({}, A), ({"target_account_id": K}, K)])
def test_main_lists_the_target_account_and_reads_only(capsys, monkeypatch, args, account):
    fake = MagicMock()
    fake.list_authorizations.return_value = [OTHER, ONE]
    result = run_main(capsys, monkeypatch, {"target_service": "kms", "_ansible_check_mode": True, **args}, fake)
    assert result["changed"] is False
    assert [p["id"] for p in result["policies"]] == ["one", "other"]  # oldest first, then by id
    assert result["policies"][0]["target_instance"] == G1
    fake.list_authorizations.assert_called_once_with(account)
    assert not fake.create_authorization.called and not fake.delete_policy.called
