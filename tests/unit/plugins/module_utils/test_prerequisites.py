# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import calendar
from unittest.mock import MagicMock

import pytest

from ansible_collections.ibmcloud.kms.plugins.module_utils import _key_owner as ko
from ansible_collections.ibmcloud.kms.plugins.module_utils import _prerequisite_roles as pr_roles
from ansible_collections.ibmcloud.kms.plugins.module_utils import _prerequisites as pr
from ansible_collections.ibmcloud.kms.plugins.module_utils._client import ConnectionSettings, Session
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import (
    ForbiddenError,
    IBMCloudError,
    InputError,
    NotFoundError,
    ServerError,
    TransportError,
    UnauthorizedError,
    WaitTimeoutError,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._iam_identity import (
    IamIdentityClient,
    cluster_key_description,
    parse_cluster_key_description,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._kms import KmsClient

from .fake_transport import FakeAdapter, make_token, mount

NOW = float(calendar.timegm((2026, 1, 1, 0, 0, 0)))
ACCOUNT, OTHER = "acct1", "acct2"
GUID = "12043812-757f-4e1e-8436-6af3245e6a69"
HPCS_GUID = "7a1e2bb0-6b54-4c6e-9b55-8c4f0bbf8e10"
CLUSTER = {"id": "c1", "name": "demo", "provider": "vpc-gen2", "region": "us-south", "resourceGroup": "rg1",
           "crn": f"crn:v1:bluemix:public:containers-kubernetes:us-south:a/{ACCOUNT}:c1::",
           "features": {"keyProtectEnabled": False}}
ENCRYPTED = {**CLUSTER, "features": {"keyProtectEnabled": True}}
KP = {"guid": GUID, "name": "kp", "crn": f"crn:v1:bluemix:public:kms:us-south:a/{ACCOUNT}:{GUID}::",
      "state": "active", "account_id": ACCOUNT, "resource_group_id": "rg1", "region_id": "us-south"}
HPCS = {**KP, "guid": HPCS_GUID, "name": "hpcs", "crn": f"crn:v1:bluemix:public:hs-crypto:us-south:a/{ACCOUNT}:{HPCS_GUID}::"}
ROOT = {"id": "k1", "name": "crk", "aliases": ["crk"], "state": 1, "extractable": False,
        "expirationDate": "2027-01-01T00:00:00Z"}
OWNER_KEY = {"name": "containers-kubernetes-key", "iam_id": "IBMid-owner",
             "description": cluster_key_description("us-south", "rg1")}
KEY_OWNER = {"id": "IBMid-owner", "name": "Owen Owner", "email": "owner@example.com"}  # what IKS answers


def policy(roles, **resource):
    return {"state": "active", "roles": [{"role_id": f"crn:v1:bluemix:public:iam::::{r}"} for r in roles],
            "resources": [{"attributes": [{"name": k, "value": v} for k, v in resource.items()]}]}


ADMIN = [policy(["role:Administrator", "serviceRole:Manager"], accountId=ACCOUNT)]
OWNER_READER = [policy(["serviceRole:Reader"], accountId=ACCOUNT, serviceName="kms")]
OWNER_WRITER = [policy(["role:Editor", "serviceRole:Writer"], accountId=ACCOUNT, serviceName="kms")]


def session(claims=None, api_key="key"):
    fake = MagicMock()
    fake.claims.return_value = claims or {"iam_id": "IBMid-me", "exp": NOW + 3600}
    fake.account_id = ACCOUNT
    fake.now.return_value = NOW
    fake.shared.side_effect = lambda factory, *args: factory(fake, *args)  # one client per session, as Session does
    fake.settings.api_key = api_key
    fake.settings.renewable = api_key is not None
    return fake


def answer(value):
    """A side effect: raise an exception, or return the value."""
    def respond(*_args, **_kwargs):
        if isinstance(value, Exception):
            raise value
        return value
    return respond


def install(monkeypatch, **overrides):
    """Fake every client _prerequisites uses; ``overrides`` replace the seeded answers."""
    world = dict(cluster=CLUSTER, instances=[KP], group="rg1", key=ROOT, named=[], initialized=True, caller=ADMIN,
                 key_owner=KEY_OWNER, owner_keys=[OWNER_KEY], owner=OWNER_WRITER, authorization={"id": "auth1"},
                 registrations=[], tags=[], activated=(KP, 4.0), instance_policies=[])
    world.update(overrides)
    containers, resources, kms, iam, identity, tagging = (MagicMock() for _fake in range(6))
    kms.registrations.side_effect = answer(world["registrations"])
    kms.instance_policies.side_effect = answer(world["instance_policies"])
    tagging.tags_of.side_effect = answer(world["tags"])
    monkeypatch.setattr(pr, "TaggingClient", lambda _s: tagging)
    containers.get_cluster.side_effect = answer(world["cluster"])
    resources.lookup_instances.side_effect = answer(world["instances"])
    resources.wait_active.side_effect = answer(world["activated"])
    group = world["group"]
    resources.resource_group.side_effect = answer(group if isinstance(group, Exception) else {"id": group, "name": "Default"})
    kms.get_key.side_effect = answer(world["key"])
    kms.keys_named.side_effect = answer(world["named"])
    kms.find_root_key.side_effect = lambda ref: KmsClient.find_root_key(kms, ref)  # the real finder on the fakes
    kms.is_initialized.side_effect = answer(world["initialized"])
    containers.cluster_key_owner.side_effect = answer(world["key_owner"])
    iam.effective_access_policies.side_effect = answer(world["owner"])
    identity.account_api_keys.side_effect = answer(world["owner_keys"])
    monkeypatch.setattr(pr, "ContainersClient", lambda _s: containers)
    monkeypatch.setattr(ko, "ContainersClient", lambda _s: containers)
    monkeypatch.setattr(pr, "ResourceClient", lambda _s: resources)
    monkeypatch.setattr(pr, "KmsClient", lambda _s, _i: kms)
    monkeypatch.setattr(pr_roles, "IamPolicyClient", lambda _s: iam)
    monkeypatch.setattr(ko, "IamIdentityClient", lambda _s: identity)
    monkeypatch.setattr(pr_roles, "caller_policies", answer(world["caller"]))
    monkeypatch.setattr(pr_roles, "find_covering_authorization", answer(world["authorization"]))
    return {"containers": containers, "resources": resources, "kms": kms, "iam": iam, "identity": identity}


def run(ask_overrides=None, fake_session=None):
    ask = pr.Ask(**{"cluster": "demo", "instance": "kp", "root_key": "crk", **(ask_overrides or {})})
    found = pr.Found()
    results = pr.check_all(lambda: fake_session or session(), ask, found)
    return {r["name"]: r for r in results}, found


def test_every_check_is_reported_once_in_the_fixed_order(monkeypatch):
    install(monkeypatch)
    found = pr.Found()
    results = pr.check_all(session, pr.Ask(cluster="demo", instance="kp", root_key="crk"), found)
    assert [r["name"] for r in results] == list(pr.CHECKS)
    assert {r["status"] for r in results} == {"passed"}
    assert all(set(r) == {"name", "status", "message", "hint"} for r in results)
    assert pr.key_view(found.key, found.now)["days_until_expiration"] == 365
    assert pr.instance_view(found)["initialized"] is True


# (what, ask overrides, world overrides, expected statuses of some checks, a fragment of one message)
CASES = [
    ("the cluster is missing", {}, {"cluster": None},
     {"cluster_exists": "failed", "cluster_administrator": "not_applicable", "cluster_type": "not_applicable",
      "instance": "passed", "root_key": "passed", "service_authorization": "not_applicable",
      "cluster_key_owner_kms_role": "not_applicable"}, ("cluster_exists", "was not found")),
    ("the cluster cannot be read", {}, {"cluster": ForbiddenError("no", status=403)},
     {"cluster_exists": "unverified", "cluster_administrator": "unverified"}, ("cluster_exists", "could not be read")),
    ("the caller's policies do not show Administrator", {}, {"caller": OWNER_WRITER},
     {"cluster_administrator": "unverified", "caller_kms_role": "passed"}, ("cluster_administrator", "access-group")),
    ("the caller's policies cannot be read", {}, {"caller": ForbiddenError("no", status=403)},
     {"cluster_administrator": "unverified", "caller_kms_role": "unverified"}, ("caller_kms_role", "HTTP 403")),
    ("a viewer only may read", {}, {"caller": [policy(["role:Viewer"], accountId=ACCOUNT)]},
     {"caller_kms_role": "passed"}, ("caller_kms_role", "Viewer or Reader")),
    ("a viewer cannot be shown to create the key", {"create_root_key": True},
     {"key": None, "caller": [policy(["role:Viewer"], accountId=ACCOUNT)]},
     {"caller_kms_role": "unverified", "root_key": "passed"}, ("caller_kms_role", "Writer (to create the root key)")),
    ("a Satellite cluster cannot use another account's KMS", {"kms_account_id": OTHER, "instance": GUID},
     {"cluster": {**CLUSTER, "provider": "satellite"}, "instances": ForbiddenError("no", status=403)},
     {"cluster_type": "failed", "instance": "unverified", "root_key": "unverified",
      "cluster_key_owner_kms_role": "not_applicable", "service_authorization": "passed"}, ("cluster_type", "Satellite")),
    ("a VPC cluster may use another account's KMS", {"kms_account_id": OTHER, "instance": GUID}, {"instances": []},
     {"cluster_type": "passed", "instance": "unverified"}, ("instance", f"account {OTHER}")),
    ("another account's instance must be given by guid", {"kms_account_id": OTHER, "instance": "kp"}, {"instances": []},
     {"instance": "failed", "service_authorization": "not_applicable"}, ("instance", "not visible")),
    ("a missing Key Protect instance", {}, {"instances": []},
     {"instance": "failed", "caller_kms_role": "not_applicable", "root_key": "not_applicable",
      "service_authorization": "not_applicable", "cluster_key_owner_kms_role": "not_applicable"},
     ("instance", "was not found")),
    ("a Key Protect instance to be created", {"create_instance": True, "create_root_key": True}, {"instances": []},
     {"instance": "passed", "caller_kms_role": "passed", "root_key": "passed", "service_authorization": "passed",
      "cluster_key_owner_kms_role": "passed"}, ("instance", "Default (rg1) and region us-south; it will be created, a billable IBM Cloud resource")),
    ("a new instance needs a new root key", {"create_instance": True}, {"instances": []},
     {"instance": "passed", "root_key": "failed"}, ("root_key", "A new instance has no root key")),
    ("a new instance in a group that does not exist", {"create_instance": True, "resource_group": "nope"},
     {"instances": [], "group": InputError("Resource group 'nope' not found")},
     {"instance": "failed", "root_key": "not_applicable"}, ("instance", "nope")),
    ("a new instance by guid", {"create_instance": True, "instance": GUID}, {"instances": []},
     {"instance": "failed"}, ("instance", "by name")),
    ("an HPCS instance is never created", {"create_instance": True, "kms_service": "hs-crypto"}, {"instances": []},
     {"instance": "failed"}, ("instance", "Hyper Protect Crypto Services instance 'kp' was not found")),
    ("an uninitialized HPCS instance", {"kms_service": "hs-crypto"}, {"instances": [HPCS], "initialized": False},
     {"instance": "failed", "root_key": "unverified", "caller_kms_role": "unverified"}, ("instance", "not initialized")),
    ("an initialized HPCS instance", {"kms_service": "hs-crypto"}, {"instances": [HPCS]},
     {"instance": "passed", "root_key": "passed"}, ("instance", "active and initialized")),
    ("HPCS initialization cannot be read", {"kms_service": "hs-crypto"},
     {"instances": [HPCS], "initialized": ForbiddenError("no", status=403)},
     {"instance": "unverified", "root_key": "unverified"}, ("instance", "could not be read")),
    ("an instance of the other service", {"kms_service": "hs-crypto", "instance": GUID}, {},
     {"instance": "failed"}, ("instance", "not hs-crypto")),
    ("an instance that is not active", {}, {"instances": [{**KP, "state": "inactive"}]},
     {"instance": "failed", "root_key": "unverified"}, ("instance", "inactive, not active")),
    ("an instance still provisioning is waited for", {}, {"instances": [{**KP, "state": "provisioning"}]},
     {"instance": "passed", "root_key": "passed"}, ("instance", "is active")),
    ("an instance provisioning past the wait", {},
     {"instances": [{**KP, "state": "provisioning"}], "activated": WaitTimeoutError("Timed out after 900s")},
     {"instance": "unverified", "root_key": "unverified"}, ("instance", "still provisioning: Timed out after 900s")),
    ("two instances of one name in other regions", {},
     {"instances": [{**KP, "region_id": "eu-de"}, {**KP, "guid": "g2", "region_id": "eu-gb"}]},
     {"instance": "failed"}, ("instance", "2 key-protect instances")),
    ("the instance list is refused", {}, {"instances": ForbiddenError("no", status=403)},
     {"instance": "unverified", "root_key": "unverified", "caller_kms_role": "unverified"}, ("instance", "HTTP 403")),
    ("a missing root key", {}, {"key": None},
     {"root_key": "failed"}, ("root_key", "does not exist")),
    ("a deleted root key to be created", {"create_root_key": True}, {"key": {**ROOT, "state": 5}},
     {"root_key": "passed", "cluster_key_owner_kms_role": "passed"}, ("root_key", "will be created")),
    ("a root key found by name", {}, {"key": None, "named": [ROOT]}, {"root_key": "passed"}, ("root_key", "(k1)")),
    ("every problem of the root key", {}, {"key": {**ROOT, "state": 2, "extractable": True,
                                                   "expirationDate": "2026-01-11T00:00:00Z"}},
     {"root_key": "failed"}, ("root_key", "standard key")),
    ("an expiring root key", {"min_days_before_expiration": 400}, {}, {"root_key": "failed"}, ("root_key", "365 days")),
    ("an existing root key is not created again", {"create_root_key": True}, {"key": {**ROOT, "state": 2}},
     {"root_key": "failed"}, ("root_key", "suspended")),
    ("the root key cannot be read", {}, {"key": ForbiddenError("no", status=403)},
     {"root_key": "unverified"}, ("root_key", "could not be read")),
    ("a key CRN of another instance", {"root_key": "crn:v1:bluemix:public:kms:us-south:a/x:other:key:k1"}, {},
     {"root_key": "failed"}, ("root_key", "belongs to instance other")),
    ("a CRN that is no key CRN", {"root_key": "crn:v1:bluemix:public:kms:us-south:a/x:other::"}, {},
     {"root_key": "failed"}, ("root_key", "not a key CRN")),
    ("no root key given", {"root_key": None}, {}, {"root_key": "not_applicable"}, ("root_key", "No root_key")),
    ("no instance given", {"instance": None, "root_key": None}, {},
     {"instance": "not_applicable", "caller_kms_role": "not_applicable", "root_key": "not_applicable",
      "service_authorization": "not_applicable", "cluster_key_owner_kms_role": "not_applicable"},
     ("instance", "No KMS instance")),
    ("a missing authorization in the same account", {}, {"authorization": None}, {"service_authorization": "passed"},
     ("service_authorization", "the Kubernetes Service creates it in the same account")),
    ("a missing authorization in the KMS account", {"kms_account_id": OTHER, "instance": GUID},
     {"authorization": None, "instances": []}, {"service_authorization": "failed"},
     ("service_authorization", "No service-to-service authorization")),
    ("a missing authorization a later step creates", {"create_authorization": True}, {"authorization": None},
     {"service_authorization": "passed"}, ("service_authorization", "yet; the authorization step will create it")),
    ("a root key the cluster used before (recorded on the cluster)", {}, {"cluster": ENCRYPTED, "registrations": [
        {"keyId": "k2", "resourceCrn": CLUSTER["crn"]}], "tags": ["ibmcloud-kms:previous-root-key:k1"]},
     {"root_key": "failed"}, ("root_key", "used root key k1 before")),
    ("a root key the cluster used before (an older registration)", {}, {"cluster": ENCRYPTED, "registrations": [
        {"keyId": "k1", "resourceCrn": CLUSTER["crn"], "lastUpdated": "2025-01-01"},
        {"keyId": "k2", "resourceCrn": CLUSTER["crn"], "lastUpdated": "2026-01-01"}]},
     {"root_key": "failed"}, ("root_key", "used root key k1 before")),
    ("the root key the cluster uses now", {}, {"cluster": ENCRYPTED, "registrations": [
        {"keyId": "k1", "resourceCrn": CLUSTER["crn"]}], "tags": ["ibmcloud-kms:previous-root-key:k0"]},
     {"root_key": "passed"}, ("root_key", "is an active root key")),
    ("authorizations cannot be read", {"create_authorization": True}, {"authorization": ForbiddenError("no", status=403)},
     {"service_authorization": "unverified"}, ("service_authorization", "could not be read")),
    ("IKS names the owner, who holds no role on KMS (own or through a group)", {}, {"owner": []},
     {"cluster_key_owner_kms_role": "failed"}, ("cluster_key_owner_kms_role", "IBMid-owner (Owen Owner, owner@example.com)")),
    ("the owner holds Reader", {}, {"owner": OWNER_READER}, {"cluster_key_owner_kms_role": "passed"},
     ("cluster_key_owner_kms_role", "holds Reader")),
    ("the owner needs Writer when the key is created", {"create_root_key": True}, {"key": None, "owner": OWNER_READER},
     {"cluster_key_owner_kms_role": "failed"}, ("cluster_key_owner_kms_role", "holds no Writer")),
    ("the owner's policies cannot be read", {}, {"owner": ForbiddenError("no", status=403)},
     {"cluster_key_owner_kms_role": "unverified"}, ("cluster_key_owner_kms_role", "could not be read")),
    ("IKS does not serve the owner; the key's description names it", {}, {"key_owner": NotFoundError("no", status=404)},
     {"cluster_key_owner_kms_role": "passed"}, ("cluster_key_owner_kms_role", "IBMid-owner")),
    ("IKS names the owner without an IAM id; the description names it", {},
     {"key_owner": {"name": "Owen Owner", "email": "owner@example.com"}},
     {"cluster_key_owner_kms_role": "passed"}, ("cluster_key_owner_kms_role", "IBMid-owner (Owen Owner")),
    ("the description names the owner of a cluster whose resource group has a name", {},
     {"cluster": {**CLUSTER, "resourceGroupName": "Default"}, "key_owner": NotFoundError("no", status=404)},
     {"cluster_key_owner_kms_role": "passed"}, ("cluster_key_owner_kms_role", "resource group Default (rg1)")),
    ("IKS answers something else and no description can be read", {},
     {"key_owner": {"owner": "?"}, "owner_keys": [{**OWNER_KEY, "description": "Kubernetes key for us-south/rg1"}]},
     {"cluster_key_owner_kms_role": "unverified"}, ("cluster_key_owner_kms_role", "could be told to be the one")),
    ("no API key for the region and group", {}, {"key_owner": NotFoundError("no", status=404), "owner_keys": []},
     {"cluster_key_owner_kms_role": "failed"}, ("cluster_key_owner_kms_role", "has no API key")),
    ("neither IKS nor the API keys can be read", {},
     {"key_owner": ForbiddenError("no", status=403), "owner_keys": ForbiddenError("no", status=403)},
     {"cluster_key_owner_kms_role": "unverified"}, ("cluster_key_owner_kms_role", "could not be listed")),
]


@pytest.mark.parametrize("what, ask, world, statuses, fragment", CASES, ids=[c[0] for c in CASES])
def test_check_all(monkeypatch, what, ask, world, statuses, fragment):
    install(monkeypatch, **world)
    results, _found = run(ask)
    assert {name: results[name]["status"] for name in statuses} == statuses
    assert fragment[1] in results[fragment[0]]["message"]
    assert results["credentials"]["status"] == "passed"


@pytest.mark.parametrize("status", ["failed", "unverified"])
def test_no_check_passes_without_credentials(monkeypatch, status):
    fakes = install(monkeypatch)
    error = InputError("No credentials") if status == "failed" else TransportError("no answer from the server")

    def open_session():
        raise error

    found = pr.Found()
    results = pr.check_all(open_session, pr.Ask(cluster="demo", instance="kp", root_key="crk"), found)
    assert [r["status"] for r in results] == [status] + ["unverified"] * (len(pr.CHECKS) - 1)
    assert all("credentials check did not pass" in r["message"] for r in results[1:])
    assert not fakes["containers"].get_cluster.called


def test_a_token_the_api_refuses_fails_the_credentials(monkeypatch):
    install(monkeypatch, cluster=UnauthorizedError("expired", status=401))
    results, _found = run()
    assert results["credentials"]["status"] == "failed"
    assert [r["status"] for name, r in results.items() if name != "credentials"] == ["unverified"] * 8


def test_an_expired_iam_token_fails_before_any_request(monkeypatch):
    fakes = install(monkeypatch)
    results, _found = run(fake_session=session(claims={"iam_id": "me", "exp": 1}, api_key=None))
    assert results["credentials"]["status"] == "failed" and "expired" in results["credentials"]["message"]
    assert not fakes["containers"].get_cluster.called


def test_a_server_error_makes_a_check_unverified_never_passed(monkeypatch):
    install(monkeypatch, authorization=ServerError("boom", status=503), key_owner=IBMCloudError("x", status=500),
            owner_keys=IBMCloudError("x", status=500))
    results, _found = run({"create_authorization": True})
    assert results["service_authorization"]["status"] == "unverified"
    assert results["cluster_key_owner_kms_role"]["status"] == "unverified"


def test_a_new_instance_is_looked_for_where_it_would_be_created(monkeypatch):
    elsewhere = [{**KP, "region_id": "eu-de"}, {**KP, "resource_group_id": "rg2"}]
    fakes = install(monkeypatch, instances=elsewhere)
    results, found = run({"create_instance": True, "create_root_key": True, "resource_group": "prod"})
    assert results["instance"]["status"] == "passed" and found.new_instance
    fakes["resources"].resource_group.assert_called_once_with("prod")
    assert pr.instance_view(found) is None and pr.key_view(found.key, NOW) is None


def test_the_owner_is_read_in_the_clusters_account_and_policies_are_read_once(monkeypatch):
    fakes = install(monkeypatch)
    run()
    fakes["containers"].cluster_key_owner.assert_called_once_with("c1")
    fakes["iam"].effective_access_policies.assert_called_once_with(ACCOUNT, "IBMid-owner")
    assert not fakes["identity"].account_api_keys.called  # IKS named the owner: no description is read


# -- roles ------------------------------------------------------------------------------------------------
TARGET = {"accountId": ACCOUNT, "serviceType": "service", "serviceName": "kms", "serviceInstance": GUID,
          "resourceGroupId": "rg1", "region": "us-south"}
ROLE_CASES = [
    ([policy(["serviceRole:Manager"], accountId=ACCOUNT)], ["Reader"], True),
    ([policy(["serviceRole:Writer"], accountId=ACCOUNT, serviceName="kms")], ["Writer"], True),
    ([policy(["serviceRole:Reader"], accountId=ACCOUNT, serviceName="kms")], ["Writer"], False),
    ([policy(["role:Administrator"], accountId=ACCOUNT)], ["Editor"], True),
    ([policy(["role:Operator"], accountId=ACCOUNT)], ["Viewer"], True),
    ([policy(["role:Viewer"], accountId=ACCOUNT)], ["Editor"], False),
    ([policy(["role:Editor"], accountId=ACCOUNT)], ["Writer"], False),
    ([policy(["role:Viewer"], accountId=ACCOUNT)], ["Viewer", "Reader"], True),
    ([policy(["serviceRole:Reader"], accountId=ACCOUNT, serviceInstance="other")], ["Reader"], False),
    ([policy(["serviceRole:Reader"], accountId=ACCOUNT, serviceName="hs-crypto")], ["Reader"], False),
    ([policy(["serviceRole:Reader"], accountId=OTHER)], ["Reader"], False),
    ([{**policy(["serviceRole:Manager"], accountId=ACCOUNT), "state": "deleted"}], ["Reader"], False),
    ([policy(["serviceRole:Reader"], accountId=ACCOUNT, resourceGroupId="rg1")], ["Reader"], True),
    ([], ["Reader"], False),
]


@pytest.mark.parametrize("policies, roles, granted", ROLE_CASES)
def test_grants_role_counts_stronger_roles_and_checks_the_scope(policies, roles, granted):
    assert pr_roles.grants_role(policies, TARGET, roles) is granted


def test_a_policy_on_one_instance_does_not_cover_a_new_instance():
    new = {k: v for k, v in TARGET.items() if k != "serviceInstance"}
    assert not pr_roles.grants_role([policy(["role:Editor"], accountId=ACCOUNT, serviceInstance=GUID)], new, ["Editor"])
    assert pr_roles.grants_role([policy(["role:Editor"], accountId=ACCOUNT, serviceName="kms")], new, ["Editor"])


# -- the containers-kubernetes-key ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, parsed",
    [
        (cluster_key_description("us-south", "rg1"), ("us-south", "rg1")),
        ("Kubernetes Service API key for region eu-de and resource group abc ", ("eu-de", "abc")),
        ("my own key", None),
        (None, None),
    ],
)
def test_parse_cluster_key_description(text, parsed):
    assert parse_cluster_key_description(text) == parsed


def identity_client():
    settings = ConnectionSettings(iam_token=make_token(), endpoints={"iam": "https://iam"}, retries=1)
    return IamIdentityClient(Session(settings, sleep=lambda _s: None))


def keys_page(*keys, token=None):
    body = {"offset": 0, "limit": 100, "apikeys": list(keys)}
    if token:
        body["next"] = f"https://iam/v1/apikeys?account_id=acct-1&scope=account&pagetoken={token}"
    return (200, body)


def test_api_keys_follow_pages_and_keep_only_the_name():
    client = identity_client()
    other = {**OWNER_KEY, "iam_id": "IBMid-prod", "description": cluster_key_description("us-south", "prod")}
    lookalike = {**OWNER_KEY, "name": "containers-kubernetes-key-old"}
    adapter = mount(client.identity, FakeAdapter([keys_page(other, lookalike, token="t2"), keys_page(OWNER_KEY)]))
    found = client.account_api_keys("acct-1", "containers-kubernetes-key")
    assert [key["iam_id"] for key in found] == ["IBMid-prod", "IBMid-owner"]
    first, second = (r.url for r in adapter.requests)
    assert "scope=account" in first and "account_id=acct-1" in first and "filter=name" in first
    assert "pagetoken=t2" in second


def test_a_refused_api_key_list_is_an_error_naming_the_role():
    client = identity_client()
    mount(client.identity, FakeAdapter([(403, {"errorCode": "BXNIM0513E", "errorMessage": "not authorized"})]))
    with pytest.raises(ForbiddenError, match="not authorized") as raised:
        client.account_api_keys("acct-1", "containers-kubernetes-key")
    assert "iam-identity" in raised.value.describe()


def test_the_kms_side_is_read_with_the_kms_accounts_own_session(monkeypatch):
    seen = []
    fakes = install(monkeypatch, instances=[{**KP, "account_id": OTHER}])
    monkeypatch.setattr(pr, "ResourceClient", lambda s: seen.append(s.account_id) or fakes["resources"])
    kms_session = session(claims={"iam_id": "IBMid-kms", "exp": NOW + 3600})
    kms_session.account_id = OTHER
    found = pr.Found()
    ask = pr.Ask(cluster="demo", instance="kp", root_key="crk", kms_account_id=OTHER)
    results = {r["name"]: r for r in pr.check_all(session, ask, found, open_kms_session=lambda: kms_session)}
    assert seen == [OTHER] and found.kms_readable
    assert results["instance"]["status"] == "passed" and results["root_key"]["status"] == "passed"
    assert results["cluster_key_owner_kms_role"]["status"] == "not_applicable"


def test_kms_credentials_of_another_account_fail_the_credentials_check(monkeypatch):
    install(monkeypatch)
    kms_session = session()
    kms_session.account_id = ACCOUNT
    results = pr.check_all(session, pr.Ask(cluster="demo", instance="kp", kms_account_id=OTHER), pr.Found(),
                           open_kms_session=lambda: kms_session)
    assert results[0]["status"] == "failed" and "not to kms_account_id" in results[0]["message"]
    assert {r["status"] for r in results[1:]} == {"unverified"}


KMS_ADMIN = [policy(["role:Administrator", "serviceRole:Manager"], accountId=OTHER)]


@pytest.mark.parametrize("owner, status", [(KMS_ADMIN, "passed"), ([], "failed")])
def test_the_kms_credentials_roles_are_judged_with_their_groups(monkeypatch, owner, status):
    fakes = install(monkeypatch, instances=[{**KP, "account_id": OTHER}], owner=owner)
    kms_session = session(claims={"iam_id": "IBMid-kms", "exp": NOW + 3600})
    kms_session.account_id = OTHER
    ask = pr.Ask(cluster="demo", instance="kp", root_key="crk", kms_account_id=OTHER)
    results = {r["name"]: r for r in pr.check_all(session, ask, pr.Found(), open_kms_session=lambda: kms_session)}
    assert results["caller_kms_role"]["status"] == status and "IBMid-kms" in results["caller_kms_role"]["message"]
    fakes["iam"].effective_access_policies.assert_any_call(OTHER, "IBMid-kms")


def test_a_caller_who_owns_the_clusters_api_key_is_judged_with_its_groups(monkeypatch):
    """The caller's own policies serve the caller's checks; as the key owner, its groups count too."""
    cluster_admin = [policy(["role:Administrator"], accountId=ACCOUNT, serviceName="containers-kubernetes")]
    fakes = install(monkeypatch, key_owner={"id": "IBMid-me"}, caller=cluster_admin, owner=OWNER_READER)
    results, _found = run()
    assert results["cluster_key_owner_kms_role"]["status"] == "passed"
    fakes["iam"].effective_access_policies.assert_called_once_with(ACCOUNT, "IBMid-me")


# requested root key -> (the key it names, or None), tags on the cluster -> a warning naming both keys?
KEPT = [
    ("team-key-2027", {**ROOT, "id": "k3", "name": "team-key-2027"}, [], True),
    ("never-made", None, [], True),
    ("demo-root-key", {**ROOT, "id": "k0", "name": "demo-root-key"}, ["ibmcloud-kms:previous-root-key:k0"], False),
    ("crk", ROOT, [], False),
    (None, None, [], False),
]


@pytest.mark.parametrize("requested, named, tags, warned", KEPT)
def test_a_cluster_that_keeps_its_key_warns_about_the_key_asked_for(monkeypatch, requested, named, tags, warned):
    fakes = install(monkeypatch, cluster=ENCRYPTED, registrations=[{"keyId": "k1", "resourceCrn": CLUSTER["crn"]}],
                    tags=tags)
    fakes["kms"].get_key.side_effect = lambda ref: ROOT if ref == "k1" else named
    results, found = run({"root_key": "k1", "requested_root_key": requested})
    assert results["root_key"]["status"] == "passed"
    assert bool(found.warnings) is warned
    if warned:
        assert "keeps its root key crk (k1)" in found.warnings[0] and repr(requested) in found.warnings[0]
        assert ("key k3" if named else "does not exist") in found.warnings[0]


def test_the_refusal_is_one_sentence_per_refused_check_never_a_list():
    results = [pr.outcome("credentials", "passed", "ok."), pr.outcome("cluster_exists", "failed", "Not found.", "Check."),
               pr.outcome("cluster_administrator", "unverified", "Could not read.")]
    assert pr.refusal("demo", results) == (
        "Cluster demo: 1 prerequisite(s) not met; nothing was changed. cluster_exists: Not found. Check.")
    assert pr.refusal("demo", results, refuse_unverified=True).endswith(
        "cluster_exists: Not found. Check. cluster_administrator: Could not read.")
    assert pr.refusal("demo", results[:1]) is None
    assert pr.summary_lines(results) == ["PASSED credentials ok.", "FAILED cluster_exists Not found.",
                                         "UNVERIFIED cluster_administrator Could not read."]


@pytest.mark.parametrize("name, group_id, label", [("prod", "2c01", "prod (2c01)"), (None, "2c01", "2c01"),
                                                   ("2c01", "2c01", "2c01")])
def test_resource_groups_are_named_next_to_their_id(name, group_id, label):
    from ansible_collections.ibmcloud.kms.plugins.module_utils._resource_controller import group_label
    assert group_label(name, group_id) == label


def test_the_key_owner_message_names_the_clusters_resource_group(monkeypatch):
    install(monkeypatch, cluster={**CLUSTER, "resourceGroupName": "prod"}, owner=[])
    results, _found = run()
    assert "region us-south and resource group prod (rg1)" in results["cluster_key_owner_kms_role"]["message"]


# -- nothing to change (converged) -----------------------------------------------------------------------
CURRENT = {"keyId": "k1", "resourceCrn": CLUSTER["crn"], "lastUpdated": "2026-01-01T00:00:00Z"}
OLDER = {"keyId": "k0", "resourceCrn": CLUSTER["crn"], "lastUpdated": "2025-01-01T00:00:00Z"}
UPDATING = {**ENCRYPTED, "lifecycle": {"masterState": "updating", "masterHealth": "normal", "masterStatus": "Updating"}}
DUAL_ASKED = {"dual_auth_delete": {"enabled": True}}
DUAL_ON = {"policy_type": "dualAuthDelete", "policy_data": {"enabled": True}}
# (what, ask overrides, world overrides, converged?)
CONVERGED = [
    ("KMS on with the key asked for, registered, authorized", {}, {"cluster": ENCRYPTED, "registrations": [CURRENT]},
     True),
    ("the key the cluster keeps, asked for by another alias", {"root_key": "new-alias", "keep_current_root_key": True},
     {"cluster": ENCRYPTED, "registrations": [OLDER, CURRENT]}, True),
    ("KMS is off", {}, {"registrations": [CURRENT]}, False),
    ("KMS on with another key, which it does not keep", {"root_key": "crk"},
     {"cluster": ENCRYPTED, "registrations": [{**CURRENT, "keyId": "k9"}]}, False),
    ("no registration of the cluster in the instance", {}, {"cluster": ENCRYPTED, "registrations": []}, False),
    ("the registrations cannot be read", {}, {"cluster": ENCRYPTED, "registrations": ServerError("down", status=503)},
     False),
    ("the master is still applying a change", {}, {"cluster": UPDATING, "registrations": [CURRENT]}, False),
    ("the authorization is missing and asked for", {"create_authorization": True},
     {"cluster": ENCRYPTED, "registrations": [CURRENT], "authorization": None}, False),
    ("the authorization is missing, not asked for (IKS made it)", {},
     {"cluster": ENCRYPTED, "registrations": [CURRENT], "authorization": None}, True),
    ("the key expires within min_days", {"min_days_before_expiration": 400},
     {"cluster": ENCRYPTED, "registrations": [CURRENT]}, False),
    ("the instance is to be created", {"create_instance": True, "create_root_key": True},
     {"cluster": ENCRYPTED, "instances": [], "registrations": [CURRENT]}, False),
    ("the instance has the policies asked for", {"instance_policies": DUAL_ASKED},
     {"cluster": ENCRYPTED, "registrations": [CURRENT], "instance_policies": [DUAL_ON]}, True),
    ("an instance policy asked for differs", {"instance_policies": DUAL_ASKED},
     {"cluster": ENCRYPTED, "registrations": [CURRENT]}, False),
    ("the instance policies cannot be read (a warning, not a change)", {"instance_policies": DUAL_ASKED},
     {"cluster": ENCRYPTED, "registrations": [CURRENT], "instance_policies": ServerError("down", status=503)}, True),
]


@pytest.mark.parametrize("what, ask, world, converged", CONVERGED, ids=[c[0] for c in CONVERGED])
def test_converged_means_a_run_would_change_nothing(monkeypatch, what, ask, world, converged):
    install(monkeypatch, **world)
    _results, found = run(ask)
    assert found.converged is converged


# (instance policies listed, the policies to set, what the warning says)
POLICY_WARNINGS = [
    ([DUAL_ON], [], None),
    ([], ["dual_auth_delete"], "does not have the instance policies asked for (dual_auth_delete differ)"),
    (UnauthorizedError("no", status=401), [], "could not be read"),
]


@pytest.mark.parametrize("listed, to_set, warning", POLICY_WARNINGS)
def test_instance_policies_that_differ_are_named_once_per_instance(monkeypatch, listed, to_set, warning):
    fakes = install(monkeypatch, cluster=ENCRYPTED, registrations=[CURRENT], instance_policies=listed)
    asks = [pr.Ask(cluster="demo", instance="kp", root_key="crk", instance_policies=DUAL_ASKED) for _n in range(3)]
    checked = pr.check_each(session, asks)
    assert [found.policies_to_set for _results, found in checked] == [to_set] * 3
    for _results, found in checked:
        policy_warnings = [w for w in found.warnings if "instance polic" in w]
        assert len(policy_warnings) == (0 if warning is None else 1)
        assert warning is None or warning in policy_warnings[0]
    assert fakes["kms"].instance_policies.call_count == 1


def test_no_instance_policy_is_read_unless_asked_for(monkeypatch):
    fakes = install(monkeypatch, cluster=ENCRYPTED, registrations=[CURRENT])
    run()
    assert fakes["kms"].instance_policies.call_count == 0


def test_a_converged_cluster_skips_only_what_a_change_needs(monkeypatch):
    fakes = install(monkeypatch, cluster=ENCRYPTED, registrations=[CURRENT], caller=[], owner=[])
    results, found = run({"skip_when_converged": True})
    assert found.converged
    assert {name for name, r in results.items() if r["status"] == "not_applicable"} == set(pr.CHANGE_ONLY)
    assert "uses root key k1 of KMS instance" in results["caller_kms_role"]["message"]
    assert not fakes["containers"].cluster_key_owner.called and not fakes["iam"].effective_access_policies.called
    assert {r["status"] for name, r in results.items() if name not in pr.CHANGE_ONLY} == {"passed"}


def test_without_skip_a_converged_cluster_is_checked_in_full(monkeypatch):
    install(monkeypatch, cluster=ENCRYPTED, registrations=[CURRENT], owner=[])
    results, found = run()
    assert found.converged
    assert results["cluster_key_owner_kms_role"]["status"] == "failed"


def test_a_cluster_that_is_not_converged_is_checked_in_full_even_with_skip(monkeypatch):
    install(monkeypatch, registrations=[], owner=[])
    results, found = run({"skip_when_converged": True})
    assert not found.converged
    assert results["cluster_key_owner_kms_role"]["status"] == "failed"


def test_the_kept_key_is_the_one_the_cluster_uses_and_the_asked_key_is_not_created(monkeypatch):
    fakes = install(monkeypatch, cluster=ENCRYPTED, registrations=[OLDER, CURRENT])
    fakes["kms"].get_key.side_effect = lambda ref: ROOT if ref == "k1" else None
    results, found = run({"root_key": "new-alias", "keep_current_root_key": True, "create_root_key": True})
    assert found.kept_key_id == "k1" and found.key["id"] == "k1" and not found.new_key
    assert results["root_key"]["status"] == "passed"
    assert "'new-alias' (a key that does not exist yet) is not used" in found.warnings[0]


@pytest.mark.parametrize("world", [{}, {"cluster": ENCRYPTED, "registrations": []}])
def test_a_cluster_without_a_key_in_the_instance_keeps_nothing(monkeypatch, world):
    install(monkeypatch, **world)
    _results, found = run({"keep_current_root_key": True})
    assert found.kept_key_id is None and found.key["id"] == "k1"


def test_the_key_the_cluster_uses_needs_no_tags_and_no_second_read_for_its_alias(monkeypatch):
    fakes = install(monkeypatch, cluster=ENCRYPTED, registrations=[CURRENT])
    results, found = run({"root_key": "crk", "keep_current_root_key": True})
    assert results["root_key"]["status"] == "passed" and not found.warnings
    assert fakes["kms"].registrations.call_count == 1
    assert fakes["kms"].get_key.call_args_list == [(("k1",),)]
    assert not pr.TaggingClient(None).tags_of.called


def test_the_view_is_the_clusters_kms_configuration_in_the_instance(monkeypatch):
    install(monkeypatch, cluster=ENCRYPTED, registrations=[OLDER, CURRENT])
    _results, found = run({"min_days_before_expiration": 400})
    view = found.view
    assert (view["enabled"], view["instance_id"], view["root_key_id"], view["root_key_state"]) == (True, GUID, "k1", "active")
    assert view["root_key_days_until_expiration"] == 365 and not view["healthy"]
    assert any("expires in 365 days" in problem for problem in view["problems"])


def test_the_view_of_a_cluster_on_another_key_names_the_registered_key_only(monkeypatch):
    install(monkeypatch, cluster=ENCRYPTED, registrations=[{**CURRENT, "keyId": "k9", "keyName": "other"}])
    _results, found = run()
    assert (found.view["root_key_id"], found.view["root_key_name"], found.view["root_key_state"]) == ("k9", "other", None)


def test_the_view_of_a_cluster_without_kms(monkeypatch):
    install(monkeypatch)
    _results, found = run()
    assert found.view["enabled"] is False and found.view["root_key_id"] is None


# -- a fleet in one run ------------------------------------------------------------------------------------
def test_a_fleet_reads_what_its_clusters_share_once(monkeypatch):
    encrypted = [{**ENCRYPTED, "id": f"c{n}", "name": f"demo{n}",
                  "crn": f"crn:v1:bluemix:public:containers-kubernetes:us-south:a/{ACCOUNT}:c{n}::"} for n in range(5)]
    registrations = [{"keyId": "k1", "resourceCrn": cluster["crn"]} for cluster in encrypted]
    fakes = install(monkeypatch, registrations=registrations)
    fakes["containers"].get_cluster.side_effect = lambda name: next(c for c in encrypted if c["name"] == name)
    calls = {"policies": 0, "authorization": 0}

    def counted(name, value):
        def answer_once(*_args, **_kwargs):
            calls[name] += 1
            return value
        return answer_once

    monkeypatch.setattr(pr_roles, "caller_policies", counted("policies", ADMIN))
    monkeypatch.setattr(pr_roles, "find_covering_authorization", counted("authorization", {"id": "auth1"}))
    asks = [pr.Ask(cluster=f"demo{n}", instance="kp", root_key="crk", create_instance=True) for n in range(5)]
    checked = pr.check_each(session, asks)
    assert [found.cluster["name"] for _results, found in checked] == [f"demo{n}" for n in range(5)]
    assert all(found.converged for _results, found in checked)
    assert fakes["containers"].get_cluster.call_count == 5
    assert fakes["resources"].lookup_instances.call_count == 1 and fakes["resources"].resource_group.call_count == 1
    assert fakes["kms"].registrations.call_count == 1 and fakes["kms"].get_key.call_count == 1  # one key for all
    assert calls == {"policies": 1, "authorization": 1}


def test_a_failed_shared_read_fails_each_cluster_alike_and_is_not_repeated(monkeypatch):
    fakes = install(monkeypatch, instances=ServerError("down", status=503))
    checked = pr.check_each(session, [pr.Ask(cluster="demo", instance="kp", root_key="crk") for _n in range(3)])
    assert [{r["name"]: r["status"] for r in results}["instance"] for results, _found in checked] == ["unverified"] * 3
    assert fakes["resources"].lookup_instances.call_count == 1


def test_read_once_answers_every_asker_with_the_first_read_or_its_error():
    reads, answers = pr.ReadOnce(), iter([1, 2])
    assert [reads.get(("a",), lambda: next(answers)) for _n in range(2)] == [1, 1]
    with pytest.raises(ServerError):
        reads.get(("b",), answer(ServerError("down", status=503)))
    with pytest.raises(ServerError):
        reads.get(("b",), lambda: 3)
