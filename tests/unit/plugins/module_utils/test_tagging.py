# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
from unittest.mock import MagicMock

import pytest

from ansible_collections.ibmcloud.kms.plugins.module_utils import _cluster_kms as ck
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import ForbiddenError, IBMCloudError
from ansible_collections.ibmcloud.kms.plugins.module_utils._tagging import (
    TaggingClient,
    bad_tags,
    previous_key_ids,
    previous_key_tag,
    recorded_key_ids,
    refused,
    tag_changes,
    tags_after,
)

from .test_client import session
from .fake_transport import FakeAdapter, mount

CRN = "crn:v1:bluemix:public:containers-kubernetes:us-south:a/acct-1:c1::"


@pytest.mark.parametrize(
    "tags, ids",
    [
        ([], []),
        (["team:blue"], []),
        (["ibmcloud-kms:previous-root-key:aaa", "team:blue", "ibmcloud-kms:previous-root-key:bbb"], ["aaa", "bbb"]),
    ],
)
def test_previous_key_ids(tags, ids):
    assert previous_key_ids(tags) == ids


def test_tag_names_are_lower_case():
    assert previous_key_tag("ABC-1") == "ibmcloud-kms:previous-root-key:abc-1"


def test_tags_of_and_attach_on_the_wire():
    client = TaggingClient(session(endpoints={"global_tagging": "https://gt"}))
    adapter = mount(client.client, FakeAdapter([
        (200, {"total_count": 1, "offset": 0, "limit": 1000, "items": [{"name": "ibmcloud-kms:previous-root-key:k1"}]}),
        (503, {"errors": [{"code": "busy", "message": "busy"}]}),
        (200, {"results": [{"resource_id": CRN, "is_error": False}]}),
    ]))
    assert client.tags_of(CRN) == ["ibmcloud-kms:previous-root-key:k1"]
    client.attach(CRN, ["ibmcloud-kms:previous-root-key:k2"])  # a 503 is retried: attaching twice is harmless
    assert "attached_to=" in adapter.requests[0].url
    assert json.loads(adapter.requests[2].body)["tag_names"] == ["ibmcloud-kms:previous-root-key:k2"]


def target(current_key=None):
    found = ck.Target(cluster={"name": "c1", "crn": CRN, "id": "c1"}, instance={"guid": "g"}, key_ref="new",
                      kms_account_id="acct-1", private_endpoint=True)
    found.key = {"id": "new"}
    found.current = {"keyId": current_key} if current_key else None
    return found


@pytest.mark.parametrize(
    "current, recorded, attached",
    [
        (None, None, ["ibmcloud-kms:root-key:new"]),
        ("new", None, ["ibmcloud-kms:root-key:new"]),
        ("old", None, ["ibmcloud-kms:root-key:new", "ibmcloud-kms:previous-root-key:old"]),
        (None, "old", ["ibmcloud-kms:root-key:new", "ibmcloud-kms:previous-root-key:old"]),  # no registration visible
    ],
)
def test_the_key_in_use_is_recorded_and_a_left_key_only_on_a_real_switch(monkeypatch, current, recorded, attached):
    tagging = MagicMock()
    monkeypatch.setattr(ck, "TaggingClient", lambda _session: tagging)
    found = target(current)
    found.recorded_key_id = recorded
    assert ck.record_previous_key(found, None) is None
    tagging.attach.assert_called_once_with(CRN, attached)


@pytest.mark.parametrize(
    "tags, recorded",
    [
        ([], []),
        (["ibmcloud-kms:root-key:a"], ["a"]),
        (["ibmcloud-kms:root-key:a", "ibmcloud-kms:root-key:b", "ibmcloud-kms:previous-root-key:a"], ["b"]),
        (["ibmcloud-kms:previous-root-key:a", "team:x"], []),
    ],
)
def test_the_recorded_key_is_the_one_no_previous_tag_names(tags, recorded):
    assert recorded_key_ids(tags) == recorded


def test_a_recorded_key_without_registration_needs_no_change():
    found = target(None)
    found.cluster["features"] = {"keyProtectEnabled": True}
    assert found.needs_change()
    found.recorded_key_id = "new"
    assert not found.needs_change()
    found.current = {"keyId": "other"}  # a registration IBM shows wins over the collection's own record
    assert found.needs_change()


def test_a_failed_tag_is_a_warning_not_a_failure(monkeypatch):
    tagging = MagicMock()
    tagging.attach.side_effect = ForbiddenError("no", status=403)
    monkeypatch.setattr(ck, "TaggingClient", lambda _session: tagging)
    warning = ck.record_previous_key(target("old"), None)
    assert "never switch the cluster back" in warning


def test_read_previous_keys_adds_tagged_keys_once(monkeypatch):
    tagging = MagicMock()
    tagging.tags_of.return_value = ["ibmcloud-kms:previous-root-key:old", "ibmcloud-kms:previous-root-key:older"]
    monkeypatch.setattr(ck, "TaggingClient", lambda _session: tagging)
    found = target()
    found.previous_key_ids = ["old"]
    ck.read_previous_keys(found, None)
    assert found.previous_key_ids == ["old", "older"]


# (tags the resource has, tags asked for, purge, to attach, to detach, tags after)
TAG_CHANGES = [
    ([], ["env:prod"], True, ["env:prod"], [], ["env:prod"]),
    (["env:prod"], ["Env:Prod "], True, [], [], ["env:prod"]),  # stored trimmed and lower-case
    (["env:prod", "old"], ["env:prod"], True, [], ["old"], ["env:prod"]),
    (["env:prod", "old"], ["env:prod"], False, [], [], ["env:prod", "old"]),
    (["a", "b"], [], True, [], ["a", "b"], []),
    (["a"], ["b", "b", "B"], False, ["b"], [], ["a", "b"]),
]


@pytest.mark.parametrize("current, wanted, purge, attach, detach, after", TAG_CHANGES)
def test_tag_changes(current, wanted, purge, attach, detach, after):
    assert tag_changes(current, wanted, purge=purge) == (attach, detach)
    assert tags_after(current, attach, detach) == after


@pytest.mark.parametrize("tags, bad", [(["env:prod", "a b", "x_y-z.1"], []), (["", "a" * 129, "no/slash", "ok"],
                                                                              ["", "a" * 129, "no/slash"])])
def test_bad_tags(tags, bad):
    assert bad_tags(tags) == bad


def test_a_tag_global_tagging_did_not_attach_is_an_error():
    with pytest.raises(IBMCloudError, match="did not attach the tags of crn:x: not allowed"):
        refused({"results": [{"resource_id": "crn:x", "is_error": True, "message": "not allowed"}]}, "attach",
                "crn:x", "hint")
    refused({"results": [{"resource_id": "crn:x", "is_error": False}]}, "attach", "crn:x", "hint")
