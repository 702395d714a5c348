# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest
import requests

from ansible_collections.ibmcloud.kms.plugins.module_utils._client import ConnectionSettings, Session
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import (
    ConflictError,
    ForbiddenError,
    InputError,
    NotInitializedError,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._kms import (
    WRITER_HINT,
    KmsClient,
    is_uninitialized,
    key_endpoint,
)

from .fake_transport import FakeAdapter, make_token, mount

INSTANCE = {"guid": "0c3ab1f2-5f1a-4c59-8a3e-2a4b2c7f9e01", "crn": "crn:v1:bluemix:public:kms:us-south:a/acct:g::",
            "extensions": {"endpoints": {"public": "https://kp"}}}
KEY = {"id": "k-1", "name": "crk", "extractable": False, "state": 1}
KEY_TYPE = {"Content-Type": "application/vnd.ibm.kms.key+json"}


def kms(answers):
    client = KmsClient(Session(ConnectionSettings(iam_token=make_token()), sleep=lambda _s: None), INSTANCE)
    return client, mount(client, FakeAdapter(answers))


def keys(*items):
    return {"metadata": {"collectionTotal": len(items)}, "resources": list(items)}


def test_create_key_sends_a_root_key_resource_in_the_ring():
    client, adapter = kms([(201, keys(KEY), KEY_TYPE)])
    created = client.create_key({"name": "crk", "extractable": False}, key_ring="ring-1", find=lambda: None)
    assert created == KEY
    sent = adapter.requests[0]
    assert (sent.method, sent.url) == ("POST", "https://kp/api/v2/keys")
    assert sent.headers["Content-Type"] == "application/vnd.ibm.kms.key+json"
    assert sent.headers["X-Kms-Key-Ring"] == "ring-1"
    assert sent.headers["Bluemix-Instance"] == INSTANCE["guid"]
    body = json.loads(sent.body)
    assert body["metadata"]["collectionTotal"] == 1
    assert body["resources"][0]["extractable"] is False


@pytest.mark.parametrize(
    "first, found, posts",
    [
        (requests.ConnectionError("lost"), KEY, 1),     # the answer was lost but the key exists: adopted
        ((500, {"message": "boom"}), None, 2),          # nothing was created: created once more
    ],
)
def test_create_key_looks_before_creating_again(first, found, posts):
    client, adapter = kms([first, (201, keys(KEY), KEY_TYPE)])
    looked = []

    def find():
        looked.append(True)
        return found

    assert client.create_key({"name": "crk"}, find=find) == KEY
    assert looked == [True]
    assert len(adapter.requests) == posts


def test_list_root_keys_reads_every_page_of_root_keys():
    page1 = keys(*[{"id": f"k{i}"} for i in range(200)])
    client, adapter = kms([(200, page1), (200, keys({"id": "last"}))])
    assert len(client.list_root_keys(include_deleted=True)) == 201
    second = adapter.requests[1].url
    assert "offset=200" in second and "extractable=false" in second and "state=0%2C1%2C2%2C3%2C5" in second


def test_keys_named_keeps_exact_names_only():
    client, adapter = kms([(200, keys({"id": "a", "name": "crk"}, {"id": "b", "name": "CRK"}))])
    assert [k["id"] for k in client.keys_named("crk")] == ["a"]
    assert "search=exact%3Aname%3Aescape%3Acrk" in adapter.requests[0].url


@pytest.mark.parametrize(
    "call, method, path",
    [
        (lambda c: c.rotate_key("k-1"), "POST", "/api/v2/keys/k-1/actions/rotate"),
        (lambda c: c.enable_key("k-1"), "POST", "/api/v2/keys/k-1/actions/enable"),
        (lambda c: c.disable_key("k-1"), "POST", "/api/v2/keys/k-1/actions/disable"),
        (lambda c: c.delete_key("k-1"), "DELETE", "/api/v2/keys/k-1"),
        (lambda c: c.delete_key("k-1", force=True), "DELETE", "/api/v2/keys/k-1?force=true"),
        (lambda c: c.set_key_policy("k-1", "rotation", {"enabled": True}), "PUT",
         "/api/v2/keys/k-1/policies?policy=rotation"),
        (lambda c: c.move_key("k-1", "ring-2", "default"), "PATCH", "/api/v2/keys/k-1"),
        (lambda c: c.add_alias("k-1", "a b"), "POST", "/api/v2/keys/k-1/aliases/a%20b"),
    ],
)
def test_key_operations_call_the_documented_paths(call, method, path):
    client, adapter = kms([(204, None)])
    call(client)
    assert (adapter.requests[0].method, adapter.requests[0].url) == (method, "https://kp" + path)


@pytest.mark.parametrize("status, code", [(404, "KEY_NOT_FOUND_ERR"), (410, "KEY_DELETED_ERR")])
def test_delete_of_a_gone_key_is_not_an_error(status, code):
    client, _adapter = kms([(status, {"resources": [{"errorMsg": "gone", "reasons": [{"code": code}]}]})])
    client.delete_key("k-1")


def test_restore_returns_the_key():
    client, _adapter = kms([(201, keys(KEY), KEY_TYPE)])
    assert client.restore_key("k-1") == KEY


def test_key_policies_by_kind():
    answer = keys({"rotation": {"enabled": True, "interval_month": 3}}, {"dualAuthDelete": {"enabled": False}})
    client, _adapter = kms([(200, answer)])
    assert client.key_policies("k-1") == {"rotation": {"enabled": True, "interval_month": 3},
                                          "dualAuthDelete": {"enabled": False}}


@pytest.mark.parametrize(
    "status, error, hinted",
    [
        (403, ForbiddenError, True),
        (409, ConflictError, False),   # a conflict is not a missing role
    ],
)
def test_role_hint_only_on_authorization_errors(status, error, hinted):
    body = {"resources": [{"errorMsg": "no", "reasons": [{"code": "X", "message": "no"}]}]}
    client, _adapter = kms([(status, body)])
    with pytest.raises(error) as caught:
        client.rotate_key("k-1")
    assert (caught.value.hint == WRITER_HINT) is hinted


HPCS = {
    "guid": "h1",
    "name": "my-hpcs",
    "region_id": "eu-de",
    "crn": "crn:v1:bluemix:public:hs-crypto:eu-de:a/acct:h1::",
    "extensions": {"endpoints": {"public": "https://api.eu-de.hs-crypto.cloud.ibm.com:9730/"}},
}
KP_EU = {"guid": "k1", "region_id": "eu-de", "crn": "crn:v1:bluemix:public:kms:eu-de:a/acct:k1::"}


@pytest.mark.parametrize(
    "instance, endpoints, environ, endpoint_type, expected",
    [
        # the instance's own published endpoint
        (HPCS, {}, {}, "public", "https://api.eu-de.hs-crypto.cloud.ibm.com:9730"),
        # IBMCLOUD_KP_API_ENDPOINT / key_protect serves every KMS instance, HPCS too, and may end in /api/v2/keys
        (HPCS, {"key_protect": "https://kp.example/api/v2/keys"}, {}, "public", "https://kp.example"),
        (
            HPCS,
            {},
            {"IBMCLOUD_KP_API_ENDPOINT": "https://kp.example/{instance_id}/"},
            "public",
            "https://kp.example/h1",
        ),
        # the HPCS broker is never the key API
        (
            HPCS,
            {"hpcs": "https://eu-de.broker.hs-crypto.cloud.ibm.com/crypto_v2/"},
            {},
            "public",
            "https://api.eu-de.hs-crypto.cloud.ibm.com:9730",
        ),
        # Key Protect without a published endpoint: the host of the instance's region, not the caller's (us-south)
        (KP_EU, {}, {}, "public", "https://eu-de.kms.cloud.ibm.com"),
        (KP_EU, {}, {}, "private", "https://private.eu-de.kms.cloud.ibm.com"),
    ],
)
def test_key_endpoint(monkeypatch, instance, endpoints, environ, endpoint_type, expected):
    for name in ("IBMCLOUD_KP_API_ENDPOINT", "IBMCLOUD_HPCS_API_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    settings = ConnectionSettings(
        iam_token=make_token(), region="us-south", endpoints=endpoints, endpoint_type=endpoint_type
    )
    assert key_endpoint(Session(settings, sleep=lambda _s: None), instance) == expected


def test_an_hpcs_instance_without_a_published_endpoint_says_what_to_set(monkeypatch):
    monkeypatch.delenv("IBMCLOUD_KP_API_ENDPOINT", raising=False)
    settings = ConnectionSettings(iam_token=make_token(), endpoints={"hpcs": "https://broker"}, endpoint_type="private")
    with pytest.raises(
        InputError, match="HPCS instance my-hpcs publishes no private key-management endpoint.*key_protect"
    ):
        key_endpoint(Session(settings, sleep=lambda _s: None), dict(HPCS, extensions={}))


CKR = {"metadata": {"collectionType": "application/vnd.ibm.kms.error+json", "collectionTotal": 1},
       "resources": [{"errorMsg": "Bad Request: [Got error CKR_IBM_WK_NOT_INITIALIZED, from libep11.so]"}]}


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.list_keys(),  # an HPCS that refuses reads
        lambda c: c.create_key({"name": "crk", "extractable": False}, find=lambda: None),  # or only crypto operations
        lambda c: c.rotate_key("k1"),
    ],
)
def test_an_uninitialized_hpcs_gives_one_clear_message_on_any_call(call):
    client, _adapter = kms([(400, CKR)])
    with pytest.raises(NotInitializedError, match="is not initialized, so it cannot hold or use keys yet") as raised:
        call(client)
    assert "TKE" in raised.value.hint and is_uninitialized(raised.value)


ACTIVE_KEY = {"id": "k1", "name": "crk", "state": 1}
DELETED_KEY = {"id": "k0", "name": "crk", "state": 5}

# (key by id or alias, root keys with that name, the key found)
FINDS = [
    (ACTIVE_KEY, [], ACTIVE_KEY),                       # by id or alias
    (None, [ACTIVE_KEY], ACTIVE_KEY),                   # by its one name
    (None, [ACTIVE_KEY, {**ACTIVE_KEY, "id": "k2"}], None),   # a name two keys share names none
    (DELETED_KEY, [ACTIVE_KEY], ACTIVE_KEY),            # a deleted key loses to the live one of that name
    (DELETED_KEY, [], DELETED_KEY),                     # ... and is found when it is the only one
    (None, [], None),
]


@pytest.mark.parametrize("by_ref, named, found", FINDS)
def test_one_key_finder_takes_an_id_or_alias_then_a_unique_name(by_ref, named, found):
    class Fake:
        find_root_key = KmsClient.find_root_key

        def get_key(self, _ref):
            return by_ref

        def keys_named(self, _name):
            return named

    assert Fake().find_root_key("crk") == found
