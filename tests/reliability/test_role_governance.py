# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What governance asks of the role.

Instance policies (cluster_encryption_instance_policies) on an encrypted cluster: the preflight warns that the
instance does not have them and check mode previews setting them without a changing request; the real run sets them,
once, and nothing else; the next run is converged and sends nothing that changes.

Tags (cluster_encryption_tags, cluster_encryption_root_key_tags): the instance and the root key the role creates get
them; the next run sends nothing that changes.

VPC worker-node disk encryption (cluster_encryption_worker_disk_authorization): the authorizations IBM's docs ask
for, Block Storage's Reader and the Kubernetes Service's delegation."""

from __future__ import annotations

import contextlib
import json
import subprocess
from typing import Iterator

import requests
from conftest import changing_requests, playbook_env

from ibmcloud_emulator import World
from ibmcloud_emulator.server import start

POLICIES = {"dual_auth_delete": {"enabled": True}, "metrics": {"enabled": True}}
WARNING = "does not have the instance policies asked for (dual_auth_delete, metrics differ)"


@contextlib.contextmanager
def emulated_play(tmp_path) -> Iterator[tuple]:
    """(the emulated world, its URL, the environment of a play against it), stopped afterwards."""
    emulated = World(provision_seconds=0.2, enable_seconds=0.5, rewrap_seconds=0.2)
    running = start(emulated)
    try:
        env = playbook_env(
            running.base_url, ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"), ANSIBLE_HOME=str(tmp_path / "home")
        )
        yield emulated, running.base_url, env
    finally:
        running.stop()


def setup(env: dict, *extra: str) -> subprocess.CompletedProcess:
    command = ["ansible-playbook", "ibmcloud.kms.setup", "-e", "clusters=demo-vpc", *extra]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)


def taken(base_url: str) -> list:
    """The changing requests since the log was last taken, as (method, path, query); the log is cleared."""
    log = changing_requests(base_url)
    requests.delete(f"{base_url}/_emulator/requests", timeout=30)
    return [(entry["method"], entry["path"], entry["query"]) for entry in log]


def test_the_role_sets_the_instance_policies_asked_for_once(tmp_path):
    with emulated_play(tmp_path) as (_emulated, url, env):
        first = setup(env)
        taken(url)
        asked = ("-e", json.dumps({"cluster_encryption_instance_policies": POLICIES}))
        preview = setup(env, *asked, "--check")
        previewed = taken(url)
        real = setup(env, *asked)
        made = taken(url)
        again = setup(env, *asked)
        repeated = taken(url)
    for done in (first, preview, real, again):
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert WARNING in preview.stderr + preview.stdout and WARNING in real.stderr + real.stdout
    assert previewed == []
    puts = [(method, path, query) for method, path, query in made if path.endswith("/instance/policies")]
    assert puts == [
        ("PUT", "/api/v2/instance/policies", "policy=dualAuthDelete"),
        ("PUT", "/api/v2/instance/policies", "policy=metrics"),
    ]
    assert made == puts  # the cluster is encrypted already: nothing else changes
    assert repeated == [] and WARNING not in again.stderr + again.stdout


def test_the_role_tags_the_instance_and_the_root_key_it_creates(tmp_path):
    with emulated_play(tmp_path) as (emulated, url, env):
        tags = {"cluster_encryption_tags": ["Env:Prod"], "cluster_encryption_root_key_tags": ["cluster-secrets"]}
        done = setup(env, "-e", json.dumps(tags))
        taken(url)
        again = setup(env, "-e", json.dumps(tags))
        repeated = taken(url)
        for run in (done, again):
            assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
        with emulated.lock:
            instance = next(i for i in emulated.data["instances"].values() if i["name"] == "kms-for-clusters")
            instance_tags = [t["name"] for t in emulated.data["tags"].get(instance["crn"], [])]
            keys = emulated.data["kms"][instance["guid"]]["keys"].values()
            key_tags = [key.get("tags") for key in keys if key["name"] == "demo-vpc-root-key"]
    assert instance_tags == ["env:prod"]
    assert key_tags == [["cluster-secrets"]]
    assert repeated == []


def authorizations(emulated: World) -> dict:
    """The authorization policies of the world: {source service: sorted role names}."""
    found: dict = {}
    with emulated.lock:
        for policy in emulated.data["policies"].values():
            if policy.get("type") != "authorization":
                continue
            attributes = {a["name"]: a["value"] for a in policy["subjects"][0]["attributes"]}
            names = sorted(role["role_id"].rsplit(":", 1)[-1] for role in policy["roles"])
            found.setdefault(attributes.get("serviceName"), []).append(names)
    return found


def test_worker_disk_encryption_gets_the_authorizations_ibm_documents(tmp_path):
    with emulated_play(tmp_path) as (emulated, _url, env):
        done = setup(env, "-e", "cluster_encryption_worker_disk_authorization=true")
        found = authorizations(emulated)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert ["AuthorizationDelegator", "Reader"] in found["containers-kubernetes"]
    assert ["Reader"] in found["server-protect"]
