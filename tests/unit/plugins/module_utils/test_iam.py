# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest
import requests

from ansible_collections.ibmcloud.kms.plugins.module_utils._client import ConnectionSettings, Session
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import (
    BadRequestError,
    ConflictError,
    ForbiddenError,
    InputError,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._iam import (
    IamPolicyClient,
    conflicting_policy,
    describe_policy,
    find_covering_authorization,
    instance_guid,
    make_grant,
    policy_covers,
    policy_matches,
    predicted_policy,
    role_crn,
)

from .fake_transport import FakeAdapter, make_token, mount

A, B = "aa000000000000000000000000000000", "bb000000000000000000000000000000"
G1, G2 = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
READER = "crn:v1:bluemix:public:iam::::serviceRole:Reader"
WRITER = "crn:v1:bluemix:public:iam::::serviceRole:Writer"
DELEGATOR = "crn:v1:bluemix:public:iam::::role:AuthorizationDelegator"


def grant(source="containers-kubernetes", source_account=A, target="kms", target_account=A, instance=G1,
          roles=("Reader",)):
    return make_grant(source_service=source, source_account_id=source_account, target_service=target,
                      target_account_id=target_account, target_instance=instance, roles=roles)


def policy(pid="p1", source="containers-kubernetes", source_account=A, target="kms", target_account=A,
           instance=G1, roles=(READER,), ops=None, extra_subject=None, extra_resource=None, **fields):
    """An IAM v1 authorization policy; ``ops`` maps resource attribute names to operators."""
    ops = ops or {}
    subject = [{"name": "serviceName", "value": source}, {"name": "accountId", "value": source_account}]
    subject += [{"name": k, "value": v} for k, v in (extra_subject or {}).items()]
    values = {"serviceName": target, "accountId": target_account, "serviceInstance": instance, **(extra_resource or {})}
    resource = [{"name": k, "value": v, "operator": ops.get(k, "stringEquals")} for k, v in values.items()
                if v is not None]
    body = {"id": pid, "type": "authorization", "state": "active", "subjects": [{"attributes": subject}],
            "roles": [{"role_id": r} for r in roles], "resources": [{"attributes": resource}],
            "created_at": "2026-11-27T12:00:00Z"}
    body.update(fields)
    return body


@pytest.mark.parametrize(
    "role, crn",
    [
        ("Reader", READER),
        ("Writer", WRITER),
        ("Manager", "crn:v1:bluemix:public:iam::::serviceRole:Manager"),
        ("AuthorizationDelegator", DELEGATOR),
        ("Viewer", "crn:v1:bluemix:public:iam::::role:Viewer"),
        (READER, READER),
        ("crn:v1:bluemix:public:kms::::serviceRole:KeyPurge", "crn:v1:bluemix:public:kms::::serviceRole:KeyPurge"),
    ],
)
def test_role_crn(role, crn):
    assert role_crn(role) == crn


@pytest.mark.parametrize(
    "value, service, expected",
    [
        (None, "kms", None),
        ("", "kms", None),
        (G1, "kms", G1),
        (f"crn:v1:bluemix:public:kms:us-south:a/{A}:{G1}::", "kms", G1),
        (f"crn:v1:bluemix:public:hs-crypto:us-south:a/{A}:{G1}::", "hs-crypto", G1),
        (f"crn:v1:bluemix:public:hs-crypto:us-south:a/{A}:{G1}::", "", G1),
    ],
)
def test_instance_guid(value, service, expected):
    assert instance_guid(value, service) == expected


@pytest.mark.parametrize(
    "value, message",
    [
        (f"crn:v1:bluemix:public:hs-crypto:us-south:a/{A}:{G1}::", "hs-crypto instance"),
        ("crn:v1:bluemix:public:kms:us-south:a/x", "not an instance CRN"),
        (f"crn:v1:bluemix:public:kms:us-south:a/{A}:::", "not an instance CRN"),
    ],
)
def test_bad_instance_is_an_input_error(value, message):
    with pytest.raises(InputError, match=message):
        instance_guid(value, "kms")


def test_grant_shape_and_role_order():
    assert grant(roles=("AuthorizationDelegator", "Reader", "Reader")) == {
        "subject": {"serviceName": "containers-kubernetes", "accountId": A},
        "resource": {"serviceName": "kms", "accountId": A, "serviceInstance": G1},
        "roles": [DELEGATOR, READER],
    }
    assert "serviceInstance" not in grant(instance=None)["resource"]
    with pytest.raises(InputError, match="at least one role"):
        grant(roles=())


# (description, existing policy, requested grant, covers, matches exactly)
COVERAGE = [
    ("identical", policy(), grant(), True, True),
    ("whole service covers one instance", policy(instance=None), grant(), True, False),
    ("whole service matches a whole-service request", policy(instance=None), grant(instance=None), True, True),
    ("one instance does not cover the whole service", policy(), grant(instance=None), False, False),
    ("another instance", policy(instance=G2), grant(), False, False),
    ("more roles cover fewer", policy(roles=(READER, DELEGATOR)), grant(), True, False),
    ("fewer roles do not cover more", policy(), grant(roles=("Reader", "AuthorizationDelegator")), False, False),
    ("same roles in another order", policy(roles=(DELEGATOR, READER)), grant(roles=("Reader", "AuthorizationDelegator")),
     True, True),
    ("another role", policy(roles=(WRITER,)), grant(), False, False),
    ("whole service with more roles", policy(instance=None, roles=(READER, WRITER)), grant(), True, False),
    ("another source service", policy(source="server-protect"), grant(), False, False),
    ("server-protect identical", policy(source="server-protect"), grant(source="server-protect"), True, True),
    ("another target service", policy(target="hs-crypto"), grant(), False, False),
    ("hs-crypto identical", policy(target="hs-crypto"), grant(target="hs-crypto"), True, True),
    ("another source account", policy(source_account=B), grant(), False, False),
    ("cross-account identical", policy(target_account=B), grant(target_account=B), True, True),
    ("cross-account vs same account", policy(target_account=B), grant(), False, False),
    ("wildcard instance covers", policy(instance="*", ops={"serviceInstance": "stringMatch"}), grant(), True, False),
    ("wildcard prefix covers", policy(instance="1111*", ops={"serviceInstance": "stringMatch"}), grant(), True, False),
    ("wildcard prefix misses", policy(instance="2222*", ops={"serviceInstance": "stringMatch"}), grant(), False, False),
    ("question mark is one character", policy(instance=G1[:-1] + "?", ops={"serviceInstance": "stringMatch"}),
     grant(), True, False),
    ("dot in a pattern is literal", policy(instance="1111111.*", ops={"serviceInstance": "stringMatch"}),
     grant(), False, False),
    ("wildcard service", policy(target="*", instance=None, ops={"serviceName": "stringMatch"}), grant(), True, False),
    ("wildcard needs a value", policy(instance="*", ops={"serviceInstance": "stringMatch"}), grant(instance=None),
     False, False),
    ("extra subject condition is narrower", policy(extra_subject={"serviceInstance": "cluster-1"}), grant(),
     False, False),
    ("extra resource condition is narrower", policy(extra_resource={"resourceGroupId": "rg"}), grant(), False, False),
    ("resource type condition is narrower", policy(extra_resource={"resourceType": "key"}), grant(), False, False),
    ("tag condition is narrower", policy(resources=[{"attributes": policy()["resources"][0]["attributes"],
                                                     "tags": [{"name": "env", "value": "prod"}]}]), grant(),
     False, False),
    ("deleted policy grants nothing", policy(state="deleted"), grant(), False, False),
    ("policy without state counts as active", {k: v for k, v in policy().items() if k != "state"}, grant(), True, True),
    ("access policy is not an authorization", policy(type="access"), grant(), False, False),
    ("two subjects are not understood", policy(subjects=policy()["subjects"] * 2), grant(), False, False),
    ("no resources", policy(resources=[]), grant(), False, False),
    ("no roles", policy(roles=()), grant(), False, False),
    ("resource with only the account covers", policy(resources=[{"attributes": [
        {"name": "accountId", "value": A, "operator": "stringEquals"}]}]), grant(), True, False),
    ("missing operator means stringEquals", policy(resources=[{"attributes": [
        {"name": "serviceName", "value": "kms"}, {"name": "accountId", "value": A},
        {"name": "serviceInstance", "value": G1}]}]), grant(), True, True),
]


@pytest.mark.parametrize("existing, wanted, covers, matches", [c[1:] for c in COVERAGE], ids=[c[0] for c in COVERAGE])
def test_coverage(existing, wanted, covers, matches):
    assert policy_covers(existing, wanted) is covers
    assert policy_matches(existing, wanted) is matches
    assert not matches or covers  # an exact match always covers


def test_describe_names_source_and_target_like_the_options():
    view = describe_policy(policy(target_account=B, description="d", href="https://iam/v1/policies/p1"))
    assert view["id"] == "p1" and view["description"] == "d" and view["href"].endswith("/p1")
    assert (view["source_service"], view["source_account_id"]) == ("containers-kubernetes", A)
    assert (view["target_service"], view["target_instance"], view["target_account_id"]) == ("kms", G1, B)
    assert describe_policy(policy(instance=None))["target_instance"] is None


def test_predicted_policy_is_what_the_list_would_show():
    predicted = predicted_policy(grant(roles=("Reader", "AuthorizationDelegator")), "why")
    assert predicted["id"] is None and predicted["description"] == "why" and predicted["state"] == "active"
    assert [r["display_name"] for r in predicted["roles"]] == ["AuthorizationDelegator", "Reader"]
    assert policy_matches({**predicted, "id": "x"}, grant(roles=("Reader", "AuthorizationDelegator")))


@pytest.mark.parametrize(
    "details, expected",
    [
        ({}, (None, None)),
        ({"conflicts_with": {"etag": "1-x", "policy": "p9"}}, ("p9", None)),
        ({"conflicts_with": {"policy": {"id": "p9", "control": {}}}}, ("p9", None)),
        ({"conflicts_with": {"policy": policy("p9")}}, ("p9", policy("p9"))),
    ],
)
def test_conflicting_policy_reads_an_object_or_an_id(details, expected):
    assert conflicting_policy(ConflictError("c", details=details)) == expected


# -- the client against a fake transport ------------------------------------------------------
def client(account="aa000000000000000000000000000000"):
    settings = ConnectionSettings(iam_token=make_token(account=account), endpoints={"iam_policy": "https://iam"},
                                  retries=1)
    return IamPolicyClient(Session(settings, sleep=lambda _s: None))


def page(*policies, start=None):
    body = {"limit": 100, "first": {"href": "https://iam/v1/policies"}, "policies": list(policies)}
    if start:
        body["next"] = {"href": f"https://iam/v1/policies?account_id=a&start={start}", "start": start}
    return (200, body)


def conflict(conflicts_with):
    return (409, {"errors": [{"code": "policy_conflict_error", "message": "Failed to create policy.",
                              "details": {"conflicts_with": conflicts_with}}], "trace": "t-1", "status_code": 409})


def test_list_follows_next_start_and_asks_for_active_authorizations():
    iam = client()
    adapter = mount(iam.pap, FakeAdapter([page(policy("p1"), start="tok"), page(policy("p2"))]))
    assert [p["id"] for p in iam.list_authorizations(B)] == ["p1", "p2"]
    first, second = (r.url for r in adapter.requests)
    assert "account_id=bb000000000000000000000000000000" in first and "type=authorization" in first and "state=active" in first
    assert "start=tok" in second


def test_lookup_lists_the_target_account_and_splits_exact_from_broader():
    iam = client()
    listed = [policy("exact", target_account=B), policy("wide", instance=None, target_account=B),
              policy("other", instance=G2, target_account=B)]
    adapter = mount(iam.pap, FakeAdapter([page(*listed)]))
    exact, broader = iam.lookup(grant(target_account=B))
    assert [p["id"] for p in exact] == ["exact"] and [p["id"] for p in broader] == ["wide"]
    assert "account_id=bb000000000000000000000000000000" in adapter.requests[0].url


def test_create_posts_the_v1_body():
    iam = client()
    adapter = mount(iam.pap, FakeAdapter([(201, policy("new"))]))
    created, result = iam.create_authorization(grant(roles=("Reader", "AuthorizationDelegator")), "d")
    assert created is True and result["id"] == "new"
    body = json.loads(adapter.requests[0].body)
    assert body["type"] == "authorization" and body["description"] == "d"
    assert body["subjects"] == [{"attributes": [{"name": "serviceName", "value": "containers-kubernetes"},
                                                {"name": "accountId", "value": A}]}]
    assert {"name": "serviceInstance", "value": G1, "operator": "stringEquals"} in body["resources"][0]["attributes"]
    assert body["roles"] == [{"role_id": DELEGATOR}, {"role_id": READER}]


# (409 answers and what follows, requests sent, adopted id)
CONFLICTS = [
    ([conflict({"etag": "1-a", "policy": policy("old", instance=None)})], 1, "old"),
    ([conflict({"etag": "1-a", "policy": "old"}), (200, policy("old"))], 2, "old"),
    ([conflict({"policy": {"id": "old", "control": {"grant": {}}}}), (200, policy("old"))], 2, "old"),
    ([conflict({}), page(policy("wide", instance=None))], 2, "wide"),
    ([conflict({"policy": "gone"}), (404, {"errors": [{"code": "policy_not_found", "message": "x"}]}),
      page(policy("wide", instance=None))], 3, "wide"),
]


@pytest.mark.parametrize("answers, sent, adopted", CONFLICTS)
def test_409_adopts_the_existing_policy_and_reports_no_change(answers, sent, adopted):
    iam = client()
    adapter = mount(iam.pap, FakeAdapter(answers))
    created, result = iam.create_authorization(grant())
    assert created is False and result["id"] == adopted
    assert len(adapter.requests) == sent
    assert [r.method for r in adapter.requests].count("POST") == 1


def test_409_that_names_nothing_findable_is_raised():
    iam = client()
    mount(iam.pap, FakeAdapter([conflict({}), page()]))
    with pytest.raises(ConflictError) as caught:
        iam.create_authorization(grant())
    assert caught.value.code == "policy_conflict_error" and caught.value.trace == "t-1"


def test_other_409_codes_are_not_adopted():
    iam = client()
    mount(iam.pap, FakeAdapter([(409, {"errors": [{"code": "policy_etag_mismatch", "message": "x"}]})]))
    with pytest.raises(ConflictError):
        iam.create_authorization(grant())


def test_lost_answer_is_adopted_by_looking_first():
    iam = client()
    adapter = mount(iam.pap, FakeAdapter([requests.ConnectionError("reset"), page(policy("mine"))]))
    created, result = iam.create_authorization(grant())
    assert created is True and result["id"] == "mine"
    assert [r.method for r in adapter.requests] == ["POST", "GET"]


def test_lost_answer_and_failed_look_create_again_and_adopt_the_409():
    iam = client()
    answers = [requests.ConnectionError("lost"), requests.ConnectionError("x"), requests.ConnectionError("y"),
               conflict({"policy": policy("mine")})]
    adapter = mount(iam.pap, FakeAdapter(answers))
    created, result = iam.create_authorization(grant())
    assert created is True and result["id"] == "mine"  # the 409 answers this run's own first create
    assert [r.method for r in adapter.requests] == ["POST", "GET", "GET", "POST"]


@pytest.mark.parametrize("call", ["create", "delete"])
def test_403_names_the_administrator_role_on_the_target(call):
    iam = client()
    mount(iam.pap, FakeAdapter([(403, {"errors": [{"code": "forbidden", "message": "not authorized"}]})]))
    with pytest.raises(ForbiddenError) as caught:
        if call == "create":
            iam.create_authorization(grant(target="hs-crypto", target_account=B))
        else:
            iam.delete_policy(policy(target="hs-crypto", target_account=B))
    assert "Administrator role on the target service (hs-crypto) in account bb000000000000000000000000000000" in caught.value.describe()


def test_403_on_list_names_the_viewer_role():
    iam = client()
    mount(iam.pap, FakeAdapter([(403, {"errors": [{"code": "forbidden", "message": "no"}]})]))
    with pytest.raises(ForbiddenError, match="") as caught:
        iam.list_authorizations(B)
    assert "Viewer role on IAM Access Management in account bb000000000000000000000000000000" in caught.value.describe()


def test_400_gets_no_role_hint():
    iam = client()
    mount(iam.pap, FakeAdapter([(400, {"errors": [{"code": "role_not_found", "message": "bad role"}]})]))
    with pytest.raises(BadRequestError) as caught:
        iam.create_authorization(grant(roles=("Nonsense",)))
    assert "Administrator" not in caught.value.describe()


@pytest.mark.parametrize("status", [204, 404])
def test_delete_treats_gone_as_deleted(status):
    iam = client()
    answer = (status, None if status == 204 else {"errors": [{"code": "policy_not_found", "message": "x"}]})
    adapter = mount(iam.pap, FakeAdapter([answer]))
    iam.delete_policy(policy("p1"))
    assert adapter.requests[0].method == "DELETE" and adapter.requests[0].url.endswith("/v1/policies/p1")


# (listed policies, extra arguments, expected id, expected covered_by)
COVERING = [
    ([], {}, None, None),
    ([policy("exact")], {}, "exact", None),
    ([policy("wide", instance=None), policy("exact")], {}, "exact", None),
    ([policy("wide", instance=None)], {}, "wide", "wide"),
    ([policy("more", roles=(READER, DELEGATOR))], {}, "more", "more"),
    ([policy("reader")], {"roles": ["Reader", "AuthorizationDelegator"]}, None, None),
    ([policy("hs", target="hs-crypto")], {"target_service": "hs-crypto"}, "hs", None),
    ([policy("x", source_account=B, target_account="acct-c")],
     {"source_account_id": B, "target_account_id": "acct-c"}, "x", None),
    ([policy("x", source_account=B)], {}, None, None),
]


@pytest.mark.parametrize("listed, kwargs, expected, covered_by", COVERING)
def test_find_covering_authorization(listed, kwargs, expected, covered_by):
    iam = client(account=A)
    adapter = mount(iam.pap, FakeAdapter([page(*listed)]))
    arguments = {"target_service": "kms", "target_instance": G1, **kwargs}
    found = find_covering_authorization(iam, **arguments)
    assert (found or {}).get("id") == expected
    assert (found or {}).get("covered_by") == covered_by
    assert f"account_id={kwargs.get('target_account_id', A)}" in adapter.requests[0].url


def test_effective_policies_add_those_of_every_access_group_of_the_identity():
    iam = client()
    groups = mount(iam.groups, FakeAdapter([
        (200, {"limit": 1, "offset": 0, "total_count": 2, "groups": [{"id": "AccessGroupId-a", "name": "a"}]}),
        (200, {"limit": 1, "offset": 1, "total_count": 2, "groups": [{"id": "AccessGroupId-b", "name": "b"}]}),
    ]))
    policies = mount(iam.pap, FakeAdapter([page(policy("own")), page(policy("of-a")), page(policy("of-b"))]))
    assert [p["id"] for p in iam.effective_access_policies("aa000000000000000000000000000000", "IBMid-x")] == ["own", "of-a", "of-b"]
    assert "iam_id=IBMid-x" in groups.requests[0].url and "offset=1" in groups.requests[1].url
    own, of_a, of_b = (r.url for r in policies.requests)
    assert "iam_id=IBMid-x" in own and "access_group_id=AccessGroupId-a" in of_a and "access_group_id=AccessGroupId-b" in of_b


def test_a_refused_access_group_list_names_the_role():
    iam = client()
    mount(iam.pap, FakeAdapter([page(policy("own"))]))
    mount(iam.groups, FakeAdapter([(403, {"errors": [{"code": "forbidden", "message": "no"}], "status_code": 403})]))
    with pytest.raises(ForbiddenError) as raised:
        iam.effective_access_policies("aa000000000000000000000000000000", "IBMid-x")
    assert "iam-groups" in raised.value.describe()
