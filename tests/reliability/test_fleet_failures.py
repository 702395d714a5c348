# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A fleet whose clusters are enabled in one run (the role's enable step): a cluster that fails there stops alone,
with the module's reason, and the others end encrypted.

demo-classic's API key owner lacks Reader on the instance (the seeded world's case): the preflight refuses it, so the
run skips the preflight's stop (``--skip-tags preflight``) to let it reach the enable step, where cluster_kms's own
checks refuse it before any request for it.
"""

from __future__ import annotations

import re
import subprocess

from conftest import playbook_env

from ibmcloud_emulator import World
from ibmcloud_emulator.seed import default_seed
from ibmcloud_emulator.server import start

CLUSTERS = ["demo-vpc", "demo-classic", "fleet-1"]


def world() -> World:
    seed = default_seed()
    template = next(c for c in seed["clusters"] if c["name"] == "demo-vpc")
    seed["clusters"] = [c for c in seed["clusters"] if c["name"] in CLUSTERS] + [{**template, "name": "fleet-1"}]
    return World(seed, provision_seconds=0.2, enable_seconds=0.5, rewrap_seconds=0.2)


def recap(stdout: str, host: str) -> dict:
    line = re.search(rf"^{re.escape(host)} +: (.*)$", stdout, re.MULTILINE)
    assert line, stdout[-3000:]
    return {name: int(count) for name, count in re.findall(r"(\w+)=(\d+)", line.group(1))}


def kms_of(emulated: World) -> dict:
    with emulated.lock:
        emulated.tick()
        return {c["name"]: bool(c.get("_kms")) for c in emulated.data["clusters"].values()}


def test_a_cluster_that_fails_in_the_fleets_enable_run_stops_alone(tmp_path):
    emulated = world()
    running = start(emulated)
    try:
        env = playbook_env(
            running.base_url, ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"), ANSIBLE_HOME=str(tmp_path / "home")
        )
        clusters = "clusters=" + ",".join(CLUSTERS)
        command = ["ansible-playbook", "ibmcloud.kms.setup", "-e", clusters, "--skip-tags", "preflight"]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
        enabled = kms_of(emulated)
    finally:
        running.stop()
    out = done.stdout
    assert done.returncode == 2, out[-3000:]
    assert recap(out, "demo-classic")["failed"] == 1
    assert recap(out, "demo-vpc")["failed"] == 0 and recap(out, "fleet-1")["failed"] == 0
    # demo-classic stopped in the task after the enable run, with the reason cluster_kms gave for it
    failure = re.search(r"^fatal: \[demo-classic\]: FAILED! => (.*)$", out, re.MULTILINE)
    assert failure and "holds no Reader" in failure.group(1), out[-3000:]
    stop_task = out.rfind("TASK [", 0, failure.start())
    assert "Stop when the root key or KMS could not be made sure of" in out[stop_task : failure.start()]
    # the enable run was one task for the three clusters, and the others went on to their summaries
    assert out.count("TASK [ibmcloud.kms.cluster_encryption : Enable KMS on the clusters") == 1
    assert enabled == {"demo-vpc": True, "demo-classic": False, "fleet-1": True}
    assert "Cluster demo-vpc: KMS on (changed now)" in out and "Cluster fleet-1: KMS on (changed now)" in out
