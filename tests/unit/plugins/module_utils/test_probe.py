# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest

from ansible_collections.ibmcloud.kms.plugins.module_utils import _probe as probe

ACCOUNT = "0123456789abcdef0123456789abcdef"
CLUSTER_ID = "bs65tjud0j4njc8pu30g"
NOW = 1_800_000_000.0

# (raw resourceCrn, redacted shape)
CRNS = [
    (f"crn:v1:bluemix:public:containers-kubernetes:us-south:a/{ACCOUNT}:{CLUSTER_ID}::",
     "crn:v1:bluemix:public:containers-kubernetes:us-south:a/<account>:<cluster-id-1>::"),
    (f"crn:v1:bluemix:public:containers-kubernetes:us-south:a/{ACCOUNT}:{CLUSTER_ID}:secret:kms",
     "crn:v1:bluemix:public:containers-kubernetes:us-south:a/<account>:<cluster-id-1>:secret:kms"),
    # ids the probe was not told about are masked too
    (f"crn:v1:bluemix:public:containers-kubernetes:eu-de:a/ffffffffffffffffffffffffffffffff:{CLUSTER_ID}:worker:w0123456789abcdef",
     "crn:v1:bluemix:public:containers-kubernetes:eu-de:a/<id>:<cluster-id-1>:worker:<id>"),
]


def redactor():
    redact = probe.Redactor()
    redact.fixed(ACCOUNT, "<account>")
    redact.fixed(CLUSTER_ID, "<cluster-id-1>")
    return redact


@pytest.mark.parametrize("crn, shape", CRNS)
def test_a_registration_crn_keeps_its_shape_and_loses_its_ids(crn, shape):
    evidence = probe.registration_evidence({"resourceCrn": crn, "keyId": "k-secret"}, None, redactor(), NOW)
    assert evidence["resource_crn"] == shape
    assert evidence["key"] == "<key-1>" and "k-secret" not in json.dumps(evidence)


# (registration's version, key's version, key's last rotation, key_version, hours_since_rotation)
VERSIONS = [
    ("v2", "v2", "2027-01-14T00:00:00Z", "current", 32.0),
    ("v1", "v2", "2027-01-14T00:00:00Z", "older", 32.0),
    (None, "v2", None, None, None),
    ("v1", None, None, "unknown", None),       # the key could not be read
]


@pytest.mark.parametrize("registered, current, rotated, version, hours", VERSIONS)
def test_a_registration_says_whether_it_shows_the_keys_current_version(registered, current, rotated, version, hours):
    registration = {"keyId": "k1", "keyVersion": {"id": registered} if registered else None}
    key = {"keyVersion": {"id": current}, "lastRotateDate": rotated} if current else None
    evidence = probe.registration_evidence(registration, key, redactor(), NOW)
    assert (evidence["key_version"], evidence["hours_since_rotation"]) == (version, hours)


# (status, body, reported)
OWNERS = [
    (200, {"id": "IBMid-55000ABC", "name": "Pat", "email": "pat@example.com"},
     {"status": 200, "fields": ["email", "id", "name"], "id_kind": "IBMid"}),
    (200, {"ID": "iam-ServiceId-1234", "Name": "Pat", "Email": "pat@example.com"},
     {"status": 200, "fields": ["Email", "ID", "Name"], "id_kind": "iam"}),
    (200, {"name": "Pat", "email": "pat@example.com"}, {"status": 200, "fields": ["email", "name"], "id_kind": None}),
    (200, {"id": "1234"}, {"status": 200, "fields": ["id"], "id_kind": "other"}),
    (404, None, {"status": 404, "fields": None, "id_kind": None}),
    (200, ["not", "a", "dict"], {"status": 200, "fields": None, "id_kind": None}),
]


@pytest.mark.parametrize("status, body, reported", OWNERS)
def test_the_owner_answer_keeps_field_names_never_values(status, body, reported):
    answer = probe.owner_answer(status, body)
    assert answer == reported
    assert "Pat" not in json.dumps(answer) and "example.com" not in json.dumps(answer)


def test_placeholders_are_numbered_per_kind_and_replace_every_occurrence():
    redact = probe.Redactor()
    names = [redact.name(value, kind) for value, kind in (("k-one", "key"), ("g-one", "instance"), ("k-two", "key"),
                                                          ("k-one", "key"))]
    assert names == ["<key-1>", "<instance-1>", "<key-2>", "<key-1>"]
    assert redact.name(None, "key") is None
    assert redact.text("k-one:g-one:k-two:k-one") == "<key-1>:<instance-1>:<key-2>:<key-1>"
    assert redact.text(5) == 5


def test_the_report_names_what_is_not_probed():
    report = probe.report([], [], "2027-01-01T00:00:00Z")
    assert report["version"] == probe.REPORT_VERSION and "previous-key-error" in report["not_probed"]
