# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input to every module: a clear message that names what to fix, no exception, and no changing request.

Each module gets a valid base (against the emulator's seeded world) and at least ten malformed sets on top of it:
what an unset templated variable gives (""), ids in the wrong format, dates that do not exist, zero or negative
timeouts and retries, files that are not there, wrong types and choices, and options that need each other. The
emulator's log of changing requests must stay empty through them all.
"""

from __future__ import annotations

import pytest
from conftest import changing_requests, connection, module, run_module

GUID = "12043812-757f-4e1e-8436-6af3245e6a69"
ACCOUNT = "a1b2c3d4e5f60718293a4b5c6d7e8f90"

# Malformed connection options, the same for every module: (overrides, a fragment the message must contain).
SHARED = [
    ({"timeout": 0}, "timeout=0 must be greater than 0"),
    ({"timeout": -1}, "timeout=-1 must be greater than 0"),
    ({"retries": -3}, "retries=-3 must be 0 or more"),
    ({"ca_path": "/nonexistent/ibm-ca.pem"}, "ca_path='/nonexistent/ibm-ca.pem' is not a file"),
    ({"region": ""}, "region='' is empty"),
    ({"endpoint_type": "intranet"}, "endpoint_type"),
    ({"validate_certs": "perhaps"}, "validate_certs"),
    ({"endpoints": {"keyprotect": "http://127.0.0.1:9"}}, "Unknown service in endpoints: keyprotect"),
    ({"no_such_option": 1}, "no_such_option"),
]

# module: (valid base, [(overrides, fragment), ...])
MODULES = {
    "kms_instance": (
        {"name": "kms-bad-input"},
        [
            ({"name": ""}, "name='' is empty"),
            ({"wait_timeout": 0}, "wait_timeout=0 must be greater than 0"),
            ({"wait_timeout": -5}, "wait_timeout=-5 must be greater than 0"),
            ({"resource_group": ""}, "resource_group='' is empty"),
            ({"plan": ""}, "plan='' is empty"),
            ({"service": "aws-kms"}, "service"),
            ({"state": "gone"}, "state"),
            ({"wait": "later"}, "wait"),
            ({"parameters": "allowed_network"}, "parameters"),
            ({"name": "", "wait_timeout": -1}, "wait_timeout=-1"),
        ],
    ),
    "kms_instance_info": (
        {},
        [
            ({"instance": ""}, "instance='' is empty"),
            ({"resource_group": ""}, "resource_group='' is empty"),
            ({"service": "aws-kms"}, "service"),
            ({"all_regions": "every"}, "all_regions"),
            ({"instance": "", "resource_group": ""}, "resource_group='' is empty"),
        ],
    ),
    "root_key": (
        {"instance": "demo-hpcs", "name": "crk-bad-input"},
        [
            ({"instance": ""}, "instance='' is empty"),
            ({"name": ""}, "name='' is empty"),
            ({"alias": "x"}, "alias='x' is not a key alias"),
            ({"alias": GUID}, "is a UUID"),
            ({"name": None, "key_id": "k-1"}, "key_id='k-1' is not a guid"),
            ({"name": None, "key_id": ""}, "key_id='' is empty"),
            ({"expiration_date": "2030-02-30T00:00:00Z"}, "does not exist"),
            ({"expiration_date": "tomorrow"}, "is not an RFC 3339 timestamp"),
            ({"rotation_policy": {"interval_month": 13}}, "interval_month must be 1 to 12"),
            ({"dual_auth_delete": True}, "acknowledge_irreversible"),
            ({"state": "absent", "force": True}, "acknowledge_data_loss"),
            ({"rotate": True, "state": "absent"}, "rotate=true needs state=present"),
            ({"key_ring": ""}, "key_ring='' is empty"),
            ({"name": None}, "name, alias, key_id"),
        ],
    ),
    "root_key_info": (
        {"instance": "demo-hpcs"},
        [
            ({"instance": ""}, "instance='' is empty"),
            ({"key_id": "not-an-id"}, "key_id='not-an-id' is not a guid"),
            ({"alias": "a b"}, "alias='a b' is not a key alias"),
            ({"name": ""}, "name='' is empty"),
            ({"expiring_within_days": -1}, "expiring_within_days=-1 must be 0 or more"),
            ({"include_deleted": "maybe"}, "include_deleted"),
            ({"key_id": GUID, "alias": "crk"}, "mutually exclusive"),
        ],
    ),
    "iam_policy": (
        {"target_service": "kms", "target_instance": GUID},
        [
            ({"target_instance": ""}, "target_instance='' is empty"),
            ({"target_instance": "not-a-crn"}, "target_instance='not-a-crn' is neither"),
            ({"target_instance": "crn:junk"}, "is not a CRN"),
            ({"target_instance": "kms-for-clusters", "instance_predicted": True}, "is neither"),
            ({"source_account_id": "garbage"}, "source_account_id='garbage' is not an account id"),
            ({"source_account_id": ""}, "source_account_id='' is empty"),
            ({"target_account_id": ACCOUNT + "ff"}, "target_account_id"),
            ({"roles": [""]}, "roles '' is empty"),
            ({"target_service": "s3"}, "target_service"),
            ({"source_service": "is"}, "source_service"),
            ({"state": "removed"}, "state"),
        ],
    ),
    "iam_policy_info": (
        {},
        [
            ({"source_account_id": "garbage"}, "source_account_id='garbage' is not an account id"),
            ({"target_account_id": ""}, "target_account_id='' is empty"),
            ({"target_instance": ""}, "target_instance='' is empty"),
            ({"target_instance": "not-a-crn"}, "is neither an instance guid nor a CRN"),
            ({"include_broader": "wide"}, "include_broader"),
        ],
    ),
    "iam_token": (
        {},
        [
            ({"api_key": "", "iam_token": None}, "needs an API key (api_key"),
        ],
    ),
    "cluster_kms": (
        {"cluster": "demo-vpc", "instance": "demo-hpcs", "root_key": "crk"},
        [
            ({"cluster": ""}, "cluster='' is empty"),
            ({"instance": ""}, "instance='' is empty"),
            ({"root_key": ""}, "root_key='' is empty"),
            ({"wait_timeout": 0}, "wait_timeout=0 must be greater than 0"),
            ({"min_days_before_expiration": -1}, "min_days_before_expiration=-1 must be 0 or more"),
            ({"kms_account_id": "garbage"}, "kms_account_id='garbage' is not an account id"),
            ({"state": "on"}, "state"),
            ({"instance": None}, "instance"),
        ],
    ),
    "cluster_kms_info": (
        {},
        [
            ({"cluster": ""}, "cluster='' is empty"),
            ({"resource_group": ""}, "resource_group='' is empty"),
            ({"instances": ["demo-hpcs", ""]}, "instances '' is empty"),
            ({"min_days_before_expiration": -1}, "min_days_before_expiration=-1"),
            ({"kms_account_id": ""}, "kms_account_id='' is empty"),
            ({"warn_pending_rewrap": "loud"}, "warn_pending_rewrap"),
        ],
    ),
    "cluster_key_rotation": (
        {"cluster": "demo-vpc"},
        [
            ({"cluster": ""}, "cluster='' is empty"),
            ({"instance": ""}, "instance='' is empty"),
            ({"mode": "sometimes"}, "mode"),
            ({"max_key_age_days": 0}, "max_key_age_days=0.0 must be greater than 0"),
            ({"new_key_expiration_days": 0}, "new_key_expiration_days=0 must be greater than 0"),
            ({"expiration_threshold_days": -1}, "expiration_threshold_days=-1 must be 0 or more"),
            ({"wait_timeout": 0}, "wait_timeout=0 must be greater than 0"),
            ({"rewrap_timeout": -1}, "rewrap_timeout=-1 must be greater than 0"),
            ({"kms_account_id": "x"}, "kms_account_id='x' is not an account id"),
        ],
    ),
    "prerequisites_info": (
        {"cluster": "demo-vpc"},
        [
            ({"cluster": ""}, "cluster='' is empty"),
            ({"instance": ""}, "instance='' is empty"),
            ({"resource_group": ""}, "resource_group='' is empty"),
            ({"root_key": ""}, "root_key='' is empty"),
            ({"requested_root_key": ""}, "requested_root_key='' is empty"),
            ({"min_days_before_expiration": -2}, "min_days_before_expiration=-2"),
            ({"kms_account_id": "zz"}, "kms_account_id='zz' is not an account id"),
            ({"create_instance": True}, "instance"),
            ({"kms_service": "vault"}, "kms_service"),
        ],
    ),
    "contract_probe": (
        {"clusters": ["demo-vpc"]},
        [
            ({"clusters": [""]}, "clusters '' is empty"),
            ({"clusters": ["demo-vpc", ""]}, "clusters '' is empty"),
            ({"instances": [""]}, "instances '' is empty"),
            ({"clusters": None}, "clusters"),
        ],
    ),
}

CASES = [
    pytest.param(module, base, overrides, fragment, id=f"{module}-{number}")
    for module, (base, own) in MODULES.items()
    for number, (overrides, fragment) in enumerate(own + SHARED)
]


def test_every_module_gets_at_least_ten_malformed_sets():
    counts = {module: len(own) + len(SHARED) for module, (_base, own) in MODULES.items()}
    assert min(counts.values()) >= 10, counts


@pytest.mark.parametrize("name, base, overrides, fragment", CASES)
def test_bad_input_is_refused_before_any_change(capsys, emulator, name, base, overrides, fragment):
    args = {**connection(emulator.base_url), **base, **overrides}
    args = {name: value for name, value in args.items() if value is not None}
    result = run_module(capsys, module(name), args)
    assert result.get("failed") is True, result
    assert fragment in result["msg"], result["msg"]
    assert "exception" not in result and "Traceback" not in result["msg"]
    assert result.get("changed") is not True
    assert changing_requests(emulator.base_url) == []


def test_the_valid_bases_are_accepted(capsys, emulator):
    """The bases are not refused themselves (read-only modules run in check mode, so nothing changes)."""
    for name, (base, _own) in MODULES.items():
        args = {**connection(emulator.base_url), **base, "_ansible_check_mode": True}
        result = run_module(capsys, module(name), args)
        assert "Invalid input" not in result.get("msg", ""), (name, result)
    assert changing_requests(emulator.base_url) == []
