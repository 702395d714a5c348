"""ansible-test integration against the emulator, in parallel shards: each shard has its own copy of the collection
(its own tests/output), its own emulators (HTTP, and HTTPS for the TLS checks) and its own log."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from .. import emulator, parallel, prepare
from ..bootstrap import PY_VERSION
from ..context import BIN, BUILD, StepFailed, exit_on_sigterm, harness_env, say, tool_env

# Seconds each target takes, relative to the others (the "target times" line of each shard's report), to give the
# shards about the same work; a target missing here counts as DEFAULT_SECONDS.
TARGET_SECONDS = {
    "root_key": 110,
    "contract_alternatives": 140,
    "contract_probe": 70,
    "live_critical_path": 30,
    "cluster_kms": 95,
    "iam_policy": 90,
    "prerequisites_info": 65,
    "kms_instance": 60,
    "connection_options": 45,
    "root_key_info": 35,
    "iam_policy_info": 32,
    "kms_instance_info": 32,
    "cluster_kms_info": 28,
    "iam_token": 15,
    "kms_instance_policy": 35,
    "trusted_profile": 25,
    "vpc_worker_pool": 25,
}
DEFAULT_SECONDS = 40
SKIPPED_ALIASES = re.compile(r"^\s*(hidden|disabled|unsupported|unstable)\s*(#.*)?$", re.MULTILINE)


def targets(copy: Path) -> list[str]:
    """INTEGRATION_TARGETS (words), else every target ansible-test runs by default (setup_emulator is hidden; the
    targets pull it in through their meta/main.yml)."""
    chosen = os.environ.get("INTEGRATION_TARGETS", "").split()
    if chosen:
        return chosen
    found = []
    for folder in sorted((copy / "tests" / "integration" / "targets").iterdir()):
        aliases = folder / "aliases"
        if folder.name.startswith(("setup_", "prepare_")):
            continue
        if not (aliases.exists() and SKIPPED_ALIASES.search(aliases.read_text())):
            found.append(folder.name)
    return found


def assign_shards(names: list[str], count: int) -> list[list[str]]:
    """Longest target first, each to the least loaded shard; empty shards dropped."""
    shards: list[list[str]] = [[] for _ in range(count)]
    load = [0] * count
    for name in sorted(names, key=lambda n: (-TARGET_SECONDS.get(n, DEFAULT_SECONDS), n)):
        least = load.index(min(load))
        shards[least].append(name)
        load[least] += TARGET_SECONDS.get(name, DEFAULT_SECONDS)
    return [shard for shard in shards if shard]


def shard_count() -> int:
    text = os.environ.get("INTEGRATION_SHARDS", "2")
    if not text.isdigit() or int(text) < 1:
        raise StepFailed(f"INTEGRATION_SHARDS must be a number >= 1, not {text!r}")
    return int(text)


def integration() -> None:
    """ansible-test integration against the emulator, in INTEGRATION_SHARDS (2) parallel shards."""
    chosen = targets(prepare.collection_copy())
    if not chosen:
        raise StepFailed("no integration target to run")
    folder = BUILD / "integration"
    jobs = []
    for number, shard in enumerate(assign_shards(chosen, shard_count()), start=1):
        shard_folder = folder / f"shard-{number}"
        jobs.append(
            parallel.Job(
                name=f"shard {number}: {' '.join(shard)}",
                log=shard_folder / "shard.log",
                command=[str(BIN / "python"), "-m", "harness.steps.integration_shards", str(shard_folder), *shard],
                env=harness_env(),
            )
        )
    parallel.run_all(jobs, limit=len(jobs), on_end=report_shard)
    failed = [job.name for job in jobs if not job.passed]
    if failed:
        raise StepFailed("integration failed in " + "; ".join(failed))


def report_shard(job: parallel.Job) -> None:
    say(f"[integration] {job.name} ended with status {job.status}; its log, {job.log}:")
    print(job.log.read_text(errors="replace"), flush=True)
    for path in sorted(job.log.parent.glob("collections/**/tests/output/data/integration-*.json")):
        times = json.loads(path.read_text()).get("targets", {})
        print("target times: " + " ".join(f"{name}={t['run_time_seconds']}s" for name, t in times.items()))
    if not job.passed:
        started = re.findall(r"^Running (\S+) integration test role$", job.log.read_text(), re.MULTILINE)
        print(f"{job.name} FAILED in target: {started[-1] if started else '(none started)'}", flush=True)


def run_shard(folder: Path, names: list[str]) -> int:
    """One shard, in a process of its own: a copy, its emulators, integration_config.yml, ansible-test."""
    copy = prepare.clone_copy(folder / "collections" / "ansible_collections" / "ibmcloud" / "kms")
    with emulator.running(folder / "emulator", *emulator.TEST_TIMINGS) as http, emulator.running(
        folder / "emulator-tls", tls=True
    ) as https:
        config = {
            "emulator_url": http.url,
            "ibmcloud_api_key": http.env["IC_API_KEY"],
            "ibmcloud_endpoints": http.module_endpoints,
            "ibmcloud_environment": http.env,
            "tls_emulator_url": https.url,
            "tls_emulator_ca_file": str(https.ca_file),
        }
        (copy / "tests" / "integration" / "integration_config.yml").write_text("---\n" + yaml.safe_dump(config))
        env = tool_env(collections_root=copy.parents[2])
        command = [str(BIN / "ansible-test"), "integration", "--local", "--python", PY_VERSION, "--color", "no", *names]
        print("$ " + " ".join(command), flush=True)
        return subprocess.run(command, cwd=copy, env=env, stdin=subprocess.DEVNULL, check=False).returncode


if __name__ == "__main__":
    exit_on_sigterm()
    sys.exit(run_shard(Path(sys.argv[1]), sys.argv[2:]))
