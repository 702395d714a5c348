# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The summary the cluster_encryption role keeps and shows for each cluster, as a table."""

from __future__ import annotations

import pytest

from ansible_collections.ibmcloud.kms.plugins.filter.setup_summary import FilterModule
from ansible_collections.ibmcloud.kms.plugins.plugin_utils._summary import after_steps, summary

INSTANCE = {"guid": "g1", "name": "kp"}
KEY = {"id": "k1", "name": "demo-crk", "state": "active", "expiration_date": "2027-11-30T00:00:00Z"}
HEALTHY = {"enabled": True, "root_key_id": "k1", "root_key_days_until_expiration": 364, "master_status": "Ready",
           "healthy": True, "problems": []}
BASE = dict(cluster="demo", check_mode=False, kms_instance=INSTANCE, instance_created=False, service="key-protect", key=KEY,
            key_name="demo-crk", key_created=False, key_changed=False, kms_changed=False)

# (view, changes to BASE, problem fragment or None, the four lines)
CASES = [
    (HEALTHY, {}, None, [
        "KMS instance kp (g1): found",
        "Root key demo-crk (k1): found, active, expires 2027-11-30T00:00:00Z",
        "Cluster demo: KMS on (unchanged), root key k1, 364 days to expiration, master Ready",
        "Healthy"]),
    (HEALTHY, {"instance_created": True, "kms_changed": True}, None, [
        "KMS instance kp (g1): created",
        "Root key demo-crk (k1): created, active, expires 2027-11-30T00:00:00Z",
        "Cluster demo: KMS on (changed now), root key k1, 364 days to expiration, master Ready",
        "Healthy"]),
    ({**HEALTHY, "root_key_id": "k0"}, {}, "is not encrypted with root key k1 in a healthy state: KMS is off or uses another key",
     None),
    ({**HEALTHY, "healthy": False, "problems": ["master update_failed"]}, {},
     "in a healthy state: master update_failed", [None, None, None, "Problems: master update_failed"]),
    (None, {}, "KMS is off or uses another key", [
        "KMS instance kp (g1): found",
        "Root key demo-crk (k1): found, active, expires 2027-11-30T00:00:00Z",
        "Cluster demo: KMS off (unchanged), root key None, None days to expiration, master None",
        "Problems: "]),
    # check mode that predicts a change: no problem, and the lines say what would be
    ({"enabled": False}, {"check_mode": True, "kms_instance": {"guid": None, "name": "kp"},
                          "instance_created": True, "key": {}, "kms_changed": True}, None, [
        "KMS instance kp (new): would be created",
        "Root key demo-crk (new): would be created",
        "Cluster demo: KMS would be enabled with the new root key",
        "Check mode: nothing was changed"]),
    # check mode on a converged cluster: what it is
    (HEALTHY, {"check_mode": True}, None, [None, None, None, "Check mode: nothing was changed"]),
    # check mode that predicts a change of the key only (its rotation policy): no problem either
    ({"enabled": False}, {"check_mode": True, "key_changed": True}, None, None),
    # ... which without check mode is one
    ({"enabled": False}, {"key_changed": True}, "KMS is off or uses another key", None),
]


@pytest.mark.parametrize("view, changes, problem, lines", CASES)
def test_summary(view, changes, problem, lines):
    done = summary(view, **{**BASE, **changes})
    assert (done["problem"] is None) is (problem is None)
    if problem:
        assert problem in done["problem"]
    for got, want in zip(done["lines"], lines or [None] * 4):
        if want is not None:
            assert got == want


# (authorization results, this cluster's target, created)
AUTHORIZATIONS = [
    ([{"changed": True, "item": {"instance": "g1"}}], {"instance": "g1"}, True),
    ([{"changed": False, "item": {"instance": "g1"}}], {"instance": "g1"}, False),
    ([{"changed": True, "item": {"instance": "g2"}}], {"instance": "g1"}, False),
    ([{"changed": True, "item": {"instance": "g1"}}], None, False),
    ([], {"instance": "g1"}, False),
]


@pytest.mark.parametrize("results, target, created", AUTHORIZATIONS)
def test_summary_says_whether_this_clusters_authorization_was_created(results, target, created):
    done = summary(HEALTHY, **BASE, authorization_results=results, authorization_target=target)
    assert done["authorization_created"] is created


def test_summary_keeps_the_fields_the_role_documents():
    done = summary(HEALTHY, **BASE, unverified=["cluster_administrator"])
    assert set(done) == {"cluster", "check_mode", "instance", "root_key", "authorization_created", "kms_changed", "enabled",
                         "cluster_root_key_id", "root_key_days_until_expiration", "master_status", "healthy", "problems",
                         "unverified_prerequisites", "problem", "lines"}
    assert done["instance"] == {"guid": "g1", "name": "kp", "service": "key-protect", "created": False}
    assert done["root_key"]["created"] is False and done["unverified_prerequisites"] == ["cluster_administrator"]


def test_a_key_without_a_name_shows_the_name_asked_for():
    assert summary(HEALTHY, **{**BASE, "key": {}})["root_key"]["name"] == "demo-crk"


def test_the_filter_is_the_summary():
    assert FilterModule().filters()["setup_summary"](HEALTHY, **BASE) == summary(HEALTHY, **BASE)


OTHER = {**HEALTHY, "root_key_id": "k2"}
# (what the first read found, what the enable step saw, what a read back found, check mode, the view after the steps)
VIEWS = [
    (HEALTHY, None, [], False, HEALTHY),
    (HEALTHY, OTHER, [], False, OTHER),
    (HEALTHY, OTHER, [], True, HEALTHY),  # in check mode, the enable step's view is a prediction
    (HEALTHY, OTHER, [{"enabled": False}], False, {"enabled": False}),
    (None, None, [], False, {}),
]


@pytest.mark.parametrize("read_view, enabled_view, read_back, check_mode, view", VIEWS)
def test_the_view_after_the_steps(read_view, enabled_view, read_back, check_mode, view):
    assert after_steps(read_view, enabled_view, read_back, check_mode=check_mode) == view
    done = summary(read_view, **{**BASE, "check_mode": check_mode}, enabled_view=enabled_view, read_back=read_back)
    assert done["cluster_root_key_id"] == view.get("root_key_id")
