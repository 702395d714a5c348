# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: what a converged run costs, against the emulator, side by side with Ansible's own floor.

    .venv/bin/python tests/benchmarks/converge.py [--latency-ms 150] [--runs 3]

(with the collection on ANSIBLE_COLLECTIONS_PATH, as `make test` prepares it in build/collections). It encrypts
demo-vpc once, then measures, best of --runs:

- the floor: a one-task play (kms_instance_info) on the same machine, in the same run;
- a no-op ``ibmcloud.kms.setup`` of demo-vpc: its requests by kind, its IAM tokens, its wall time and the ratio to
  the floor;
- ``ibmcloud.kms.verify`` of demo-vpc: the same figures, with the instance given (as an inventory that sets
  cluster_encryption_instance gives it) and without (every instance of the account is searched);
- with --fleet N (default 20; 0 leaves it out): setup and a no-op setup of N generated VPC clusters (forks 10) against
  the same of one, and the requests per cluster.

A benchmark prints figures; it passes or fails nothing (issue 14 names the goals it is read against).
"""

from __future__ import annotations

import argparse
import collections
import logging
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

import requests

from ibmcloud_emulator import World, endpoints
from ibmcloud_emulator.seed import default_seed
from ibmcloud_emulator.server import start

CLUSTER = "demo-vpc"
INSTANCE = "kms-for-clusters"  # the role's default instance, where setup puts demo-vpc's key
FLOOR_PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - ibmcloud.kms.kms_instance_info:
"""
ID = re.compile(r"/(?:[0-9a-f]{8}-[0-9a-f-]{27}|[0-9a-z]{20}|crn:[^/]+)(?=/|$)")


def kind(entry: dict) -> str:
    """A request's kind: its method and path, ids replaced."""
    return f"{entry['method']} {ID.sub('/{id}', entry['path'])}"


def requests_since(url: str) -> list:
    log = requests.get(f"{url}/_emulator/requests", timeout=30).json()["requests"]
    requests.delete(f"{url}/_emulator/requests", timeout=30)
    return log


def play(command: list, env: dict) -> float:
    began = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    return elapsed


def measure(name: str, command: list, env: dict, url: str, runs: int) -> dict:
    times, counts = [], None
    for _run in range(runs):
        requests_since(url)
        times.append(play(command, env))
        log = requests_since(url)
        counts = collections.Counter(kind(entry) for entry in log)
    assert counts is not None
    return {"name": name, "seconds": min(times), "requests": counts}


def fleet_world(size: int) -> World:
    """The seeded world with SIZE more VPC clusters like demo-vpc, named fleet-01, fleet-02, ..."""
    seed = default_seed()
    template = next(c for c in seed["clusters"] if c["name"] == CLUSTER)
    seed["clusters"] += [{**template, "name": f"fleet-{n:02d}"} for n in range(1, size + 1)]
    return World(seed, provision_seconds=1, enable_seconds=10, rewrap_seconds=1)


def fleet(size: int, latency_ms: int, base_env: dict) -> list:
    """Setup and no-op setup of SIZE clusters against the same of one, each in a world of its own."""
    rows = []
    for count in (1, size):
        running = start(fleet_world(size), latency_ms=latency_ms)
        env = {**base_env, **endpoints.environment(running.base_url), "ANSIBLE_FORKS": "10"}
        clusters = ",".join(f"fleet-{n:02d}" for n in range(1, count + 1))
        command = ["ansible-playbook", "ibmcloud.kms.setup", "-e", f"clusters={clusters}"]
        try:
            setup = measure(f"setup of {count}", command, env, running.base_url, 1)
            noop = measure(f"no-op of {count}", command, env, running.base_url, 1)
        finally:
            running.stop()
        rows.append((count, setup, noop))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--fleet", type=int, default=20)
    options = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    running = start(World(provision_seconds=1, enable_seconds=1, rewrap_seconds=1), latency_ms=options.latency_ms)
    folder = pathlib.Path(tempfile.mkdtemp(prefix="kms-benchmark-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IC_", "IBMCLOUD_"))}
    env.update(endpoints.environment(running.base_url), ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    env.update(ANSIBLE_LOCALHOST_WARNING="False", ANSIBLE_INVENTORY_UNPARSED_WARNING="False", ANSIBLE_NOCOLOR="1")
    floor_play = folder / "floor.yml"
    floor_play.write_text(FLOOR_PLAY, encoding="utf-8")
    try:
        play(["ansible-playbook", "ibmcloud.kms.setup", "-e", f"clusters={CLUSTER}"], env)  # converge once
        report = ["-e", f"report_path={folder / 'report.json'}"]
        # verify reads the instance the inventory names for the cluster (as setup does); without one, every instance
        instance = ["-e", f"instance={INSTANCE}"]
        verify = ["ansible-playbook", "ibmcloud.kms.verify", "-e", f"clusters={CLUSTER}", *report]
        runs = [
            ("one-task play (floor)", ["ansible-playbook", str(floor_play)]),
            ("setup, no-op", ["ansible-playbook", "ibmcloud.kms.setup", "-e", f"clusters={CLUSTER}"]),
            ("verify", [*verify, *instance]),
            ("verify, every instance", verify),
        ]
        results = [measure(name, command, env, running.base_url, options.runs) for name, command in runs]
    finally:
        running.stop()
    floor = results[0]["seconds"]
    print(f"latency {options.latency_ms} ms per request, best of {options.runs}; one cluster ({CLUSTER})")
    print(f"{'run':<24} {'seconds':>8} {'x floor':>8} {'requests':>9} {'IAM tokens':>11}")
    for result in results:
        total = sum(result["requests"].values())
        tokens = result["requests"].get("POST /identity/token", 0)
        ratio = result["seconds"] / floor
        print(f"{result['name']:<24} {result['seconds']:>8.2f} {ratio:>8.2f} {total:>9} {tokens:>11}")
    for result in results[1:]:
        print(f"\n{result['name']}: requests by kind")
        for name, count in result["requests"].most_common():
            print(f"  {count:>3}  {name}")
    if options.fleet:
        (_one, setup_one, noop_one), (size, setup_all, noop_all) = fleet(options.fleet, options.latency_ms, env)
        print(f"\nfleet of {size} (forks 10, 10 s master update) against one cluster")
        for what, one, many in (("setup", setup_one, setup_all), ("no-op", noop_one, noop_all)):
            per_cluster = sum(many["requests"].values()) / size
            print(
                f"  {what:<6} one {one['seconds']:6.1f} s, {size} {many['seconds']:6.1f} s, "
                f"ratio {many['seconds'] / one['seconds']:.2f}; {per_cluster:.1f} requests per cluster"
            )
        print(f"\nno-op of {size}: requests by kind (total, per cluster)")
        for name, count in noop_all["requests"].most_common():
            print(f"  {count:>4}  {count / size:5.2f}  {name}")


if __name__ == "__main__":
    main()
