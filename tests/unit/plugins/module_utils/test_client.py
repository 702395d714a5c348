# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import time

import jwt
import pytest
import requests
from ibm_cloud_sdk_core import ApiException
from ibm_cloud_sdk_core.token_managers.iam_token_manager import IAMTokenManager

from ansible_collections.ibmcloud.kms.plugins.module_utils._client import (
    ConnectionSettings,
    JsonService,
    Session,
    new_token,
    token_facts,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import (
    ForbiddenError,
    IBMCloudError,
    InputError,
    ServerError,
    TransportError,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._resource_controller import ResourceClient

from .fake_transport import FakeAdapter, make_token, mount


def session(**settings):
    values = dict(iam_token=make_token(), endpoints={"resource_controller": "https://rc", "resource_manager": "https://rc"})
    values.update(settings)
    return Session(ConnectionSettings(**values), sleep=lambda _s: None)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({}, "No credentials"),
        ({"api_key": "k", "endpoint_type": "internal"}, "endpoint_type"),
        ({"api_key": "k", "endpoints": {"rc": "http://x"}}, "Unknown service"),
    ],
)
def test_bad_settings_fail_before_any_request(settings, message):
    with pytest.raises(InputError, match=message):
        Session(ConnectionSettings(**settings))


def test_account_id_comes_from_the_token():
    assert session(iam_token=make_token(account="abc")).account_id == "abc"


def test_kms_vendor_content_type_is_decoded_and_instance_header_sent():
    client = JsonService(session(), "https://kp", {"Bluemix-Instance": "guid-1"})
    answer = (200, {"resources": [{"id": "k1"}]}, {"Content-Type": "application/vnd.ibm.kms.key+json"})
    adapter = mount(client, FakeAdapter([answer]))
    result = client.request("GET", "/api/v2/keys", what="list keys", params={"limit": 1, "state": None})
    assert result == {"resources": [{"id": "k1"}]}
    sent = adapter.requests[0]
    assert sent.headers["Bluemix-Instance"] == "guid-1"
    assert sent.headers["Authorization"].startswith("Bearer ")
    assert sent.url == "https://kp/api/v2/keys?limit=1"


def test_get_is_retried_after_server_errors_and_connection_resets():
    client = JsonService(session(), "https://kp")
    adapter = mount(client, FakeAdapter([(503, {"errors": [{"code": "busy", "message": "busy"}]}),
                                         requests.ConnectionError("reset"), (200, {"ok": True})]))
    assert client.request("GET", "/x", what="x") == {"ok": True}
    assert len(adapter.requests) == 3


@pytest.mark.parametrize("answer, error", [((500, {"message": "boom"}), ServerError),
                                           (requests.ConnectionError("reset"), TransportError)])
def test_post_is_not_retried_after_an_ambiguous_failure(answer, error):
    client = JsonService(session(), "https://kp")
    adapter = mount(client, FakeAdapter([answer, (201, {})]))
    with pytest.raises(error):
        client.request("POST", "/x", what="x", body={})
    assert len(adapter.requests) == 1


def test_post_is_retried_after_429():
    client = JsonService(session(), "https://kp")
    adapter = mount(client, FakeAdapter([(429, {}, {"Retry-After": "0"}), (201, {"id": "new"})]))
    assert client.request("POST", "/x", what="x", body={}) == {"id": "new"}
    assert len(adapter.requests) == 2


def test_401_refreshes_the_token_once_when_an_api_key_is_available(monkeypatch):
    live = session(api_key="k", iam_token=None, endpoints={"iam": "https://iam"})
    tokens = iter([make_token(), make_token()])
    fetched = []

    def fake_request_token():
        fetched.append(1)
        return {"access_token": next(tokens), "expires_in": 3600, "expiration": 0}

    monkeypatch.setattr(live.authenticator.token_manager, "request_token", fake_request_token)
    client = JsonService(live, "https://kp")
    adapter = mount(client, FakeAdapter([(401, {"resources": [{"errorMsg": "Unauthorized"}]}), (200, {"ok": 1})]))
    assert client.request("GET", "/x", what="x") == {"ok": 1}
    assert len(adapter.requests) == 2
    assert len(fetched) == 2


@pytest.mark.parametrize(
    "status, body, hinted",
    [
        (403, {"resources": [{"errorMsg": "Forbidden"}]}, "Use force."),
        (409, {"resources": [{"errorMsg": "Conflict", "reasons": [{"code": "C"}]}]}, None),
        (401, {"resources": [{"errorMsg": "Unauthorized"}]}, "did not accept the credentials"),
    ],
)
def test_role_hint_is_added_only_to_403(status, body, hinted):
    client = JsonService(session(), "https://kp")
    mount(client, FakeAdapter([(status, body)]))
    with pytest.raises(IBMCloudError) as caught:
        client.request("DELETE", "/x", what="x", hint="Use force.")
    if hinted:
        assert hinted in caught.value.describe()
    else:
        assert caught.value.hint is None


def instance(guid, name="kms", region="us-south", service="kms"):
    return {"guid": guid, "name": name, "region_id": region, "state": "active",
            "crn": f"crn:v1:bluemix:public:{service}:{region}:a/acct-1:{guid}::"}


def test_instance_list_follows_next_url_and_keeps_only_kms_services():
    client = ResourceClient(session())
    pages = [
        (200, {"rows_count": 2, "next_url": "/v2/resource_instances?name=kms&start=tok2",
               "resources": [instance("g1"), instance("g2", service="cloud-object-storage")]}),
        (200, {"rows_count": 1, "next_url": None, "resources": [instance("g3", service="hs-crypto")]}),
    ]
    adapter = mount(client.controller, FakeAdapter(pages))
    found = client.list_instances(name="kms")
    assert [i["guid"] for i in found] == ["g1", "g3"]
    assert "start=tok2" in adapter.requests[1].url


def test_several_instances_with_one_name_is_an_error_that_lists_them():
    client = ResourceClient(session())
    mount(client.controller, FakeAdapter([(200, {"next_url": None, "resources": [instance("g1"), instance("g2")]})]))
    with pytest.raises(InputError, match="2 key-protect instances are named 'kms'.*g1.*g2"):
        client.find_instance(name="kms", service="key-protect", resource_group_id="rg", region="us-south")


def test_create_adopts_the_instance_when_the_answer_was_lost():
    client = ResourceClient(session())
    adapter = mount(client.controller, FakeAdapter([
        requests.ConnectionError("lost"),
        (200, {"next_url": None, "resources": [instance("g9")]}),
    ]))
    created = client.create_instance(name="kms", service="key-protect", plan="eedd3585-90c6-4c8f-be3d-062069e99fc3",
                                     resource_group_id="rg", region="us-south", parameters=None)
    assert created["guid"] == "g9"
    assert [r.method for r in adapter.requests] == ["POST", "GET"]


def iam_fails_once(monkeypatch):
    """A session whose first IAM token request fails (a dropped connection) and whose second succeeds; sdk-core's
    token pacing loop (which sleeps while a request it thinks is in flight) fails the test at once."""
    live = session(api_key="k", iam_token=None, endpoints={"iam": "https://iam"})
    answers = iter([requests.ConnectionError("reset"), {"access_token": make_token(), "expires_in": 3600}])

    def fake_request_token():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def paced(_seconds):
        raise AssertionError("the retry waited in sdk-core's token pacing loop")

    monkeypatch.setattr(live.authenticator.token_manager, "request_token", fake_request_token)
    monkeypatch.setattr("time.sleep", paced)
    return live


def test_a_failed_token_request_does_not_make_the_retry_wait(monkeypatch):
    assert iam_fails_once(monkeypatch).access_token()


def test_a_token_request_that_fails_inside_a_call_does_not_make_the_retry_wait(monkeypatch):
    """The first call of a session fetches the token itself (sdk-core's authenticate); IAM fails once, the retry of the
    call must ask IAM again at once, not spin for 60 s in sdk-core's pacing loop."""
    client = ResourceClient(iam_fails_once(monkeypatch))
    mount(client.controller, FakeAdapter([(200, {"guid": "g1", "state": "active"})]))
    assert client.get_instance("g1")["guid"] == "g1"


def counting_token_requests(live, monkeypatch, account="acct-new"):
    """Replace the IAM token request of a session with a counter; returns the list of tokens handed out."""
    fetched = []

    def fake_request_token():
        fetched.append(make_token(account=account))
        return {"access_token": fetched[-1], "expires_in": 3600}

    monkeypatch.setattr(live.authenticator.token_manager, "request_token", fake_request_token)
    return fetched


# A given iam_token with an api_key: (issued seconds ago, lifetime or None for no exp claim), IAM token requests
GIVEN_TOKENS = [
    ((0, 3600), 0),        # fresh: used as it is
    ((3000, 3600), 0),     # past sdk-core's refresh point (80 % of its life) but valid: no early refresh
    ((3500, 3600), 0),     # 100 s left, more than the margin
    ((3570, 3600), 1),     # 30 s left: within the margin, renewed with the API key
    ((7200, 3600), 1),     # expired an hour ago
    ((0, None), 1),        # no exp claim: cannot be judged, so the API key is used
]


@pytest.mark.parametrize("age, requests_made", GIVEN_TOKENS)
def test_a_given_token_is_used_until_it_expires_then_the_api_key_renews_it(monkeypatch, age, requests_made):
    issued_ago, lifetime = age
    given = make_token(account="acct-given", issued_ago=issued_ago, lifetime=lifetime)
    live = session(api_key="k", iam_token=given, endpoints={"iam": "https://iam"})
    fetched = counting_token_requests(live, monkeypatch)
    client = JsonService(live, "https://kp")
    adapter = mount(client, FakeAdapter([(200, {"ok": 1}), (200, {"ok": 2})]))
    assert client.request("GET", "/x", what="x") == {"ok": 1}
    assert client.request("GET", "/y", what="y") == {"ok": 2}
    assert len(fetched) == requests_made
    used = given if not requests_made else fetched[0]
    assert [r.headers["Authorization"] for r in adapter.requests] == [f"Bearer {used}"] * 2
    assert live.account_id == ("acct-given" if not requests_made else "acct-new")


def test_a_401_with_a_given_token_renews_it_once_with_the_api_key(monkeypatch):
    given = make_token(account="acct-given")
    live = session(api_key="k", iam_token=given, endpoints={"iam": "https://iam"})
    fetched = counting_token_requests(live, monkeypatch)
    client = JsonService(live, "https://kp")
    adapter = mount(client, FakeAdapter([(401, {"resources": [{"errorMsg": "Unauthorized"}]}), (200, {"ok": 1}),
                                         (200, {"ok": 2})]))
    assert client.request("GET", "/x", what="x") == {"ok": 1}
    assert client.request("GET", "/y", what="y") == {"ok": 2}
    assert len(fetched) == 1
    assert [r.headers["Authorization"] for r in adapter.requests] == [f"Bearer {given}"] + [f"Bearer {fetched[0]}"] * 2


def test_a_401_whose_renewal_is_refused_says_to_check_the_api_key(monkeypatch):
    live = session(api_key="wrong", iam_token=make_token(), endpoints={"iam": "https://iam"})
    refused = requests.Response()
    refused.status_code = 400
    refused._content = b'{"errorCode": "BXNIM0415E", "errorMessage": "Provided API key could not be found."}'
    refused.headers["Content-Type"] = "application/json"

    def fake_request_token():
        raise ApiException(400, http_response=refused)

    monkeypatch.setattr(live.authenticator.token_manager, "request_token", fake_request_token)
    client = JsonService(live, "https://kp")
    mount(client, FakeAdapter([(401, {"resources": [{"errorMsg": "Unauthorized"}]})]))
    with pytest.raises(IBMCloudError) as caught:
        client.request("GET", "/x", what="x")
    assert "BXNIM0415E" in caught.value.describe() and "check api_key" in caught.value.describe()
    assert "wrong" not in caught.value.describe()


def test_a_given_token_that_is_not_a_jwt_is_refused_also_with_an_api_key():
    with pytest.raises(InputError, match="JWT"):
        session(api_key="k", iam_token="not-a-token")


@pytest.mark.parametrize("given", [None, make_token(account="acct-given"), "not-a-token"])
def test_new_token_always_asks_iam_and_ignores_a_given_token(monkeypatch, given):
    fetched = []

    def fake_request_token(_manager):
        fetched.append(make_token(account="acct-new"))
        return {"access_token": fetched[-1], "expires_in": 3600}

    monkeypatch.setattr(IAMTokenManager, "request_token", fake_request_token)
    facts = new_token(ConnectionSettings(api_key="k", iam_token=given, endpoints={"iam": "https://iam"}))
    assert facts["iam_token"] == fetched[0] and facts["account_id"] == "acct-new"
    assert len(fetched) == 1


def test_new_token_needs_an_api_key():
    with pytest.raises(InputError, match="needs an API key"):
        new_token(ConnectionSettings(iam_token=make_token()))


@pytest.mark.parametrize(
    "token, expected",
    [
        (make_token(account="acct-9", iam_id="IBMid-9", lifetime=3600, issued_ago=0), ("acct-9", "IBMid-9", True)),
        (make_token(lifetime=None), ("acct-1", "IBMid-1", False)),
    ],
)
def test_token_facts(token, expected):
    facts = token_facts(token)
    assert (facts["account_id"], facts["iam_id"], facts["expires_at"] is not None) == expected
    assert facts["issued_at"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(
        jwt.decode(token, options={"verify_signature": False})["iat"]))
    assert facts["iam_token"] == token
    if expected[2]:
        exp = jwt.decode(token, options={"verify_signature": False})["exp"]
        assert facts["expires_at"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(exp))


# (prefix of the credential options, what the 401 hint names)
PREFIXES = [("", "check api_key, or renew iam_token"), ("kms_", "check kms_api_key, or renew kms_iam_token")]


@pytest.mark.parametrize("prefix, named", PREFIXES)
def test_a_401_names_the_credential_options_of_the_session(prefix, named):
    live = Session(ConnectionSettings(iam_token=make_token()), sleep=lambda _s: None, prefix=prefix)
    client = JsonService(live, "https://kp")
    mount(client, FakeAdapter([(401, {"resources": [{"errorMsg": "Unauthorized"}]})]))
    with pytest.raises(IBMCloudError) as caught:
        client.request("GET", "/x", what="x")
    assert named in caught.value.describe()


@pytest.mark.parametrize("prefix", ["", "kms_"])
def test_a_token_that_is_not_a_jwt_names_its_option(prefix):
    with pytest.raises(InputError, match=f"^{prefix}iam_token is not a valid"):
        Session(ConnectionSettings(iam_token="not-a-token"), prefix=prefix)


# Key Protect's answer to a caller without a role on the instance (its error-messages doc): 401, not 403.
KP_NO_ACCESS = {
    "metadata": {"collectionType": "application/vnd.ibm.kms.error+json", "collectionTotal": 1},
    "resources": [
        {
            "errorMsg": "Unauthorized: The user does not have access to the specified resource",
            "reasons": [{"code": "UNAUTHORIZED_ERR", "message": "The user does not have access to the specified resource"}],
        }
    ],
}


def test_a_key_protect_401_to_a_fresh_token_is_missing_access_with_the_role(monkeypatch):
    live = session(api_key="k", iam_token=make_token(), endpoints={"iam": "https://iam"})
    fetched = counting_token_requests(live, monkeypatch)
    client = JsonService(live, "https://kp")
    adapter = mount(client, FakeAdapter([(401, KP_NO_ACCESS), (401, KP_NO_ACCESS)]))
    with pytest.raises(ForbiddenError) as caught:
        client.request("POST", "/api/v2/keys", what="create key", hint="Needs Writer on the KMS instance.")
    assert len(fetched) == 1 and len(adapter.requests) == 2  # refreshed once: not a matter of an expired token
    assert caught.value.status == 401
    assert "Needs Writer on the KMS instance." in caught.value.describe()
    assert "did not accept the credentials" not in caught.value.describe()


@pytest.mark.parametrize(
    "token, denied",
    [
        (make_token(), True),  # unexpired: the token is fine, the access is not
        (make_token(issued_ago=7200), False),  # expired: renew the token
        (make_token(lifetime=None), False),  # cannot be told: the credentials message
    ],
)
def test_a_key_protect_401_to_a_given_token_without_api_key(token, denied):
    client = JsonService(session(iam_token=token), "https://kp")
    mount(client, FakeAdapter([(401, KP_NO_ACCESS)]))
    with pytest.raises(IBMCloudError) as caught:
        client.request("GET", "/api/v2/keys", what="list keys", hint="Needs Reader on the KMS instance.")
    assert isinstance(caught.value, ForbiddenError) is denied
    assert ("Needs Reader" in caught.value.describe()) is denied
    assert ("did not accept the credentials" in caught.value.describe()) is not denied


def test_a_401_of_another_api_to_an_unexpired_token_stays_a_credentials_error():
    client = JsonService(session(), "https://containers")
    mount(client, FakeAdapter([(401, {"code": "E0003", "description": "Your token is not valid."})]))
    with pytest.raises(IBMCloudError) as caught:
        client.request("GET", "/global/v2/getCluster", what="read cluster", hint="Needs Viewer.")
    assert not isinstance(caught.value, ForbiddenError)
    assert "did not accept the credentials" in caught.value.describe()


def test_a_session_makes_each_service_and_client_once():
    """Each sdk-core service loads the CA bundle when made: one per session, made when first used."""
    live = session()
    first = ResourceClient(live)
    assert live._services == {}  # nothing made before a call needs it
    controller = first.controller
    assert ResourceClient(live).controller is controller and first.controller is controller
    assert live.service(type(controller), "https://other.example") is not controller
    made = []

    def factory(_session, number):
        made.append(number)
        return [number]

    assert live.shared(factory, 2) is live.shared(factory, 2) and made == [2]
    assert live.shared(factory, 3) == [3] and made == [2, 3]


def test_the_clients_of_a_run_share_one_ssl_context_per_verification_setting():
    import ssl

    from ibm_cloud_sdk_core import BaseService
    from ibm_cloud_sdk_core.authenticators import NoAuthAuthenticator

    def context(client):
        return client.http_client.get_adapter("https://x").poolmanager.connection_pool_kw["ssl_context"]

    first, second = (BaseService(service_url="https://x", authenticator=NoAuthAuthenticator()) for _client in range(2))
    unverified = BaseService(service_url="https://x", authenticator=NoAuthAuthenticator())
    unverified.set_disable_ssl_verification(True)
    assert context(first) is context(second)
    assert context(first).verify_mode == ssl.CERT_REQUIRED and context(first).minimum_version == ssl.TLSVersion.TLSv1_2
    assert context(unverified) is not context(first) and context(unverified).verify_mode == ssl.CERT_NONE
