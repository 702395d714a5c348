# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Recovery without manual steps: a wait goes on through an API outage, and an instance left provisioning is waited
for. Time is the emulator's: every pause of the modules moves the emulator's clock instead of sleeping."""

from __future__ import annotations

import pytest
import requests
from conftest import admin, connection, module, run_module, use_emulator_time

MASTER_SECONDS = 30.0  # how long the master takes to apply the change, on the emulator's clock
OUTAGE_SECONDS = 60.0


@pytest.fixture
def emulator_time(emulator, monkeypatch):
    time = use_emulator_time(emulator.base_url, monkeypatch, OUTAGE_SECONDS)
    admin(emulator.base_url, "timings", {"enable_seconds": MASTER_SECONDS, "provision_seconds": 20.0})
    return time


def test_the_master_wait_goes_on_through_an_api_outage(capsys, emulator, emulator_time):
    url = emulator.base_url
    instance = run_module(capsys, module("kms_instance"), {**connection(url), "name": "kms-outage"})["instance"]
    key = run_module(capsys, module("root_key"), {**connection(url), "instance": instance["guid"], "name": "crk-o"})
    emulator_time.armed = True
    args = {"cluster": "demo-vpc", "instance": instance["guid"], "root_key": key["root_key"]["id"]}
    result = run_module(capsys, module("cluster_kms"), {**connection(url), **args, "private_endpoint": False})
    assert not result.get("failed"), result["msg"]
    assert result["changed"] is True and result["cluster_kms"]["enabled"] is True
    log = requests.get(f"{url}/_emulator/requests", timeout=30).json()["requests"]
    faulted = [entry for entry in log if entry.get("fault") and "getCluster" in entry["path"]]
    assert len(faulted) >= 12, "the outage outlasted the retry policy's own retries of one read"
    assert emulator_time.outage_left is not None and emulator_time.outage_left <= 0


@pytest.mark.parametrize("rerun", ["kms_instance", "prerequisites_info"])
def test_an_instance_left_provisioning_is_waited_for(capsys, emulator, emulator_time, rerun):
    """An interrupted run left a new instance provisioning: the rerun's preflight, or kms_instance, waits for it."""
    url = emulator.base_url
    name = f"kms-left-by-{rerun}"
    created = run_module(capsys, module("kms_instance"), {**connection(url), "name": name, "wait": False})
    assert created["instance"]["state"] == "provisioning"
    if rerun == "kms_instance":
        again = run_module(capsys, module("kms_instance"), {**connection(url), "name": name})
        assert again["changed"] is False and again["instance"]["state"] == "active" and again["waited_seconds"] >= 0
        return
    checks = run_module(
        capsys, module("prerequisites_info"), {**connection(url), "cluster": "demo-roks", "instance": name}
    )
    instance_check = next(c for c in checks["prerequisites"] if c["name"] == "instance")
    assert instance_check["status"] == "passed" and "is active" in instance_check["message"], instance_check


def test_setup_and_rotate_go_on_when_an_instance_name_is_ambiguous(capsys, emulator, emulator_time):
    """Two instances of one name (what parallel jobs of an older release left): kms_instance uses the oldest, with
    a warning, and the scheduled rotation finds the cluster's key by its registration."""
    from ansible_collections.ibmcloud.kms.plugins.module_utils._client import ConnectionSettings, Session
    from ansible_collections.ibmcloud.kms.plugins.module_utils._resource_controller import ResourceClient

    url = emulator.base_url
    first = run_module(capsys, module("kms_instance"), {**connection(url), "name": "kms-twins"})["instance"]
    key = run_module(capsys, module("root_key"), {**connection(url), "instance": first["guid"], "name": "crk-t"})
    args = {"cluster": "demo-satellite", "instance": first["guid"], "root_key": key["root_key"]["id"]}
    assert not run_module(capsys, module("cluster_kms"), {**connection(url), **args}).get("failed")
    settings = ConnectionSettings.from_params(connection(url))
    resources = ResourceClient(Session(settings))
    where = {"name": "kms-twins", "service": "key-protect", "region": "us-south"}
    resources.create_instance(**where, plan=None, resource_group_id=resources.resource_group_id(None), parameters=None)

    again = run_module(capsys, module("kms_instance"), {**connection(url), "name": "kms-twins"})
    assert not again.get("failed") and again["instance"]["guid"] == first["guid"], again
    assert "uses the oldest" in str(again.get("warnings")), again.keys()
    rotation = {"cluster": "demo-satellite", "instance": "kms-twins", "mode": "rotate", "private_endpoint": False}
    rotated = run_module(capsys, module("cluster_key_rotation"), {**connection(url), **rotation})
    assert not rotated.get("failed"), rotated["msg"]
    assert rotated["rotation"]["status"] == "rotated"
