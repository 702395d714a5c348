# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from unittest.mock import MagicMock

import pytest

from ansible_collections.ibmcloud.kms.plugins.module_utils import _root_keys as rk
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import BadRequestError, ConflictError, InputError

NOW = rk.parse_time("2026-11-27T12:00:00Z")
KEY = {"id": "k-1", "name": "crk", "aliases": ["crk-alias"], "state": 1, "extractable": False,
       "crn": "crn:v1:bluemix:public:kms:us-south:a/acct:g:key:k-1", "keyRingID": "default",
       "keyVersion": {"id": "v1", "creationDate": "2026-11-27T10:00:00Z"},
       "dualAuthDelete": {"enabled": False}, "expirationDate": "2026-12-07T12:00:00Z"}
REG = {"keyId": "k-1", "resourceCrn": "crn:v1:bluemix:public:containers-kubernetes:us-south:a/acct:c1::",
       "preventKeyDeletion": False, "keyVersion": {"id": "v1", "creationDate": "2026-11-27T10:00:00Z"}}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-11-27T12:00:00Z", 1795780800.0),
        ("2026-11-27T12:00:00.500Z", 1795780800.5),
        ("2026-11-27T13:00:00+01:00", 1795780800.0),
        ("2026-11-27T12:00:00", 1795780800.0),
        (None, None),
        ("", None),
    ],
)
def test_parse_time(text, expected):
    assert rk.parse_time(text) == expected


def test_parse_time_rejects_other_text():
    with pytest.raises(InputError, match="RFC 3339"):
        rk.parse_time("next year")


def test_describe_key_gives_the_documented_shape():
    view = rk.describe_key({**KEY, "rotation": {"enabled": True, "interval_month": 3}}, [REG], now=NOW)
    assert view["state"] == "active"
    assert view["days_until_expiration"] == 10
    assert view["key_version"] == {"id": "v1", "creation_date": "2026-11-27T10:00:00Z"}
    assert view["rotation_policy"] == {"enabled": True, "interval_month": 3}
    assert view["registrations"][0] == {"resource_crn": REG["resourceCrn"], "prevent_key_deletion": False,
                                        "key_version": view["key_version"], "description": None,
                                        "creation_date": None, "last_updated": None}
    assert view["deleted"] is False and view["extractable"] is False


@pytest.mark.parametrize("state, word", [(1, "active"), (2, "suspended"), (3, "deactivated"), (5, "destroyed")])
def test_state_is_a_word(state, word):
    assert rk.describe_key({**KEY, "state": state}, [], now=NOW)["state"] == word


def named(*keys):
    fake = MagicMock()
    fake.keys_named.return_value = list(keys)
    return fake


LIVE2 = {**KEY, "id": "k-2"}
DELETED = {**KEY, "id": "k-d", "state": 5, "restoreAllowed": True}
EXPIRED = {**KEY, "id": "k-x", "state": 5, "restoreAllowed": False}


@pytest.mark.parametrize(
    "keys, found",
    [
        ([], None),
        ([KEY], "k-1"),
        ([KEY, DELETED], "k-1"),        # a live key wins over a deleted one
        ([DELETED], "k-d"),             # restorable: state present restores it
        ([EXPIRED], None),              # past the restore window: as good as gone
        ([DELETED, EXPIRED], "k-d"),
    ],
)
def test_key_by_name(keys, found):
    key = rk.key_by_name(named(*keys), "crk")
    assert (key or {}).get("id") == found


@pytest.mark.parametrize("keys", [[KEY, LIVE2], [DELETED, {**DELETED, "id": "k-d2"}]])
def test_key_by_name_never_guesses(keys):
    with pytest.raises(InputError) as caught:
        rk.key_by_name(named(*keys), "crk")
    assert all(k["id"] in caught.value.message for k in keys)


def test_find_key_refuses_standard_keys():
    fake = MagicMock()
    fake.get_key.return_value = {**KEY, "extractable": True}
    with pytest.raises(InputError, match="standard key"):
        rk.find_key(fake, alias="crk-alias")


@pytest.mark.parametrize(
    "arguments, answer, found",
    [
        ({"key_id": "k-1"}, KEY, "k-1"),
        ({"key_id": "crk-alias"}, KEY, None),    # the API reads a key by alias too; an id must be the key's own
        ({"key_id": "k-2"}, None, None),
        ({"alias": "crk-alias"}, KEY, "k-1"),
        ({"key_id": "k-d"}, DELETED, "k-d"),     # deleted keys are found by id, so that they can be restored
    ],
)
def test_find_key_by_id_or_alias(arguments, answer, found):
    fake = MagicMock()
    fake.get_key.return_value = answer
    assert (rk.find_key(fake, **arguments) or {}).get("id") == found
    assert not fake.keys_named.called


@pytest.mark.parametrize(
    "current, wanted, differs",
    [
        (None, None, False),
        (None, {"enabled": True, "interval_month": 3}, True),
        (None, {"enabled": False, "interval_month": None}, False),
        ({"enabled": True, "interval_month": 3}, {"enabled": True, "interval_month": 3}, False),
        ({"enabled": True, "interval_month": 3}, {"enabled": True, "interval_month": None}, False),
        ({"enabled": True, "interval_month": 3}, {"enabled": True, "interval_month": 6}, True),
        ({"enabled": True, "interval_month": 3}, {"enabled": False, "interval_month": 3}, True),
        ({"enabled": False, "interval_month": 3}, {"enabled": False, "interval_month": 6}, False),
    ],
)
def test_rotation_policy_differs(current, wanted, differs):
    assert rk.rotation_policy_differs(current, wanted) is differs


WANT = dict(name="crk", alias="crk-alias", key_ring=None, description=None, expiration_date=None,
            rotation_policy=None, dual_auth_delete=None, enabled=False)


def client(key=None):
    fake = MagicMock()
    fake.create_key.return_value = dict(key or KEY)
    fake.get_key.return_value = dict(key or KEY)
    return fake


# (current, want changes, check_mode, changed, calls made)
PRESENT = [
    (None, {}, True, True, []),
    (None, {}, False, True, ["create_key"]),
    (None, {"rotation_policy": {"enabled": True, "interval_month": 2}}, False, True,
     ["create_key", "set_key_policy"]),
    (KEY, {}, False, False, []),
    (KEY, {"description": "other", "expiration_date": "2030-01-01T00:00:00Z"}, False, False, []),
    (KEY, {"rotation_policy": {"enabled": True, "interval_month": 2}}, True, True, []),
    (KEY, {"rotation_policy": {"enabled": True, "interval_month": 2}}, False, True, ["set_key_policy"]),
    (KEY, {"dual_auth_delete": True}, False, True, ["set_key_policy"]),
    (KEY, {"key_ring": "default"}, False, False, []),
    (KEY, {"key_ring": "ring-2"}, False, True, ["move_key"]),
    ({**KEY, "state": 2}, {}, False, False, []),
    ({**KEY, "state": 2}, {"enabled": True}, False, True, ["enable_key"]),
    ({**KEY, "state": 2}, {"enabled": True}, True, True, []),
    (DELETED, {}, False, True, ["restore_key"]),
    (DELETED, {"enabled": True}, True, True, []),
]
CHANGING = ("create_key", "set_key_policy", "move_key", "enable_key", "restore_key", "rotate_key", "disable_key",
            "delete_key")


def changing_calls(fake):
    return [name for name, _args, _kwargs in fake.mock_calls if name in CHANGING]


@pytest.mark.parametrize("current, change, check_mode, changed, calls", PRESENT)
def test_ensure_present(current, change, check_mode, changed, calls):
    fake = client()
    warnings = []
    result = rk.ensure_present(fake, current, {**WANT, **change}, check_mode=check_mode, now=NOW, warnings=warnings)
    assert result[0] is changed
    assert changing_calls(fake) == calls
    if check_mode and current is not None:
        assert result[1]["state"] == 1
    if "description" in change:
        assert len(warnings) == 2


# (the refusal of the create, the key the alias names afterwards, whether that key is adopted)
ALIAS_RACE = [
    (BadRequestError("The alias 'crk-alias' is already used", status=400), KEY, True),
    (ConflictError("conflict", status=409), KEY, True),
    (BadRequestError("The alias 'crk-alias' is already used", status=400), {**KEY, "name": "someone-elses"}, False),
    (BadRequestError("bad expiration date", status=400), None, False),
]


@pytest.mark.parametrize("refusal, named, adopted", ALIAS_RACE)
def test_a_key_a_parallel_job_created_a_moment_before_is_adopted(refusal, named, adopted):
    """A fleet sharing one root key: jobs on several clusters create it at once and the alias lets one win."""
    fake = client()
    fake.create_key.side_effect = refusal
    fake.get_key.return_value = named
    if not adopted:
        with pytest.raises(type(refusal)):
            rk.ensure_present(fake, None, WANT, check_mode=False, now=NOW, warnings=[])
        return
    changed, key = rk.ensure_present(fake, None, WANT, check_mode=False, now=NOW, warnings=[])
    assert key["id"] == KEY["id"] and changed is True
    fake.get_key.assert_any_call("crk-alias")


def test_ensure_present_needs_a_name_to_create():
    with pytest.raises(InputError, match="set name"):
        rk.ensure_present(client(), None, {**WANT, "name": None}, check_mode=True, now=NOW, warnings=[])


@pytest.mark.parametrize("check_mode", [True, False])
def test_a_key_asked_for_by_id_is_never_created(check_mode):
    fake = client()
    want = {**WANT, "alias": None, "key_id": "k-9"}
    with pytest.raises(InputError, match="cannot be created"):
        rk.ensure_present(fake, None, want, check_mode=check_mode, now=NOW, warnings=[])
    assert changing_calls(fake) == []


@pytest.mark.parametrize(
    "want, warned",
    [
        ({"alias": None, "key_id": "k-1", "name": "other"}, True),   # the name is checked against the key found
        ({"alias": None, "key_id": "k-1", "name": "crk"}, False),
        ({"alias": None, "key_id": "k-1", "name": None}, False),
    ],
)
def test_a_key_found_by_id_warns_about_another_name(want, warned):
    warnings = rk.drift_warnings(KEY, {**WANT, **want})
    assert bool([w for w in warnings if "cannot be renamed" in w]) is warned


def test_ensure_present_cannot_restore_after_the_window_nor_enable_an_expired_key():
    with pytest.raises(InputError, match="no longer be restored"):
        rk.ensure_present(client(), EXPIRED, WANT, check_mode=False, now=NOW, warnings=[])
    with pytest.raises(InputError, match="cannot be enabled"):
        rk.ensure_present(client(), {**KEY, "state": 3}, {**WANT, "enabled": True}, check_mode=False, now=NOW,
                          warnings=[])


ROTATED_RECENTLY = {**KEY, "lastRotateDate": "2026-11-27T11:30:00Z"}
ROTATED_LONG_AGO = {**KEY, "lastRotateDate": "2026-11-27T10:30:00Z"}


# (key, created, check_mode, changed, status, rotate called, next allowed)
ROTATE = [
    (KEY, False, False, True, "rotated", True, None),
    (KEY, False, True, True, "rotated", False, "2026-11-27T13:00:00Z"),
    (KEY, True, False, False, "skipped", False, "2026-11-27T12:00:00Z"),
    (ROTATED_RECENTLY, False, False, False, "skipped", False, "2026-11-27T12:30:00Z"),
    (ROTATED_RECENTLY, False, True, False, "skipped", False, "2026-11-27T12:30:00Z"),
    (ROTATED_LONG_AGO, False, True, True, "rotated", False, "2026-11-27T13:00:00Z"),
]


@pytest.mark.parametrize("key, created, check_mode, changed, status, rotated, allowed", ROTATE)
def test_ensure_rotated(key, created, check_mode, changed, status, rotated, allowed):
    fake = client(key)
    result = rk.ensure_rotated(fake, key, created=created, check_mode=check_mode, now=NOW)
    assert result[0] is changed
    assert result[2]["status"] == status
    assert fake.rotate_key.called is rotated
    if allowed:
        assert result[2]["next_rotation_allowed"] == allowed


def test_a_rotation_refused_by_the_service_is_skipped_not_failed():
    fake = client(ROTATED_RECENTLY)
    fake.rotate_key.side_effect = ConflictError("rotated within the hour", status=409,
                                                code="KEY_ROTATION_NOT_PERMITTED")
    changed, _key, rotation = rk.ensure_rotated(fake, ROTATED_RECENTLY, created=False, check_mode=False,
                                                now=NOW + 7200)
    assert changed is False
    assert rotation["status"] == "skipped"
    assert rotation["next_rotation_allowed"] == rk.format_time(NOW + 7200)


def test_other_conflicts_still_fail_and_suspended_keys_are_not_rotated():
    fake = client()
    fake.rotate_key.side_effect = ConflictError("bad state", status=409, code="KEY_ACTION_INVALID_STATE_ERR")
    with pytest.raises(ConflictError):
        rk.ensure_rotated(fake, KEY, created=False, check_mode=False, now=NOW)
    with pytest.raises(InputError, match="enable it first"):
        rk.ensure_rotated(fake, {**KEY, "state": 2}, created=False, check_mode=False, now=NOW)


# (key, registrations, force, check_mode, changed, error, delete called, warnings)
ABSENT = [
    (None, [], False, False, False, None, False, 0),
    (DELETED, [], False, False, False, None, False, 0),
    (KEY, [], False, True, True, None, False, 0),
    (KEY, [], False, False, True, None, True, 0),
    (KEY, [REG], False, False, None, "Refusing to delete", False, 0),
    (KEY, [REG], False, True, None, "Refusing to delete", False, 0),
    (KEY, [REG], True, False, True, None, True, 1),
    (KEY, [{**REG, "preventKeyDeletion": True}], True, False, None, "prevent its deletion", False, 0),
    ({**KEY, "dualAuthDelete": {"enabled": True}}, [], False, False, None, "dual authorization", False, 0),
]


@pytest.mark.parametrize("key, regs, force, check_mode, changed, error, deleted, warned", ABSENT)
def test_ensure_absent(key, regs, force, check_mode, changed, error, deleted, warned):
    fake = client({**KEY, "state": 5})
    warnings = []
    if error:
        with pytest.raises(InputError, match=error):
            rk.ensure_absent(fake, key, regs, force=force, check_mode=check_mode, warnings=warnings)
    else:
        result = rk.ensure_absent(fake, key, regs, force=force, check_mode=check_mode, warnings=warnings)
        assert result[0] is changed
    assert fake.delete_key.called is deleted
    if deleted:
        assert fake.delete_key.call_args.kwargs == {"force": bool(regs)}
    assert len(warnings) == warned


# (key, registrations, force, check_mode, changed, error, disable called)
DISABLED = [
    (KEY, [], False, False, True, None, True),
    (KEY, [], False, True, True, None, False),
    ({**KEY, "state": 2}, [REG], False, False, False, None, False),
    ({**KEY, "state": 3}, [], False, False, False, None, False),
    (KEY, [REG], False, True, None, "Refusing to disable", False),
    (KEY, [REG], True, False, True, None, True),
    (None, [], False, False, None, "does not exist", False),
    (DELETED, [], False, False, None, "does not exist", False),
]


@pytest.mark.parametrize("key, regs, force, check_mode, changed, error, disabled", DISABLED)
def test_ensure_disabled(key, regs, force, check_mode, changed, error, disabled):
    fake = client({**KEY, "state": 2})
    if error:
        with pytest.raises(InputError, match=error):
            rk.ensure_disabled(fake, key, regs, force=force, check_mode=check_mode, warnings=[])
    else:
        result = rk.ensure_disabled(fake, key, regs, force=force, check_mode=check_mode, warnings=[])
        assert result[0] is changed
        assert result[1]["state"] == (2 if changed else key["state"])
    assert fake.disable_key.called is disabled


def test_refusal_names_the_registered_resources():
    with pytest.raises(rk.KeyInUseError) as caught:
        rk.check_not_in_use(KEY, [REG], action="disable", force=False)
    assert REG["resourceCrn"] in caught.value.message
    assert caught.value.details == {"registered_resources": [REG["resourceCrn"]]}


def test_describe_keys_reads_registrations_once_and_sorts_by_name():
    fake = MagicMock()
    fake.registrations.return_value = [REG]
    views = rk.describe_keys(fake, [{**KEY, "id": "k-2", "name": "zz"}, KEY], now=NOW)
    assert [v["name"] for v in views] == ["crk", "zz"]
    assert len(views[0]["registrations"]) == 1 and views[1]["registrations"] == []
    fake.registrations.assert_called_once_with()


# (tags of a new key, what the problem names; Key Protect's rules for a key's own tags)
KEY_TAGS = [
    (["cluster-secrets", "prod eu"], None),
    (["t"] * 31, "at most 30"),
    (["env:prod"], "'env:prod'"),
    (["a" * 31, "ok", ""], "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', ''"),
    (["x|y", "a<b"], "'x|y', 'a<b'"),
]


@pytest.mark.parametrize("tags, named", KEY_TAGS)
def test_key_tag_problems(tags, named):
    problems = rk.key_tag_problems(tags)
    assert (problems == []) if named is None else named in " ".join(problems)


# (tags asked for, the tags of the key, whether a warning says they cannot change)
KEY_TAG_DRIFT = [
    (None, ["a"], False),
    (["a", "b"], ["b", "a"], False),
    (["a"], [], True),
    ([], ["a"], True),
]


@pytest.mark.parametrize("asked, has, warned", KEY_TAG_DRIFT)
def test_the_tags_of_an_existing_key_are_reported_never_changed(asked, has, warned):
    warnings = rk.drift_warnings({**KEY, "tags": has}, {**WANT, "tags": asked})
    assert any("are not changed afterwards" in w for w in warnings) is warned


def test_a_new_key_is_created_with_its_tags():
    assert rk.new_key_spec({"name": "k", "tags": ["a", "b"]})["tags"] == ["a", "b"]
    assert "tags" not in rk.new_key_spec({"name": "k", "tags": []})
