# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""keep_one(): parallel jobs that created instances of one name at the same moment end with one, the same for all."""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest

from ansible_collections.ibmcloud.kms.plugins.module_utils import _instances, _resource_controller
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import ForbiddenError, InputError

WANT = {"name": "kms", "service": "key-protect", "resource_group_id": "rg", "region": "us-south", "plan": None}


def instance(guid, created_at, state="provisioning"):
    return {"guid": guid, "created_at": created_at, "state": state, "name": "kms"}


OURS = instance("bbbbbbbb-0000-4000-8000-000000000002", "2026-11-30T10:00:05Z")
OLDER = instance("cccccccc-0000-4000-8000-000000000003", "2026-11-30T10:00:01Z")
NEWER = instance("aaaaaaaa-0000-4000-8000-000000000001", "2026-11-30T10:00:09Z")
SAME_TIME_LOWER_GUID = instance("aaaaaaaa-0000-4000-8000-000000000009", OURS["created_at"])
ACTIVE = {**OURS, "state": "active"}

# (what, the instance this job created, what the look again lists, its keys (list or exception),
#  the guid kept, whether ours is deleted, a fragment of the warning or None)
CASES = [
    ("alone", OURS, [OURS], [], OURS, False, None),
    ("the list does not show it yet", OURS, [], [], OURS, False, None),
    ("a parallel job was first", OURS, [OLDER, OURS], [], OLDER, True, "uses the oldest"),
    ("this job was first", OURS, [OURS, NEWER], [], OURS, False, None),
    ("three jobs, this one in the middle", OURS, [NEWER, OURS, OLDER], [], OLDER, True, "2 other job(s)"),
    ("same second, lower guid wins", OURS, [OURS, SAME_TIME_LOWER_GUID], [], SAME_TIME_LOWER_GUID, True, None),
    ("ours is active and empty", ACTIVE, [OLDER, ACTIVE], [], OLDER, True, "empty"),
    ("ours already holds keys", ACTIVE, [OLDER, ACTIVE], [{"id": "k"}], OLDER, False, "left in place"),
    ("ours cannot be read", ACTIVE, [OLDER, ACTIVE], ForbiddenError("no", status=403), OLDER, False, "left in place"),
]


@pytest.mark.parametrize("what, ours, listed, keys, kept, deleted, warning", CASES, ids=[c[0] for c in CASES])
def test_keep_one(monkeypatch, what, ours, listed, keys, kept, deleted, warning):
    client = MagicMock()
    client.find_instances.return_value = list(listed)
    kms = MagicMock()
    if isinstance(keys, Exception):
        kms.list_keys.side_effect = keys
    else:
        kms.list_keys.return_value = keys
    monkeypatch.setattr(_instances, "KmsClient", lambda _session, _raw: kms)
    used, said = _instances.keep_one(MagicMock(), client, ours, WANT)
    assert used["guid"] == kept["guid"]
    assert client.delete_instance.called is deleted
    if deleted:
        client.delete_instance.assert_called_once_with(ours["guid"])
    if warning:
        assert warning in said
    assert (said is None) is (used["guid"] == ours["guid"])
    if ours["state"] != "active":
        assert not kms.list_keys.called  # nothing can be in an instance that is not active yet


def test_every_job_picks_the_same_survivor_whatever_it_sees_first():
    everyone = [OLDER, OURS, NEWER, SAME_TIME_LOWER_GUID]
    picks = {_resource_controller.survivor(everyone[:n] + [OLDER])["guid"] for n in range(len(everyone) + 1)}
    assert picks == {OLDER["guid"]}


@pytest.mark.parametrize("listed, kept, warned", [
    ([], None, False),
    ([OURS], OURS, False),
    ([NEWER, OURS, OLDER], OLDER, True),
])
def test_find_shared_instance_gives_every_job_the_oldest(listed, kept, warned):
    client = _resource_controller.ResourceClient(MagicMock())
    client.find_instances = MagicMock(return_value=list(listed))
    found, warning = client.find_shared_instance(**{k: WANT[k] for k in ("name", "service", "resource_group_id", "region")})
    assert (found or {}).get("guid") == (kept or {}).get("guid")
    assert (warning is not None) is warned
    if warned:
        assert "uses the oldest" in warning and "rename any other rather than delete it" in warning


def test_find_instance_still_refuses_several_where_a_rule_would_be_a_guess():
    client = _resource_controller.ResourceClient(MagicMock())
    client.find_instances = MagicMock(return_value=[OURS, OLDER])
    with pytest.raises(InputError, match="2 key-protect instances are named 'kms'"):
        client.find_instance(**{k: WANT[k] for k in ("name", "service", "resource_group_id", "region")})
