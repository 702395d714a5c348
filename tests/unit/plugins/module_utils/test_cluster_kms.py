# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import calendar
from unittest.mock import MagicMock

import pytest

from ansible_collections.ibmcloud.kms.plugins.module_utils import _cluster_kms as ck
from ansible_collections.ibmcloud.kms.plugins.module_utils import _prerequisite_roles as pr_roles
from ansible_collections.ibmcloud.kms.plugins.module_utils import _prerequisites as pr
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import (
    BadRequestError,
    ForbiddenError,
    IBMCloudError,
    InputError,
    ServerError,
    WaitTimeoutError,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._key_owner import Owner
from ansible_collections.ibmcloud.kms.plugins.module_utils._kms import KmsClient

NOW = float(calendar.timegm((2026, 1, 1, 0, 0, 0)))
ACCOUNT = "acct1"
CRN = f"crn:v1:bluemix:public:containers-kubernetes:us-south:a/{ACCOUNT}:c1::"
ROOT = {"id": "k1", "name": "crk", "state": 1, "extractable": False, "crn": "crn:...:key:k1"}


def cluster(enabled=False, state="deployed", status="Ready", modified="t0", provider="vpc-gen2", health="normal"):
    return {"id": "c1", "name": "demo", "crn": CRN, "provider": provider, "region": "us-south",
            "resourceGroup": "rg1", "features": {"keyProtectEnabled": enabled},
            "lifecycle": {"masterState": state, "masterStatus": status, "masterHealth": health,
                          "masterStatusModifiedDate": modified}}


def registration(key_id, updated):
    return {"keyId": key_id, "resourceCrn": CRN, "lastUpdated": updated}


@pytest.mark.parametrize(
    "ref, expected",
    [
        ("k1", ("k1", None)),
        ("my-alias", ("my-alias", None)),
        ("crn:v1:bluemix:public:kms:us-south:a/acct:guid-1:key:k1", ("k1", "guid-1")),
    ],
)
def test_parse_root_key(ref, expected):
    assert ck.parse_root_key(ref) == expected


def test_a_crn_that_is_not_a_key_crn_is_refused():
    with pytest.raises(InputError, match="not a key CRN"):
        ck.parse_root_key("crn:v1:bluemix:public:kms:us-south:a/acct:guid-1::")


@pytest.mark.parametrize(
    "text, days",
    [(None, None), ("not a date", None), ("2026-01-31T00:00:00Z", 30), ("2026-01-11T12:00:00.000Z", 10),
     ("2025-12-31T00:00:00Z", -1)],
)
def test_days_until(text, days):
    assert ck.days_until(text, NOW) == days


@pytest.mark.parametrize(
    "registrations, current, previous",
    [
        ([], None, []),
        ([{"keyId": "x", "resourceCrn": "crn:other"}], None, []),
        ([registration("k1", "2026-01-01")], "k1", []),
        ([registration("k1", "2025-01-01"), registration("k2", "2026-01-01")], "k2", ["k1"]),
        # the CRN IKS registers is unpublished: any containers-kubernetes CRN that carries the cluster id is the cluster's
        ([{"keyId": "k3", "resourceCrn": f"crn:v1:bluemix:public:containers-kubernetes:us-south:a/{ACCOUNT}:c1:secret:kms"}],
         "k3", []),
        ([{"keyId": "k4", "resourceCrn": f"crn:v1:bluemix:public:containers-kubernetes:us-south:a/{ACCOUNT}:c11::"}],
         None, []),
        ([{"keyId": "k5", "resourceCrn": f"crn:v1:bluemix:public:cloud-object-storage:global:a/{ACCOUNT}:c1:bucket:b"}],
         None, []),
    ],
)
def test_split_registrations_takes_the_newest_as_current(registrations, current, previous):
    assert ck.split_registrations(registrations, {"crn": CRN}) == (None, [])  # no cluster id matches nothing
    found, older = ck.split_registrations(registrations, {"id": "c1", "crn": CRN})
    assert (found or {}).get("keyId") == current
    assert older == previous


# (key, min_days, expected fragments)
KEYS = [
    (ROOT, 30, []),
    (None, 30, ["does not exist"]),
    ({**ROOT, "state": 5}, 30, ["does not exist"]),
    ({**ROOT, "extractable": True}, 30, ["standard key"]),
    ({**ROOT, "state": 2}, 30, ["suspended"]),
    ({**ROOT, "expirationDate": "2026-01-11T00:00:00Z"}, 30, ["expires on 2026-01-11T00:00:00Z (10 days from now)"]),
    ({**ROOT, "expirationDate": "2026-01-11T00:00:00Z"}, 5, []),
    ({**ROOT, "extractable": True, "state": 3, "expirationDate": "2025-12-01T00:00:00Z"}, 30,
     ["standard key", "deactivated", "expires on"]),
]


@pytest.mark.parametrize("key, min_days, fragments", KEYS)
def test_key_problems_are_all_collected(key, min_days, fragments):
    problems = ck.key_problems(key, "crk", min_days, NOW)
    assert len(problems) == len(fragments)
    for problem, fragment in zip(problems, fragments):
        assert fragment in problem


def policy(roles, attributes, state="active"):
    return {"state": state, "roles": [{"role_id": f"crn:v1:bluemix:public:iam::::{r}"} for r in roles],
            "resources": [{"attributes": attributes}]}


TARGET = ck.cluster_target(cluster(), ACCOUNT)
ADMIN_POLICIES = [
    ([policy(["role:Administrator"], [{"name": "accountId", "value": ACCOUNT}])], True),
    ([policy(["role:Administrator"], [{"name": "accountId", "value": ACCOUNT},
                                      {"name": "serviceName", "value": "containers-kubernetes"}])], True),
    ([policy(["role:Administrator"], [{"name": "accountId", "value": ACCOUNT},
                                      {"name": "serviceInstance", "value": "c*", "operator": "stringMatch"}])], True),
    ([policy(["role:Administrator"], [{"name": "accountId", "value": ACCOUNT},
                                      {"name": "serviceType", "value": "service"}])], True),
    ([policy(["role:Administrator"], [{"name": "accountId", "value": "other"}])], False),
    ([policy(["role:Administrator"], [{"name": "accountId", "value": ACCOUNT},
                                      {"name": "serviceName", "value": "kms"}])], False),
    ([policy(["role:Administrator"], [{"name": "accountId", "value": ACCOUNT},
                                      {"name": "resourceType", "value": "resource-group"}])], False),
    ([policy(["role:Editor", "serviceRole:Manager"], [{"name": "accountId", "value": ACCOUNT}])], False),
    ([policy(["role:Administrator"], [{"name": "accountId", "value": ACCOUNT}], state="deleted")], False),
    ([], False),
]


@pytest.mark.parametrize("policies, granted", ADMIN_POLICIES)
def test_grants_administrator(policies, granted):
    assert ck.grants_administrator(policies, TARGET) is granted


# (cluster, key, registration, healthy, problem count)
VIEWS = [
    (cluster(), None, None, False, 0),
    (cluster(enabled=True), ROOT, registration("k1", "t"), True, 0),
    (cluster(enabled=True), None, None, False, 1),
    (cluster(enabled=True), {**ROOT, "state": 2}, registration("k1", "t"), False, 1),
    (cluster(enabled=True, health="error"), {**ROOT, "state": 5}, registration("k1", "t"), False, 2),
    (cluster(state="update_failed", health="error"), None, None, False, 1),
]


@pytest.mark.parametrize("found, key, reg, healthy, count", VIEWS)
def test_describe_reports_health_and_problems(found, key, reg, healthy, count):
    view = ck.describe(found, instance={"guid": "g", "crn": "crn:v1:bluemix:public:kms:us-south:a/x:g::"},
                       key=key, registration=reg, now=NOW)
    assert view["healthy"] is healthy
    assert len(view["problems"]) == count
    assert view["cluster_id"] == "c1" and view["master_status"] == found["lifecycle"]["masterStatus"]


V1 = {"id": "v1", "creationDate": "2026-01-01T00:00:00Z"}
V2 = {"id": "v2", "creationDate": "2026-02-01T00:00:00Z"}
ROTATED = {**ROOT, "creationDate": "2026-01-01T00:00:00Z", "keyVersion": V2, "lastRotateDate": "2026-02-01T00:00:00Z"}
NEVER_ROTATED = {**ROOT, "creationDate": "2026-01-01T00:00:00Z", "keyVersion": V1}

# (key, registration, root_key_version, root_key_creation_date, root_key_last_rotate_date, registration_key_version)
VERSIONS = [
    (None, None, None, None, None, None),
    (NEVER_ROTATED, {**registration("k1", "t"), "keyVersion": V1}, "v1", "2026-01-01T00:00:00Z", None, "v1"),
    (ROTATED, {**registration("k1", "t"), "keyVersion": V2}, "v2", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", "v2"),
    (ROTATED, {**registration("k1", "t"), "keyVersion": V1}, "v2", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", "v1"),
    (ROTATED, registration("k1", "t"), "v2", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", None),
    (None, {**registration("k1", "t"), "keyVersion": V1}, None, None, None, "v1"),   # the key could not be read
]


@pytest.mark.parametrize("key, reg, version, created, rotated, registered", VERSIONS)
def test_describe_reports_key_versions_and_rotation(key, reg, version, created, rotated, registered):
    view = ck.describe(cluster(enabled=True), key=key, registration=reg, now=NOW)
    assert (view["root_key_version"], view["root_key_creation_date"], view["root_key_last_rotate_date"],
            view["registration_key_version"]) == (version, created, rotated, registered)


# (root key version, registration version, rewrap status, warned)
REWRAPS = [
    ("v2", "v2", "current", False),
    ("v2", "v1", "pending", True),     # rotated; the registration has not followed (yet, or ever)
    ("v2", None, "unknown", False),    # a registration without a version, or none
    (None, "v1", "unknown", False),    # the key could not be read
    (None, None, "unknown", False),
]


@pytest.mark.parametrize("key_version, registered, status, warned", REWRAPS)
def test_rewrap_status_compares_the_registration_with_the_key(key_version, registered, status, warned):
    key = {**ROOT, "keyVersion": {"id": key_version}} if key_version else None
    reg = {**registration("k1", "t"), "keyVersion": {"id": registered}} if registered else registration("k1", "t")
    view = ck.describe(cluster(enabled=True), key=key, registration=reg, now=NOW)
    assert view["rewrap_status"] == status
    warning = ck.rewrap_warning(view)
    assert (warning is not None) == warned
    if warned:
        assert "version v1 of root key k1, whose current version is v2" in warning
        assert view["healthy"] is True  # an older version still decrypts: not a health problem


# (predicted, can read the key side, registrations read back, expected registration version)
AFTER = [
    (True, True, [], "v2"),                                                        # check mode: the key's version
    (False, True, [{**registration("k1", "t2"), "keyVersion": V2}], "v2"),          # read back
    (False, True, [{**registration("k0", "t2"), "keyVersion": V1}], None),          # not registered yet
    (False, False, None, None),                                                    # key side unreadable
]


@pytest.mark.parametrize("predicted, readable, registrations, version", AFTER)
def test_registration_after_a_change(predicted, readable, registrations, version):
    kms = MagicMock()
    kms.registrations.return_value = registrations
    target = ck.Target(cluster=cluster(), instance={"guid": "g"}, key_ref="k1", kms_account_id=ACCOUNT,
                       private_endpoint=True, kms=kms if readable else None, key=ROTATED)
    found = ck.registration_after(target, predicted=predicted)
    assert found["keyId"] == "k1"
    assert (found.get("keyVersion") or {}).get("id") == version
    assert kms.registrations.called is (readable and not predicted)


def fake_containers(states):
    client = MagicMock()
    client.get_cluster.side_effect = list(states)
    return client


def test_wait_for_master_until_ready_after_the_update_moved():
    before = cluster()
    states = [cluster(state="updating", status="in progress", modified="t1"),
              cluster(enabled=True, modified="t2")]
    after, _waited = ck.wait_for_master(fake_containers(states), before, lambda: False, timeout=60,
                                        sleep=lambda _s: None)
    assert after["features"]["keyProtectEnabled"]


def test_a_switch_is_not_done_before_the_master_moved_or_the_new_key_is_registered():
    before = cluster(enabled=True)
    registered = iter([False, True])
    states = [cluster(enabled=True), cluster(enabled=True)]
    client = fake_containers(states)
    ck.wait_for_master(client, before, lambda: next(registered), timeout=60, sleep=lambda _s: None)
    assert client.get_cluster.call_count == 2


def test_a_failed_master_update_is_reported_with_the_master_message():
    states = [cluster(state="update_failed", status="enablement failed: owner lacks Reader", modified="t1",
                      health="error")]
    with pytest.raises(IBMCloudError, match="owner lacks Reader") as raised:
        ck.wait_for_master(fake_containers(states), cluster(), lambda: False, timeout=60, sleep=lambda _s: None)
    assert "containers-kubernetes-key" in raised.value.describe()


def test_an_old_failure_seen_before_the_update_started_is_not_reported():
    old = cluster(state="update_failed", modified="t0", health="error")
    states = [cluster(state="update_failed", modified="t0", health="error"), cluster(enabled=True, modified="t1")]
    after, _waited = ck.wait_for_master(fake_containers(states), old, lambda: False, timeout=60,
                                        sleep=lambda _s: None)
    assert after["lifecycle"]["masterStatus"] == "Ready"


def test_waiting_times_out_with_the_last_master_status():
    client = MagicMock()
    client.get_cluster.return_value = cluster(state="updating", status="still going", modified="t1")
    with pytest.raises(WaitTimeoutError, match="still going"):
        ck.wait_for_master(client, cluster(), lambda: False, timeout=0, sleep=lambda _s: None)


def target(**overrides):
    values = dict(cluster=cluster(), instance={"guid": "g", "account_id": ACCOUNT, "state": "active",
                                               "crn": f"crn:v1:bluemix:public:kms:us-south:a/{ACCOUNT}:g::"},
                  key_ref="crk", kms_account_id=ACCOUNT, private_endpoint=True, kms=MagicMock(), key=dict(ROOT))
    values.update(overrides)
    return ck.Target(**values)


@pytest.mark.parametrize(
    "overrides, needs_change",
    [
        ({}, True),
        ({"cluster": cluster(enabled=True), "current": registration("k1", "t")}, False),
        ({"cluster": cluster(enabled=True), "current": registration("k0", "t")}, True),
        ({"cluster": cluster(enabled=True)}, True),
    ],
)
def test_needs_change(overrides, needs_change):
    assert target(**overrides).needs_change() is needs_change


@pytest.mark.parametrize(
    "overrides, request_account",
    [({}, None), ({"kms_account_id": "other", "instance": {"guid": "g", "account_id": "other"}}, "other")],
)
def test_the_request_names_the_kms_account_only_across_accounts(overrides, request_account):
    request = target(**overrides).request()
    assert request == {"cluster": "c1", "instance_id": "g", "crk_id": "k1", "private_endpoint": True,
                       "account_id": request_account}


@pytest.fixture
def iam(monkeypatch):
    state = {"authorization": {"id": "p1"}, "policies": [policy(["role:Administrator"],
                                                                [{"name": "accountId", "value": ACCOUNT}])],
             "owner": (Owner("IBMid-o", "Olga Owner"), None),
             "owner_policies": [policy(["serviceRole:Reader"], [{"name": "accountId", "value": ACCOUNT}])]}
    client = MagicMock()
    client.effective_access_policies.side_effect = lambda *_a: state["owner_policies"]
    # cluster_kms's checks are prerequisites_info's (one engine, _prerequisites.check_change)
    monkeypatch.setattr(pr_roles, "IamPolicyClient", lambda _s: client)
    monkeypatch.setattr(pr_roles, "find_key_owner", lambda *_a: state["owner"])
    monkeypatch.setattr(pr_roles, "find_covering_authorization", lambda *_a, **_k: state["authorization"])
    monkeypatch.setattr(pr_roles, "caller_policies", lambda _s: state["policies"])
    return state


def session():
    fake = MagicMock()
    fake.account_id = ACCOUNT
    fake.claims.return_value = {"iam_id": "IBMid-me"}
    return fake


# (target overrides, iam state, failure fragments, warning fragments)
CHECKS = [
    ({}, {}, [], []),
    ({"key": {**ROOT, "state": 2}}, {}, ["suspended"], []),
    ({"previous_key_ids": ["k1"]}, {}, ["used root key k1 before"], []),
    ({}, {"authorization": None}, [], []),  # in the same account, the Kubernetes Service creates it
    ({"kms_account_id": "other", "instance": {"guid": "g", "account_id": "other"}}, {"authorization": None},
     ["No service-to-service authorization lets"], []),
    ({"kms_account_id": "other", "instance": {"guid": "g", "account_id": "other"},
      "cluster": cluster(provider="satellite")}, {}, ["Satellite"], []),
    ({"kms_account_id": "other"}, {}, ["belongs to account acct1"], []),
    ({}, {"policies": []}, [], ["Administrator platform role"]),
    ({"key": None, "previous_key_ids": ["crk"]}, {"policies": [], "authorization": None},
     ["does not exist", "used root key crk before"], ["Administrator"]),
    ({"cluster": cluster(enabled=True)}, {}, [], ["root key it uses is unknown"]),
    # the owner of the cluster's API key: the same finder as prerequisites_info's, its groups' roles included
    ({}, {"owner_policies": []}, ["IBMid-o (Olga Owner), the owner of the API key of region us-south and resource group rg1, holds no Reader"], []),
    ({}, {"owner": (None, ("failed", "The Kubernetes Service has no API key.", "Reset it."))},
     ["has no API key. Reset it."], []),
    ({}, {"owner": (None, ("unverified", "The owner could not be identified.", "Look."))}, [], ["Not verified"]),
    ({"kms_account_id": "other", "instance": {"guid": "g", "account_id": "other"}},
     {"owner_policies": []}, [], []),  # across accounts IKS reads the key through the authorization
]


@pytest.mark.parametrize("overrides, iam_state, failures, warnings", CHECKS)
def test_check_change_collects_every_failure_before_any_request(iam, overrides, iam_state, failures, warnings):
    iam.update(iam_state)
    checked = target(**overrides)
    pr.check_change(checked, session(), 30, NOW)
    assert len(checked.failures) == len(failures), checked.failures
    for text, fragment in zip(checked.failures, failures):
        assert fragment in text
    assert len(checked.warnings) == len(warnings), checked.warnings
    for text, fragment in zip(checked.warnings, warnings):
        assert fragment in text


def test_the_authorization_hint_names_only_what_cluster_kms_has(iam):
    iam["authorization"] = None
    checked = target(kms_account_id="other", instance={"guid": "g", "account_id": "other"})
    pr.check_change(checked, session(), 30, NOW)
    assert "in the KMS account" in checked.failures[0] and "create_authorization" not in checked.failures[0]


def test_refuse_names_every_failure_at_once():
    checked = target(failures=["one.", "two."])
    with pytest.raises(InputError, match="one. two."):
        ck.refuse(checked)
    ck.refuse(target())


def test_unreadable_policies_are_a_warning_not_a_pass(iam, monkeypatch):
    def forbidden(_session):
        raise ForbiddenError("no", status=403)

    monkeypatch.setattr(pr_roles, "caller_policies", forbidden)
    checked = target()
    pr.check_change(checked, session(), 30, NOW)
    assert checked.failures == []
    assert [w for w in checked.warnings if w.startswith("Not verified: The caller's access policies could not be read")]


@pytest.mark.parametrize(
    "error, enabled, hint",
    [
        (BadRequestError("The root key 'k1' was used by this cluster before; can't reuse a previous root key.",
                         status=400), True, "PREVIOUS_KEY_HINT"),
        # IKS's words are unpublished: any 400 on a switch names the documented reason among the possible ones
        (BadRequestError("The KMS configuration could not be applied to the cluster.", status=400), True,
         "SWITCH_REFUSED_HINT"),
        (BadRequestError("The root key is not active.", status=400), False, None),  # a first enable, not a switch
        (ServerError("boom", status=503), True, None),
    ],
)
def test_a_refused_switch_gets_a_hint_whatever_the_words(error, enabled, hint):
    containers = MagicMock()
    containers.enable_kms.side_effect = error
    found = target(cluster=cluster(enabled=enabled), current={"keyId": "old"} if enabled else None)
    with pytest.raises(type(error)) as raised:
        ck.send_enable(containers, found)
    assert raised.value.hint == (getattr(ck, hint) if hint else None)


def test_a_kms_instance_of_another_account_is_taken_from_its_crn():
    resources = MagicMock()
    resources.resolve_instance.side_effect = InputError("not found")
    crn = "crn:v1:bluemix:public:hs-crypto:us-south:a/other:12043812-757f-4e1e-8436-6af3245e6a69::"
    found = ck.resolve_instance(resources, crn, "other", ACCOUNT)
    assert found["guid"] == "12043812-757f-4e1e-8436-6af3245e6a69" and found["account_id"] == "other"
    with pytest.raises(InputError):
        ck.resolve_instance(resources, "by-name", "other", ACCOUNT)
    with pytest.raises(InputError):
        ck.resolve_instance(resources, crn, ACCOUNT, ACCOUNT)


def account_session(account):
    fake = MagicMock()
    fake.account_id = account
    return fake


# (kms_account_id, account of the KMS credentials or None, expected account or error fragment)
KMS_ACCOUNTS = [
    (None, None, ACCOUNT),                    # same account: the caller's
    ("other", None, "other"),                 # cross-account, no KMS credentials
    (None, "other", "other"),                 # the account of the KMS credentials
    ("other", "other", "other"),              # given and matching
    ("other", "third", "belongs to account third, not to kms_account_id other"),
]


@pytest.mark.parametrize("given, credentials, expected", KMS_ACCOUNTS)
def test_the_kms_account_comes_from_the_option_or_the_kms_credentials(given, credentials, expected):
    kms_session = account_session(credentials) if credentials else None
    if " " in expected:
        with pytest.raises(InputError, match=expected):
            ck.kms_account(session(), kms_session, given)
        return
    assert ck.kms_account(session(), kms_session, given) == expected


CROSS = {"kms_account_id": "other", "instance": {"guid": "g", "account_id": "other"}}

# (error of the key read, with the KMS account's credentials, raised, warned)
KEY_SIDE = [
    (None, False, False, False),
    (ForbiddenError("no", status=403), False, False, True),     # cross-account, caller's token: left to IKS
    (ForbiddenError("no", status=403), True, True, False),      # the KMS account's own token must read it
    (IBMCloudError("boom", status=500), False, True, False),
]


@pytest.mark.parametrize("error, kms_credentials, raised, warned", KEY_SIDE)
def test_read_key_side_skips_only_what_the_caller_cannot_read(monkeypatch, error, kms_credentials, raised, warned):
    kms = MagicMock()
    kms.get_key.side_effect = error if error else [dict(ROOT)]
    kms.find_root_key.side_effect = lambda ref: KmsClient.find_root_key(kms, ref)  # the real finder
    kms.registrations.return_value = [registration("k1", "t")]
    monkeypatch.setattr(ck, "KmsClient", lambda _s, _i: kms)
    checked = target(kms=None, key=None, **CROSS)
    if raised:
        with pytest.raises(IBMCloudError):
            ck.read_key_side(checked, session(), kms_credentials=kms_credentials)
        return
    ck.read_key_side(checked, session(), kms_credentials=kms_credentials)
    assert bool(checked.warnings) is warned
    assert (checked.kms is None) is warned
    assert checked.key == (None if warned else ROOT)


def test_the_authorization_is_read_with_the_kms_accounts_session_when_given(iam, monkeypatch):
    seen = []
    monkeypatch.setattr(pr_roles, "IamPolicyClient", lambda s: seen.append(s) or MagicMock())
    monkeypatch.setattr(pr_roles, "find_covering_authorization", lambda client, **_k: client and {"id": "p1"})
    caller, kms_side = session(), account_session("other")
    pr.check_change(target(**CROSS), caller, 30, NOW, kms_session=kms_side)
    pr.check_change(target(**CROSS), caller, 30, NOW)
    assert seen == [kms_side, caller]
