# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
from unittest.mock import MagicMock

import jwt
import pytest

from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import InputError
from ansible_collections.ibmcloud.kms.plugins.modules import root_key

from ..module_utils.fake_transport import make_token
from .module_runner import run_module

KEY = {"id": "11111111-1111-4111-8111-111111111111", "name": "crk", "aliases": ["crk-alias"], "state": 1, "extractable": False,
       "crn": "crn:v1:bluemix:public:kms:us-south:a/acct:g:key:k-1", "keyRingID": "default",
       "keyVersion": {"id": "v1", "creationDate": "2026-11-27T10:00:00Z"}, "dualAuthDelete": {"enabled": False}}
CLUSTER = "crn:v1:bluemix:public:containers-kubernetes:us-south:a/acct:c1::"
BASE = dict(instance="kms", name="crk", alias=None, key_ring=None, description=None, expiration_date=None,
            rotation_policy=None, dual_auth_delete=None, acknowledge_irreversible=False, rotate=False,
            state="present", force=False, acknowledge_data_loss=False)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"rotation_policy": {"enabled": True, "interval_month": 0}}, "1 to 12"),
        ({"rotation_policy": {"enabled": True, "interval_month": 13}}, "1 to 12"),
        ({"dual_auth_delete": True}, "acknowledge_irreversible"),
        ({"force": True, "state": "absent"}, "acknowledge_data_loss"),
        ({"rotate": True, "state": "absent"}, "state=present or state=enabled"),
        ({"rotate": True, "state": "disabled"}, "state=present or state=enabled"),
        ({"expiration_date": "soon"}, "RFC 3339"),
    ],
)
def test_validate_refuses_input_that_cannot_work(change, message):
    with pytest.raises(InputError, match=message):
        root_key.validate({**BASE, **change})


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"rotation_policy": {"enabled": True, "interval_month": 12}},
        {"dual_auth_delete": True, "acknowledge_irreversible": True},
        {"force": True, "acknowledge_data_loss": True, "state": "absent"},
        {"rotate": True, "state": "enabled", "expiration_date": "2030-01-01T00:00:00Z"},
    ],
)
def test_validate_accepts_good_input(change):
    root_key.validate({**BASE, **change})


def fake_kms(key=None, registrations=()):
    fake = MagicMock()
    fake.get_key.return_value = dict(key) if key else None
    fake.keys_named.return_value = [dict(key)] if key else []
    fake.registrations.return_value = [{"keyId": "11111111-1111-4111-8111-111111111111", "resourceCrn": c} for c in registrations]
    fake.create_key.return_value = dict(KEY)
    return fake


def run_main(capsys, monkeypatch, fake, args):
    monkeypatch.setattr(root_key, "open_kms", lambda session, ref: fake)
    return run_module(capsys, root_key.main, {"iam_token": make_token(), **args})


def test_main_check_mode_create_predicts_and_sends_nothing(capsys, monkeypatch):
    fake = fake_kms()
    result = run_main(capsys, monkeypatch, fake, {"instance": "kms", "name": "crk", "alias": "crk-alias",
                                                  "_ansible_check_mode": True, "_ansible_diff": True})
    assert result["changed"] is True and result["created"] is True
    assert result["root_key"]["id"] is None and result["root_key"]["aliases"] == ["crk-alias"]
    assert result["diff"] == {"before": {}, "after": result["root_key"]}
    assert not fake.create_key.called
    assert make_token()[:20] not in json.dumps(result)


def test_main_refuses_to_disable_a_registered_key_before_any_change(capsys, monkeypatch):
    fake = fake_kms(KEY, [CLUSTER])
    result = run_main(capsys, monkeypatch, fake, {"instance": "kms", "alias": "crk-alias", "state": "disabled"})
    assert result["failed"] is True
    assert CLUSTER in result["msg"]
    assert result["error"]["details"]["registered_resources"] == [CLUSTER]
    assert not fake.disable_key.called


def test_main_rotation_within_the_hour_is_ok_and_unchanged(capsys, monkeypatch):
    recently = {**KEY, "lastRotateDate": "2099-01-01T00:00:00Z"}
    fake = fake_kms(recently)
    result = run_main(capsys, monkeypatch, fake, {"instance": "kms", "alias": "crk-alias", "rotate": True})
    assert result["changed"] is False and not result.get("failed")
    assert result["rotation"]["status"] == "skipped"
    assert result["rotation"]["next_rotation_allowed"] == "2099-01-01T01:00:00Z"
    assert not fake.rotate_key.called


def test_main_needs_name_or_alias(capsys, monkeypatch):
    result = run_main(capsys, monkeypatch, fake_kms(), {"instance": "kms"})
    assert result["failed"] and "name, alias" in result["msg"]


# (arguments, key in the instance, failure fragment or None, changed, rotated)
BY_KEY_ID = [
    ({"key_id": "11111111-1111-4111-8111-111111111111", "rotate": True}, KEY, None, True, True),
    ({"key_id": "11111111-1111-4111-8111-111111111111", "rotate": True, "_ansible_check_mode": True}, KEY, None, True, False),
    ({"key_id": "11111111-1111-4111-8111-111111111111"}, KEY, None, False, False),
    ({"key_id": "99999999-9999-4999-8999-999999999999"}, None, "cannot be created", None, False),
    ({"key_id": "99999999-9999-4999-8999-999999999999", "name": "crk", "_ansible_check_mode": True}, None, "cannot be created", None, False),
    ({"key_id": "crk-alias"}, KEY, "is not a guid", None, False),   # the API reads aliases too; not an id
    ({"key_id": "99999999-9999-4999-8999-999999999999", "state": "absent"}, None, None, False, False),
    ({"key_id": "11111111-1111-4111-8111-111111111111", "alias": "crk-alias"}, KEY, "mutually exclusive", None, False),
]


@pytest.mark.parametrize("args, key, failure, changed, rotated", BY_KEY_ID)
def test_main_identifies_a_key_by_id(capsys, monkeypatch, args, key, failure, changed, rotated):
    fake = fake_kms(key)
    result = run_main(capsys, monkeypatch, fake, {"instance": "kms", **args})
    assert not fake.create_key.called
    assert fake.rotate_key.called is rotated
    if failure:
        assert result["failed"] is True and failure in result["msg"]
        return
    assert result["changed"] is changed and result["created"] is False
    if key:
        fake.get_key.assert_any_call(args["key_id"])
        assert result["root_key"]["id"] == "11111111-1111-4111-8111-111111111111"
    if rotated:
        fake.rotate_key.assert_called_once_with("11111111-1111-4111-8111-111111111111")
        assert result["rotation"]["status"] == "rotated"
    assert not fake.keys_named.called


@pytest.mark.parametrize("key, sent", [(None, True), (KEY, False)])
def test_main_expiration_days_count_from_ibms_clock_for_a_new_key_only(capsys, monkeypatch, key, sent):
    """IBM's clock is the token's issue time; a key that exists keeps its date without a warning."""
    fake = fake_kms(key)
    token = make_token()
    issued = jwt.decode(token, options={"verify_signature": False})["iat"]
    monkeypatch.setattr("time.time", lambda: issued - 86400 * 400)  # a host clock that runs late: IBM's wins
    result = run_main(capsys, monkeypatch, fake, {"iam_token": token, "instance": "kms", "name": "crk",
                                                  "alias": "crk-alias", "expiration_days": 30})
    assert not result.get("failed"), result
    assert "expiration" not in str(result.get("warnings", ""))
    assert fake.create_key.called is sent and result["created"] is sent
    if sent:
        assert fake.create_key.call_args.args[0]["expirationDate"] == root_key.midnight_after(issued, 30)


def test_main_expiration_date_and_days_exclude_each_other(capsys, monkeypatch):
    result = run_main(capsys, monkeypatch, fake_kms(), {"instance": "kms", "name": "crk", "expiration_days": 30,
                                                        "expiration_date": "2030-01-01T00:00:00Z"})
    assert result["failed"] and "mutually exclusive" in result["msg"]


# -- keys: several at once ---------------------------------------------------------------------------------------------
class FleetKms:
    """A Key Protect instance that holds the keys it is given and creates the missing ones (thread-safe enough: each
    test key has its own alias)."""

    def __init__(self, *existing):
        self.keys = {key["aliases"][0]: dict(key) for key in existing}
        self.created = []

    def get_key(self, ref):
        return self.keys.get(ref)

    def registrations(self, _key_id):
        return []

    def create_key(self, spec, *, key_ring=None, find):
        alias = spec["aliases"][0]
        if alias == "broken":
            raise root_key.IBMCloudError("Key Protect answered HTTP 500 three times.")
        self.keys[alias] = {**KEY, "id": f"id-{alias}", "name": spec["name"], "aliases": [alias]}
        self.created.append(alias)
        return self.keys[alias]


def run_keys(capsys, monkeypatch, kms, keys, **more):
    monkeypatch.setattr(root_key, "open_kms", lambda session, ref: kms)
    return run_module(capsys, root_key.main, {"iam_token": make_token(), "instance": "kms", "root_keys": keys, **more})


def test_main_keys_makes_sure_of_each_key_and_returns_each_outcome_in_order(capsys, monkeypatch):
    kms = FleetKms({**KEY, "aliases": ["a-crk"]})
    result = run_keys(capsys, monkeypatch, kms, [{"id": "a", "name": "a", "alias": "a-crk"},
                                                 {"id": "b", "name": "b", "alias": "b-crk", "expiration_days": 30}])
    assert result["changed"] is True and "root_key" not in result
    assert [(k["id"], k["changed"], k["created"], k["failed"]) for k in result["root_keys"]] == [
        ("a", False, False, False), ("b", True, True, False)]
    assert result["root_keys"][1]["root_key"]["aliases"] == ["b-crk"] and kms.created == ["b-crk"]


def test_main_keys_a_failed_key_does_not_stop_the_others(capsys, monkeypatch):
    kms = FleetKms()
    result = run_keys(capsys, monkeypatch, kms, [{"id": 1, "name": "x", "alias": "broken"}, {"id": 2, "name": "y", "alias": "y-crk"}])
    assert result["failed"] and result["msg"].startswith("1 of 2 keys failed. broken: ")
    assert [(k["failed"], k["created"]) for k in result["root_keys"]] == [(True, False), (False, True)]
    assert kms.created == ["y-crk"]


def test_main_keys_check_mode_predicts_each_with_a_diff_and_creates_nothing(capsys, monkeypatch):
    kms = FleetKms()
    result = run_keys(capsys, monkeypatch, kms, [{"name": "a", "alias": "a-crk"}, {"name": "b", "alias": "b-crk"}],
                      _ansible_check_mode=True, _ansible_diff=True)
    assert [(k["changed"], k["created"]) for k in result["root_keys"]] == [(True, True), (True, True)]
    assert [(d["before_header"], d["before"]) for d in result["diff"]] == [("a-crk", {}), ("b-crk", {})]
    assert kms.created == []


@pytest.mark.parametrize("keys, more, fragment", [
    ([{"name": "a", "alias": "a-crk"}, {"name": "b", "alias": "a-crk"}], {}, "root_keys[2] ('a-crk'): the same as root_keys[1]: give each once."),
    ([{"name": "a", "alias": "a-crk"}, {"id": "no-name"}], {}, "root_keys[2] (None): give one of name, alias or key_id."),
    ([{"name": "a", "alias": "a-crk", "expiration_days": 0}], {}, "root_keys[1] ('a-crk'): "),
    ([{"name": "a", "alias": "a-crk"}], {"rotate": True}, "root_keys[1] ('a-crk'): root_keys makes sure keys exist"),
    ([{"name": "a", "alias": "a-crk"}], {"instance": None}, "root_keys[1] ('a-crk'): instance is required"),
])
def test_main_keys_bad_input_is_refused_before_any_request(capsys, monkeypatch, keys, more, fragment):
    kms = FleetKms()
    result = run_keys(capsys, monkeypatch, kms, keys, **more)
    assert result["failed"] and result["msg"].startswith(fragment), result["msg"]
    assert "root_keys" not in result and kms.created == []


def test_main_keys_and_one_key_exclude_each_other(capsys, monkeypatch):
    result = run_keys(capsys, monkeypatch, FleetKms(), [{"name": "a"}], alias="x")
    assert result["failed"] and "mutually exclusive" in result["msg"]


def test_main_keys_each_key_may_have_its_own_rotation_policy(capsys, monkeypatch):
    kms = FleetKms()
    result = run_keys(capsys, monkeypatch, kms, [{"name": "a", "alias": "a-crk"},
                                                 {"name": "b", "alias": "b-crk", "rotation_policy": {"interval_month": 13}}],
                      rotation_policy={"interval_month": 3})
    assert result["failed"] and result["msg"].startswith("root_keys[2] ('b-crk'): rotation_policy.interval_month must be 1 to 12, not 13")
    assert "root_keys" not in result and kms.created == []
