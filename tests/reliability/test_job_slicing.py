# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Concurrent jobs on disjoint slices of one inventory, as AWX job slicing runs them: several ansible-playbook
processes at once, each with ``--limit`` on its slice, all sharing the default instance name, against one emulator
with IBM-like latency and a slow provisioning. They must end with one instance and one authorization, every job
with rc 0, and every cluster encrypted with a root key in that instance.

Seeded: each trial's seed orders the slices and staggers their starts (a few tenths of a second), so that each
trial races differently and a failure can be replayed. Nothing depends on how much real time passes: whichever
process wins, the outcome must be the same.
"""

from __future__ import annotations

import json
import pathlib
import random
import subprocess
import time

import pytest
from conftest import playbook_env

from ibmcloud_emulator import World
from ibmcloud_emulator.seed import default_seed
from ibmcloud_emulator.server import start

# The seeded world's clusters whose prerequisites hold (demo-classic's key owner lacks a role on purpose), and
# more VPC clusters like demo-vpc, so that every slice has one.
CLUSTERS = ["demo-vpc", "demo-roks", "demo-satellite", "fleet-1", "fleet-2"]
INSTANCE = "kms-for-clusters"  # the role's default
GONE = ("removed", "pending_reclamation")
JOB_TIMEOUT = 900  # seconds, only against a hung job; a trial takes about a minute

# (slices, latency in ms, provisioning seconds, seed, an instance left provisioning before the jobs start, one root
# key shared by the fleet); one cluster per slice. Measured before: 3 slices at 1000 ms made 3 instances; 4 at 50 ms
# made 2 in 1 of 3 trials; slices that found the instance provisioning failed on a 401.
TRIALS = [
    pytest.param(3, 1000, 20, 1, False, False, id="3-slices-1000ms"),
    pytest.param(4, 50, 2, 2, False, True, id="4-slices-50ms-shared-key"),
    pytest.param(2, 1000, 20, 3, True, False, id="2-slices-find-it-provisioning"),
]
SHARED_KEY = {
    "cluster_encryption_share_root_key": True,
    "cluster_encryption_root_key_alias": "fleet-root-key",
    "cluster_encryption_root_key_name": "fleet-root-key",
}


def world(provision_seconds: float) -> World:
    seed = default_seed()
    template = next(c for c in seed["clusters"] if c["name"] == "demo-vpc")
    seed["clusters"] = [c for c in seed["clusters"] if c["name"] in CLUSTERS]
    seed["clusters"] += [{**template, "name": name} for name in CLUSTERS if name.startswith("fleet-")]
    return World(seed, provision_seconds=provision_seconds, enable_seconds=1.0, rewrap_seconds=1.0)


def inventory(folder: pathlib.Path, clusters: list, shared_key: bool) -> pathlib.Path:
    path = folder / "inventory.yml"
    hosts = {name: {"cluster_encryption_cluster": name} for name in clusters}
    group = {"hosts": hosts, "vars": SHARED_KEY if shared_key else {}}
    path.write_text(json.dumps({"kms_clusters": group}), encoding="utf-8")
    return path


def slices(count: int, clusters: list, rng: random.Random) -> list:
    """The inventory split as AWX splits a sliced job: host i goes to slice i mod count."""
    hosts = list(clusters)
    rng.shuffle(hosts)
    return [hosts[number::count] for number in range(count)]


def job_env(url: str, folder: pathlib.Path, name: str) -> dict:
    return playbook_env(url, ANSIBLE_LOCAL_TEMP=str(folder / name / "tmp"), ANSIBLE_HOME=str(folder / name / "home"))


def live_instances(world: World) -> list:
    with world.lock:
        world.tick()
        return [
            dict(i) for i in world.data["instances"].values() if i["name"] == INSTANCE and i.get("state") not in GONE
        ]


def authorizations(world: World) -> list:
    with world.lock:
        return [
            p
            for p in world.data["policies"].values()
            if p.get("type") == "authorization" and p.get("state", "active") == "active"
        ]


@pytest.mark.parametrize("count, latency_ms, provision_seconds, seed, left_provisioning, shared_key", TRIALS)
def test_sliced_setup_ends_with_one_instance(
    tmp_path, count, latency_ms, provision_seconds, seed, left_provisioning, shared_key
):
    emulated = world(provision_seconds)
    running = start(emulated, latency_ms=latency_ms)
    rng = random.Random(seed)
    clusters = CLUSTERS[:count]
    hosts_file = inventory(tmp_path, clusters, shared_key)
    try:
        if left_provisioning:
            leave_an_instance_provisioning(running.base_url, tmp_path)
        jobs = []
        for number, hosts in enumerate(slices(count, clusters, rng)):
            time.sleep(rng.uniform(0, 0.3))  # a seeded stagger, as AWX starts slices one after another
            name = f"slice-{number}"
            command = ["ansible-playbook", "-i", str(hosts_file), "ibmcloud.kms.setup", "--limit", ",".join(hosts)]
            log = (tmp_path / f"{name}.log").open("w", encoding="utf-8")
            process = subprocess.Popen(
                command, env=job_env(running.base_url, tmp_path, name), stdout=log, stderr=subprocess.STDOUT
            )
            jobs.append((name, process, log))
        failed = []
        for name, process, log in jobs:
            code = process.wait(timeout=JOB_TIMEOUT)
            log.close()
            if code != 0:
                failed.append(f"{name} rc {code}:\n" + (tmp_path / f"{name}.log").read_text(encoding="utf-8")[-3000:])
        assert not failed, "\n\n".join(failed)
        kept = live_instances(emulated)
        assert len(kept) == 1, [(i["guid"], i["state"], i["created_at"]) for i in kept]
        assert len(authorizations(emulated)) == 1, authorizations(emulated)
        with emulated.lock:
            records = [c for c in emulated.data["clusters"].values() if c["name"] in clusters]
            encrypted = {c["name"]: (c.get("_kms") or {}).get("instance_id") for c in records}
            keys_used = {(c.get("_kms") or {}).get("crk_id") for c in records}
            keys = [k for k in emulated.data["kms"][kept[0]["guid"]]["keys"].values() if not k.get("deleted")]
        assert encrypted == {name: kept[0]["guid"] for name in clusters}
        assert len(keys) == len(keys_used) == (1 if shared_key else count), [k["name"] for k in keys]
    finally:
        running.stop()


def leave_an_instance_provisioning(url: str, folder: pathlib.Path) -> None:
    """What an interrupted job leaves: the shared instance created, still provisioning."""
    subprocess.run(
        ["ansible", "localhost", "-m", "ibmcloud.kms.kms_instance", "-a", f"name={INSTANCE} wait=false"],
        env=job_env(url, folder, "interrupted"),
        check=True,
        capture_output=True,
        timeout=JOB_TIMEOUT,
    )
