# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.ibmcloud.kms.plugins.module_utils import _instance_policies as policies
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import BadRequestError, IBMCloudError, InputError

DEFAULTS = policies.current([])
NETWORK_ON = {"policy_type": "allowedNetwork",
              "policy_data": {"enabled": True, "attributes": {"allowed_network": "private-only"}}}
IP_ON = {"policy_type": "allowedIP",
         "policy_data": {"enabled": True, "attributes": {"allowed_ip": ["192.0.2.0/24", "203.0.113.0/32"]}}}


# (resources listed by GET /instance/policies, option name, its view)
CURRENT = [
    ([], "dual_auth_delete", {"enabled": False}),
    ([], "allowed_ip", {"enabled": False, "subnets": []}),
    ([NETWORK_ON], "allowed_network", {"enabled": True, "network": "private-only"}),
    ([IP_ON, IP_ON], "allowed_ip", {"enabled": True, "subnets": ["192.0.2.0/24", "203.0.113.0/32"]}),
    ([{"policy_type": "metrics", "policy_data": {"enabled": True}}], "metrics", {"enabled": True}),
    ([{"policy_type": "rotation", "policy_data": {"enabled": True, "attributes": {"interval_month": 3}}}], "rotation",
     {"enabled": True, "interval_month": 3}),
    # the defaults listed by an instance that lists unset policies, and a policy type this collection does not know
    ([{"policy_type": "keyCreateImportAccess", "policy_data": {"enabled": False}}, {"policy_type": "newKind"}],
     "key_create_import_access", {"enabled": False, **policies.KEY_ACCESS_DEFAULTS}),
]


@pytest.mark.parametrize("resources, name, view", CURRENT)
def test_current(resources, name, view):
    assert policies.current(resources)[name] == view


def test_a_policy_listed_twice_differently_stops_before_any_change():
    other = {"policy_type": "allowedIP", "policy_data": {"enabled": False}}
    with pytest.raises(IBMCloudError, match="twice, with different settings.*nothing was changed"):
        policies.current([IP_ON, other])


# (options, the views asked for)
WANTED = [
    ({}, {}),
    ({"metrics": {"enabled": True}, "rotation": None}, {"metrics": {"enabled": True}}),
    ({"key_create_import_access": {"enabled": True, "create_standard_key": False}},
     {"key_create_import_access": {"enabled": True, **policies.KEY_ACCESS_DEFAULTS, "create_standard_key": False}}),
    ({"allowed_ip": {"enabled": False, "subnets": None}}, {"allowed_ip": {"enabled": False, "subnets": []}}),
    ({"rotation": {"enabled": False, "interval_month": None}}, {"rotation": {"enabled": False, "interval_month": None}}),
]


@pytest.mark.parametrize("params, views", WANTED)
def test_wanted(params, views):
    assert policies.wanted(params) == views


# (options, what the error names)
BAD_INPUT = [
    ({"rotation": {"enabled": True, "interval_month": None}}, "rotation.interval_month"),
    ({"rotation": {"enabled": True, "interval_month": 13}}, "from 1 to 12"),
    ({"allowed_ip": {"enabled": True, "subnets": []}}, "at least one subnet"),
    ({"allowed_ip": {"enabled": True, "subnets": ["192.0.2.1", "192.0.2.0/24", "10.0.0.1/8"]}},
     "not: 192.0.2.1, 10.0.0.1/8"),
    ({"allowed_ip": {"enabled": True, "subnets": ["10.0.0.0/8"] * 1001}}, "at most 1000"),
]


@pytest.mark.parametrize("params, named", BAD_INPUT)
def test_bad_input_is_refused_with_what_to_fix(params, named):
    with pytest.raises(InputError, match=named):
        policies.wanted(params)


def test_every_problem_is_named_at_once():
    with pytest.raises(InputError) as raised:
        policies.wanted({"rotation": {"enabled": True, "interval_month": 0},
                         "allowed_ip": {"enabled": True, "subnets": ["x"]}})
    assert "rotation.interval_month" in raised.value.message and "not: x" in raised.value.message


# (what the instance has, what is asked, whether it must change)
DIFFERS = [
    ({"enabled": False}, {"enabled": False}, False),
    ({"enabled": False}, {"enabled": True}, True),
    ({"enabled": False, "subnets": ["192.0.2.0/24"]}, {"enabled": False, "subnets": []}, False),
    ({"enabled": True, "subnets": ["b/1", "a/1"]}, {"enabled": True, "subnets": ["a/1", "b/1"]}, False),
    ({"enabled": True, "subnets": ["a/1"]}, {"enabled": True, "subnets": ["a/1", "b/1"]}, True),
    ({"enabled": True, "interval_month": 3}, {"enabled": True, "interval_month": 6}, True),
    ({"enabled": True, "network": "private-only"}, {"enabled": True, "network": "private-only"}, False),
]


@pytest.mark.parametrize("have, want, expected", DIFFERS)
def test_differs(have, want, expected):
    assert policies.differs(have, want) is expected


def test_changes_keep_the_documented_order_and_skip_what_matches():
    want = {"rotation": {"enabled": True, "interval_month": 1}, "dual_auth_delete": {"enabled": True},
            "metrics": {"enabled": False}}
    assert policies.changes(DEFAULTS, want) == ["dual_auth_delete", "rotation"]


# (option name, view, the policy_data sent)
POLICY_DATA = [
    ("dual_auth_delete", {"enabled": True}, {"enabled": True}),
    ("metrics", {"enabled": False}, {"enabled": False}),
    ("allowed_ip", {"enabled": True, "subnets": ["a/1"]}, {"enabled": True, "attributes": {"allowed_ip": ["a/1"]}}),
    ("allowed_ip", {"enabled": False, "subnets": []}, {"enabled": False}),
    ("rotation", {"enabled": False, "interval_month": None}, {"enabled": False}),
    ("allowed_network", {"enabled": False, "network": "public-and-private"},
     {"enabled": False, "attributes": {"allowed_network": "public-and-private"}}),
    ("key_create_import_access", {"enabled": True, **policies.KEY_ACCESS_DEFAULTS},
     {"enabled": True, "attributes": policies.KEY_ACCESS_DEFAULTS}),
]


@pytest.mark.parametrize("name, view, data", POLICY_DATA)
def test_policy_data(name, view, data):
    assert policies.policy_data(name, view) == data


class Recorder:
    """set_instance_policy that refuses what REFUSE says (policy_type, has attributes) with a 400."""

    def __init__(self, refuse=()):
        self.sent, self.refuse = [], set(refuse)

    def __call__(self, policy_type, data):
        self.sent.append((policy_type, data))
        if (policy_type, "attributes" in data) in self.refuse:
            raise BadRequestError("bad body", status=400)


NETWORK_OFF = {"enabled": False, "network": "public-and-private"}
HAVE_NETWORK = dict(DEFAULTS, allowed_network={"enabled": True, "network": "private-only"})


# (what a disable of allowedNetwork with / without its attribute gets refused, the bodies sent)
DISABLE_NETWORK = [
    ((), [{"enabled": False, "attributes": {"allowed_network": "public-and-private"}}]),
    ({("allowedNetwork", True)},
     [{"enabled": False, "attributes": {"allowed_network": "public-and-private"}}, {"enabled": False}]),
]


@pytest.mark.parametrize("refuse, bodies", DISABLE_NETWORK)
def test_disabling_the_network_policy_works_either_way_ibm_documents(refuse, bodies):
    sent = Recorder(refuse)
    assert policies.set_all(sent, HAVE_NETWORK, {"allowed_network": NETWORK_OFF}) == ["allowed_network"]
    assert [data for _type, data in sent.sent] == bodies


def test_a_bad_request_is_not_retried_for_other_policies():
    sent = Recorder({("allowedIP", True)})
    with pytest.raises(BadRequestError):
        policies.set_all(sent, DEFAULTS, {"allowed_ip": {"enabled": True, "subnets": ["a/1"]}})
    assert len(sent.sent) == 1


def test_a_failure_after_a_change_says_what_was_set_and_counts_as_changed():
    sent = Recorder({("metrics", False)})
    with pytest.raises(BadRequestError) as raised:
        policies.set_all(sent, DEFAULTS, {"metrics": {"enabled": True}, "dual_auth_delete": {"enabled": True}})
    assert raised.value.changed is True
    assert "already set: dual_auth_delete" in raised.value.message


# (what is asked, the endpoint type, whether it is refused)
REFUSAL = [
    ({"allowed_network": {"enabled": True, "network": "private-only"}}, "public", True),
    ({"allowed_network": {"enabled": True, "network": "private-only"}}, "private", False),
    ({"allowed_network": {"enabled": False, "network": "private-only"}}, "public", False),
    ({"allowed_network": {"enabled": True, "network": "public-and-private"}}, "public", False),
    ({}, "public", False),
]


@pytest.mark.parametrize("want, endpoint_type, refused", REFUSAL)
def test_private_only_is_refused_over_the_public_endpoint(want, endpoint_type, refused):
    assert (policies.refusal(want, endpoint_type) is not None) is refused


def test_after_shows_every_policy_with_the_asked_ones_set():
    done = policies.after(DEFAULTS, {"metrics": {"enabled": True}})
    assert done["metrics"] == {"enabled": True} and done["rotation"] == DEFAULTS["rotation"]
    assert set(done) == set(policies.POLICIES)
