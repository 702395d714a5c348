# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from unittest.mock import MagicMock

import pytest

from ansible_collections.ibmcloud.kms.plugins.module_utils._kms import parse_time
from ansible_collections.ibmcloud.kms.plugins.modules import root_key_info

from ..module_utils.fake_transport import make_token
from .module_runner import run_module

LIVE = {"id": "k-1", "name": "b", "state": 1, "extractable": False}
DELETED = {"id": "k-2", "name": "a", "state": 5, "extractable": False}
PARAMS = dict(key_id=None, alias=None, name=None, include_deleted=False)


def fake_kms():
    fake = MagicMock()
    fake.get_key.return_value = dict(DELETED)
    fake.keys_named.return_value = [dict(LIVE), dict(DELETED)]
    fake.list_root_keys.return_value = [dict(LIVE), dict(DELETED)]
    fake.registrations.return_value = []
    return fake


# (params, ids)
FIND = [
    ({}, ["k-1"]),
    ({"include_deleted": True}, ["k-1", "k-2"]),
    ({"name": "b"}, ["k-1"]),
    ({"key_id": "k-2"}, ["k-2"]),       # asked for by id: returned even when deleted
    ({"alias": "a"}, ["k-2"]),
]


@pytest.mark.parametrize("params, ids", FIND)
def test_find_root_keys(params, ids):
    assert [k["id"] for k in root_key_info.find_root_keys(fake_kms(), {**PARAMS, **params})] == ids


NOW = parse_time("2026-11-27T12:00:00Z")
VIEWS = [{"id": "never", "expiration_date": None}, {"id": "expired", "expiration_date": "2026-11-01T00:00:00Z"},
         {"id": "soon", "expiration_date": "2026-12-07T12:00:00Z"}, {"id": "later", "expiration_date": "2027-06-01T00:00:00Z"}]


@pytest.mark.parametrize("days, ids", [(None, ["never", "expired", "soon", "later"]), (0, ["expired"]),
                                       (10, ["expired", "soon"]), (9, ["expired"]), (365, ["expired", "soon", "later"])])
def test_expiring_within_days(days, ids):
    assert [v["id"] for v in root_key_info.expiring(VIEWS, days, NOW)] == ids


def test_main_lists_root_keys_and_changes_nothing(capsys, monkeypatch):
    fake = fake_kms()
    monkeypatch.setattr(root_key_info, "open_kms", lambda session, ref: fake)
    result = run_module(capsys, root_key_info.main,
                        {"iam_token": make_token(), "instance": "kms", "_ansible_check_mode": True})
    assert result["changed"] is False
    assert [k["id"] for k in result["root_keys"]] == ["k-1"]
    assert result["root_keys"][0]["state"] == "active"
