# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The summary the cluster_encryption role keeps and shows for each cluster, as tables."""

from __future__ import annotations

import pytest

from ansible_collections.ibmcloud.kms.plugins.filter.setup_summary import FilterModule
from ansible_collections.ibmcloud.kms.plugins.plugin_utils._summary import after_steps, summary

INSTANCE = {"guid": "g1", "name": "kp"}
KEY = {"id": "k1", "name": "demo-crk", "state": "active", "expiration_date": "2027-11-30T00:00:00Z"}
HEALTHY = {"enabled": True, "root_key_id": "k1", "root_key_days_until_expiration": 364, "master_status": "Ready",
           "healthy": True, "problems": []}
OFF = {"enabled": False, "root_key_id": None, "root_key_days_until_expiration": None, "master_status": "Ready",
       "healthy": False, "problems": []}
# What the first read found: a converged cluster, and one with nothing made yet.
CONVERGED = {"instance": INSTANCE, "root_key": KEY, "cluster_kms": HEALTHY, "unverified": []}
FRESH = {"instance": None, "root_key": None, "cluster_kms": OFF, "unverified": []}
BASE = dict(cluster="demo", check_mode=False, service="key-protect", kms_instance=INSTANCE, key_name="demo-crk")
CREATED_KEY = {"changed": True, "created": True, "root_key": KEY}
ENABLED = {"changed": True, "cluster_kms": HEALTHY}

# (read, changes to BASE, problem fragment or None, the four lines; None where a case does not care)
CASES = [
    (CONVERGED, {}, None, [
        "KMS instance kp (g1): found",
        "Root key demo-crk (k1): found, active, expires 2027-11-30T00:00:00Z",
        "Cluster demo: KMS on (unchanged), root key k1, 364 days to expiration, master Ready",
        "Healthy"]),
    (FRESH, {"key_result": CREATED_KEY, "enable_result": ENABLED}, None, [
        "KMS instance kp (g1): created",
        "Root key demo-crk (k1): created, active, expires 2027-11-30T00:00:00Z",
        "Cluster demo: KMS on (changed now), root key k1, 364 days to expiration, master Ready",
        "Healthy"]),
    ({**CONVERGED, "cluster_kms": {**HEALTHY, "root_key_id": "k0"}}, {},
     "is not encrypted with root key k1 in a healthy state: KMS is off or uses another key", None),
    ({**CONVERGED, "cluster_kms": {**HEALTHY, "healthy": False, "problems": ["master update_failed"]}}, {},
     "in a healthy state: master update_failed", [None, None, None, "Problems: master update_failed"]),
    ({"instance": INSTANCE, "root_key": KEY, "cluster_kms": None}, {}, "KMS is off or uses another key", [
        None, None, "Cluster demo: KMS off (unchanged), root key None, None days to expiration, master None", "Problems: "]),
    # a key whose step failed: the key the read found, and the cluster as it is
    (CONVERGED, {"key_result": {"failed": True, "msg": "HTTP 500"}}, None,
     [None, "Root key demo-crk (k1): found, active, expires 2027-11-30T00:00:00Z", None, None]),
    # check mode that predicts a change: no problem, and the lines say what would be
    (FRESH, {"check_mode": True, "kms_instance": {"guid": None, "name": "kp"},
             "key_result": {"changed": True, "created": True, "root_key": {"id": None, "name": "demo-crk"}},
             "enable_result": {"changed": True, "cluster_kms": HEALTHY}}, None, [
        "KMS instance kp (new): would be created",
        "Root key demo-crk (new): would be created",
        "Cluster demo: KMS would be enabled with the new root key",
        "Check mode: nothing was changed"]),
    # check mode on a converged cluster: what it is
    (CONVERGED, {"check_mode": True}, None, [None, None, None, "Check mode: nothing was changed"]),
    # check mode that predicts a change of the key only (its rotation policy): no problem either...
    ({**CONVERGED, "cluster_kms": OFF}, {"check_mode": True, "key_result": {"changed": True}}, None, None),
    # ... which without check mode is one
    ({**CONVERGED, "cluster_kms": OFF}, {"key_result": {"changed": True}}, "KMS is off or uses another key", None),
]


@pytest.mark.parametrize("read, changes, problem, lines", CASES)
def test_summary(read, changes, problem, lines):
    done = summary(read, **{**BASE, **changes})
    assert (done["problem"] is None) is (problem is None), done["problem"]
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
    done = summary(CONVERGED, **BASE, authorization_results=results, authorization_target=target)
    assert done["authorization_created"] is created


def test_summary_keeps_the_fields_the_role_documents():
    done = summary({**CONVERGED, "unverified": ["cluster_administrator"]}, **BASE)
    assert set(done) == {"cluster", "check_mode", "instance", "root_key", "authorization_created", "kms_changed", "enabled",
                         "cluster_root_key_id", "root_key_days_until_expiration", "master_status", "healthy", "problems",
                         "unverified_prerequisites", "problem", "lines"}
    assert done["instance"] == {"guid": "g1", "name": "kp", "service": "key-protect", "created": False}
    assert done["root_key"]["created"] is False and done["unverified_prerequisites"] == ["cluster_administrator"]


def test_a_cluster_without_a_key_shows_the_name_asked_for():
    assert summary({**CONVERGED, "root_key": None}, **BASE)["root_key"]["name"] == "demo-crk"


def test_the_filter_is_the_summary():
    assert FilterModule().filters()["setup_summary"](CONVERGED, **BASE) == summary(CONVERGED, **BASE)


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
    done = summary({**CONVERGED, "cluster_kms": read_view}, **{**BASE, "check_mode": check_mode},
                   enable_result={"cluster_kms": enabled_view} if enabled_view else None, read_back=read_back)
    assert done["cluster_root_key_id"] == view.get("root_key_id")
