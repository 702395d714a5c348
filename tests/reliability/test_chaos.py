# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The chaos suite: setup of two clusters and a switch to a new root key, each run while 20 % of the API requests
fail (429, 500, 502, 503, dropped connections, answers lost after the change was made), then once more without
faults. Whatever failed, the world must end converged and clean:

- no duplicate: one instance, one key per alias, one authorization;
- no orphaned key: every root key in the instance is one a cluster uses or one a cluster used before;
- no cluster on a key without its registration;
- every key a cluster left recorded on it (a previous-root-key tag or an older registration).

The modules run in this process, in the order the role runs them, each pause moving the emulator's clock (no real
waiting), so that many seeds fit the test time; ``KMS_CHAOS_SEEDS`` runs more of them (a soak, as a benchmark).
"""

from __future__ import annotations

import os

import pytest
import requests
from conftest import admin, connection, module, run_module, use_emulator_time

from ansible_collections.ibmcloud.kms.plugins.module_utils._tagging import previous_key_ids
from ibmcloud_emulator import World
from ibmcloud_emulator.server import start

CLUSTERS = ("demo-vpc", "demo-roks")
INSTANCE = "kms-chaos"
FAULT_RATE = 0.2
SEEDS = range(int(os.environ.get("KMS_CHAOS_SEEDS", "12")))


@pytest.fixture
def world_url(monkeypatch):
    running = start(World(provision_seconds=5.0, enable_seconds=30.0, rewrap_seconds=5.0))
    use_emulator_time(running.base_url, monkeypatch)
    yield running.base_url
    running.stop()


def setup(capsys, url: str, cluster: str) -> dict:
    """The role's changing steps for one cluster, in its order, stopping at the first failure (as a play does)."""
    base = connection(url)
    done = run_module(capsys, module("kms_instance"), {**base, "name": INSTANCE})
    if done.get("failed"):
        return done
    guid = done["instance"]["guid"]
    key = run_module(
        capsys, module("root_key"), {**base, "instance": guid, "name": f"{cluster}-crk", "alias": f"{cluster}-crk"}
    )
    if key.get("failed"):
        return key
    policy = run_module(capsys, module("iam_policy"), {**base, "target_service": "kms", "target_instance": guid})
    if policy.get("failed"):
        return policy
    args = {"cluster": cluster, "instance": guid, "root_key": key["root_key"]["id"], "private_endpoint": False}
    return run_module(capsys, module("cluster_kms"), {**base, **args})


def switch(capsys, url: str, cluster: str) -> dict:
    args = {"cluster": cluster, "instance": INSTANCE, "mode": "switch", "private_endpoint": False}
    return run_module(capsys, module("cluster_key_rotation"), {**connection(url), **args})


def faults(url: str, rate: float, seed: int = 0) -> None:
    admin(url, "faults", {"rate": rate, "seed": seed})


def world_state(url: str) -> dict:
    return requests.get(f"{url}/_emulator/state", timeout=30).json()


def faults_seen(url: str) -> int:
    log = requests.get(f"{url}/_emulator/requests", timeout=30).json()["requests"]
    return sum(1 for entry in log if entry.get("fault"))


def check_clean(url: str, switched: tuple = ()) -> None:
    state = world_state(url)
    instances = [i for i in state["instances"].values() if i["name"] == INSTANCE and i["state"] == "active"]
    assert len(instances) == 1, f"duplicate instances: {[i['guid'] for i in instances]}"
    guid = instances[0]["guid"]
    store = state["kms"][guid]
    keys = {k["id"]: k for k in store["keys"].values() if not k.get("deleted")}
    aliases = [alias for k in keys.values() for alias in k.get("aliases", [])]
    assert len(aliases) == len(set(aliases)), f"an alias on two keys: {aliases}"
    names = [k["name"] for k in keys.values()]
    assert len(names) == len(set(names)), f"duplicate keys: {names}"
    authorizations = [p for p in state["policies"].values() if p.get("type") == "authorization"]
    assert len(authorizations) == 1, f"duplicate authorizations: {[p['id'] for p in authorizations]}"
    clusters = {c["name"]: c for c in state["clusters"].values() if c["name"] in CLUSTERS}
    used, used_before = set(), set()
    for name, cluster in clusters.items():
        kms = cluster.get("_kms") or {}
        assert kms.get("instance_id") == guid, f"{name} is not encrypted with a key of {guid}: {kms}"
        registered = [r for r in store["registrations"] if r["resourceCrn"] == cluster["crn"]]
        assert any(r["keyId"] == kms["crk_id"] for r in registered), f"{name} is on an unregistered key"
        tags = [t["name"] for t in state["tags"].get(cluster["crn"], [])]
        recorded = set(previous_key_ids(tags)) | {r["keyId"] for r in registered if r["keyId"] != kms["crk_id"]}
        if name in switched:
            assert recorded, f"{name} switched keys but no previous key is recorded"
        used.add(kms["crk_id"])
        used_before |= recorded
    orphans = set(keys) - used - used_before
    assert not orphans, f"root keys no cluster uses or used: {sorted(orphans)}"


@pytest.mark.parametrize("seed", SEEDS)
def test_setup_under_faults_converges_clean(capsys, world_url, seed):
    faults(world_url, FAULT_RATE, seed)
    for cluster in CLUSTERS:
        setup(capsys, world_url, cluster)
    faults(world_url, 0.0)
    assert faults_seen(world_url) > 0
    for cluster in CLUSTERS:
        rerun = setup(capsys, world_url, cluster)
        assert not rerun.get("failed"), f"seed {seed}, {cluster}: the clean rerun failed: {rerun.get('msg')}"
    check_clean(world_url)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_switch_under_faults_converges_clean(capsys, world_url, seed):
    for cluster in CLUSTERS:
        assert not setup(capsys, world_url, cluster).get("failed")
    faults(world_url, FAULT_RATE, 1000 + seed)
    first = switch(capsys, world_url, CLUSTERS[0])
    faults(world_url, 0.0)
    assert faults_seen(world_url) > 0
    if first.get("failed"):
        rerun = switch(capsys, world_url, CLUSTERS[0])
        assert not rerun.get("failed"), f"seed {seed}: the clean rerun failed: {rerun.get('msg')}"
    check_clean(world_url, switched=(CLUSTERS[0],))
