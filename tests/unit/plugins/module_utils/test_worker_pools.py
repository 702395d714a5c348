# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.ibmcloud.kms.plugins.module_utils import _worker_pools as wp
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import InputError

PARAMS = {"cluster": "c", "name": "p", "flavor": "bx2.4x16", "vpc_id": "vpc-1", "worker_count": 2,
          "zones": [{"id": "us-south-1", "subnet_id": "sn-1"}], "labels": None}
ENCRYPTED = {"kmsInstanceID": "g-1", "workerVolumeCRKID": "k-1"}
POOL = {"id": "p-1", "poolName": "p", "flavor": "bx2.4x16", "workerCount": 2, "vpcID": "vpc-1",
        "zones": [{"id": "us-south-1", "workerCount": 2, "subnets": [{"id": "sn-1", "primary": True}]}],
        "workerVolumeEncryption": ENCRYPTED, "lifecycle": {"actualState": "deployed"}}


def test_the_create_request_carries_the_encryption_nested():
    body = wp.create_body(PARAMS, wp.encryption_of("g-1", "k-1", None))
    assert body["workerVolumeEncryption"] == ENCRYPTED
    assert body["zones"] == [{"id": "us-south-1", "subnetID": "sn-1"}] and "labels" not in body
    assert wp.encryption_of("g-1", "k-1", "acct-2")["kmsAccountID"] == "acct-2"
    assert wp.encryption_of(None, None, None) is None


@pytest.mark.parametrize("missing", ["flavor", "vpc_id", "zones"])
def test_a_new_pool_needs_what_ikS_needs(missing):
    with pytest.raises(InputError, match=f"needs {missing}"):
        wp.create_body({**PARAMS, missing: None}, None)


def test_the_view_maps_zones_back_to_their_subnet_and_names_the_key():
    view = wp.view(POOL)
    assert view["zones"] == [{"id": "us-south-1", "subnet_id": "sn-1"}]
    assert view["encryption"] == {"instance_id": "g-1", "root_key_id": "k-1", "account_id": None}
    assert wp.view({**POOL, "workerVolumeEncryption": None})["encryption"] is None
    assert wp.view(None) == {}
    assert wp.view(wp.predicted(wp.create_body(PARAMS, ENCRYPTED)))["encryption"]["root_key_id"] == "k-1"


# (the pool's encryption, asked, what the warning says or None)
DRIFT = [
    (ENCRYPTED, ENCRYPTED, None),
    (ENCRYPTED, None, None),
    (None, ENCRYPTED, "not encrypted"),
    (ENCRYPTED, {**ENCRYPTED, "workerVolumeCRKID": "k-2"}, "workerVolumeCRKID differ"),
    (ENCRYPTED, {**ENCRYPTED, "kmsAccountID": "acct-2"}, None),  # IKS may not list the account: not a difference
]


@pytest.mark.parametrize("have, asked, warned", DRIFT)
def test_an_existing_pool_is_reported_never_replaced(have, asked, warned):
    warnings = wp.drift_warnings({**POOL, "workerVolumeEncryption": have}, asked)
    assert (warnings == []) if warned is None else warned in warnings[0]
