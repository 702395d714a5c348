# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The secret audit: no API key and no IAM token (JWT) in any line a run shows or any file it leaves behind.

The runs a user makes, at -vvvv: setup in check mode with diffs, setup, verify, rotate in each mode; on a
same-account cluster, a cross-account one (the KMS account's API key in its host_vars, as the fleets guide shows)
and one whose prerequisites fail; through ansible-playbook and through ansible-runner. The credentials reach the
runs the ways the docs advise: the environment, an inventory variable, an AWX-style injected environment; never
the command line.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess

import ansible_runner
import pytest
from conftest import playbook_env

from ibmcloud_emulator import World, endpoints
from ibmcloud_emulator.server import start

ADMIN_KEY = endpoints.ADMIN_API_KEY
KMS_ACCOUNT_KEY = "emulator-kms-account-key"
KMS_ACCOUNT = "f0e1d2c3b4a5968778695a4b3c2d1e0f"
# Every JWT starts with the base64 of '{"'; three dot-separated base64url parts make one.
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")
RUN_TIMEOUT = 900  # seconds, only against a hung run

# host: its variables (demo-classic's key owner lacks a role in the seeded world: its run fails before any change)
HOSTS = {
    "demo-vpc": {"cluster_encryption_cluster": "demo-vpc"},
    "prod-eu": {
        "cluster_encryption_cluster": "demo-roks",
        "cluster_encryption_instance": "kms-in-other-account",
        "cluster_encryption_kms_account_id": KMS_ACCOUNT,
    },
    "demo-classic": {"cluster_encryption_cluster": "demo-classic"},
}

# (what, playbook and its options, the exit codes expected). demo-classic fails its preflight (rc 2); a play whose
# clusters use different KMS accounts stops at once (rc 2), so the cross-account cluster runs in plays of its own.
SAME, CROSS = ["--limit", "demo-vpc,demo-classic"], ["--limit", "prod-eu"]
RUNS = [
    ("setup of mixed KMS accounts (refused)", ["ibmcloud.kms.setup"], {2}),
    ("setup --check --diff", ["ibmcloud.kms.setup", "--check", "--diff", *SAME], {2}),
    ("setup", ["ibmcloud.kms.setup", *SAME], {2}),
    ("setup --check --diff, cross-account", ["ibmcloud.kms.setup", "--check", "--diff", *CROSS], {0}),
    ("setup, cross-account", ["ibmcloud.kms.setup", *CROSS], {0}),
    ("verify, cross-account", ["ibmcloud.kms.verify", *CROSS], {0}),
    ("rotate in place", ["ibmcloud.kms.rotate", "-e", "mode=rotate", "--limit", "demo-vpc"], {0}),
    ("switch to a new key, cross-account", ["ibmcloud.kms.rotate", "-e", "mode=switch", *CROSS], {0}),
    ("rotate when due", ["ibmcloud.kms.rotate", "-e", "mode=auto", "--limit", "demo-vpc"], {0}),
]


def leaks(text: str, where: str) -> list:
    found = []
    for secret, what in ((ADMIN_KEY, "the API key"), (KMS_ACCOUNT_KEY, "the KMS account's API key")):
        at = text.find(secret)
        if at >= 0:
            found.append(f"{what} in {where}: ...{text[max(0, at - 100) : at + 30]}...")
    match = JWT.search(text)
    if match:
        found.append(f"an IAM token (JWT) in {where}: ...{text[max(0, match.start() - 100) : match.start() + 30]}...")
    return found


def written_files(folder: pathlib.Path, exclude: set) -> list:
    return [path for path in sorted(folder.rglob("*")) if path.is_file() and path not in exclude]


@pytest.fixture(scope="module")
def world_url():
    running = start(World(provision_seconds=0.5, enable_seconds=0.5, rewrap_seconds=0.5))
    yield running.base_url
    running.stop()


def inventory(folder: pathlib.Path) -> tuple:
    """The inventory, with the KMS account's API key in a file of prod-eu's host_vars (what a user keeps in a vault);
    returns the inventory and that file, which the test writes and the audit leaves out."""
    inventory = folder / "inventory"
    (inventory / "host_vars" / "prod-eu").mkdir(parents=True)
    (inventory / "hosts.yml").write_text(json.dumps({"kms_clusters": {"hosts": {h: {} for h in HOSTS}}}))
    for host in ("demo-vpc", "demo-classic"):
        (inventory / "host_vars" / f"{host}.yml").write_text(json.dumps(HOSTS[host]))
    (inventory / "host_vars" / "prod-eu" / "cluster.yml").write_text(json.dumps(HOSTS["prod-eu"]))
    secret_file = inventory / "host_vars" / "prod-eu" / "credentials.yml"
    secret_file.write_text(json.dumps({"cluster_encryption_kms_account_api_key": KMS_ACCOUNT_KEY}))
    return inventory, secret_file


def ansible_env(url: str, folder: pathlib.Path) -> dict:
    """Every file Ansible writes goes under FOLDER, where the audit reads it."""
    return playbook_env(
        url,
        ANSIBLE_HOME=str(folder / "ansible-home"),
        ANSIBLE_LOCAL_TEMP=str(folder / "local-tmp"),
        ANSIBLE_REMOTE_TEMP=str(folder / "remote-tmp"),
        ANSIBLE_LOG_PATH=str(folder / "ansible.log"),
    )


def test_no_secret_in_any_output_or_file(tmp_path, world_url):
    hosts, secret_file = inventory(tmp_path)
    (tmp_path / "reports").mkdir()
    env = ansible_env(world_url, tmp_path)
    found = []
    for what, playbook, codes in RUNS:
        extra = ["-e", f"report_path={tmp_path / 'reports' / 'verify.json'}"] if "verify" in playbook[0] else []
        command = ["ansible-playbook", "-vvvv", "-i", str(hosts), *playbook, *extra]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)
        failures = "\n".join(
            line
            for line in done.stdout.splitlines()
            if line.startswith(("fatal:", "failed:")) or "\"msg\"" in line or "problem" in line
        )
        assert done.returncode in codes, f"{what}: rc {done.returncode}\n{failures[-6000:]}\n{done.stderr[-2000:]}"
        if "refused" in what:
            assert "use different KMS accounts" in done.stdout
        found += leaks(done.stdout, f"the output of {what}") + leaks(done.stderr, f"the errors of {what}")
    found += run_as_awx(tmp_path / "runner", world_url)
    by_design = {tmp_path / "runner" / "env" / "envvars", tmp_path / "runner" / "artifacts" / "verify" / "command"}
    for path in written_files(tmp_path, exclude={secret_file} | by_design):
        found += leaks(path.read_text(encoding="utf-8", errors="replace"), f"file {path.relative_to(tmp_path)}")
    assert (tmp_path / "reports" / "verify.json").is_file() and (tmp_path / "ansible.log").is_file()
    assert not found, "secrets shown or written:\n" + "\n".join(found)


def run_as_awx(private_data_dir: pathlib.Path, url: str) -> list:
    """verify as an AWX job runs it: ansible-runner, the API key injected into the job's environment, -vvvv; the
    leaks in its events and stdout as ansible-runner hands them over.

    Its env/envvars and artifacts/<ident>/command hold that environment by design (AWX deletes them after the job
    and keeps the environment masked); the caller audits every other file it writes."""
    folder = private_data_dir / "ansible"
    job_env = {name: value for name, value in ansible_env(url, folder).items() if name not in os.environ}
    (private_data_dir / "env").mkdir(parents=True)
    (private_data_dir / "env" / "envvars").write_text(json.dumps({**job_env, **endpoints.environment(url)}))
    (private_data_dir / "inventory").mkdir()
    (private_data_dir / "inventory" / "hosts.json").write_text(
        json.dumps({"kms_clusters": {"hosts": {"demo-vpc": HOSTS["demo-vpc"]}}})
    )
    runner = ansible_runner.run(
        private_data_dir=str(private_data_dir),
        playbook="ibmcloud.kms.verify",
        ident="verify",
        extravars={"report_path": str(private_data_dir / "kms-verify-report.json")},
        verbosity=4,
        quiet=True,
    )
    assert runner.rc == 0, runner.stdout.read()[-4000:]
    shown = json.dumps(list(runner.events)) + runner.stdout.read()
    return leaks(shown, "the events and stdout of the ansible-runner job")


def test_the_audit_catches_a_key_on_the_command_line(tmp_path, world_url):
    """Why the docs keep credentials off the command line: ansible-playbook echoes extra vars at -vvvv, and the audit
    above would catch it (the run stops at its first task, on the mixed KMS accounts)."""
    hosts, _secret_file = inventory(tmp_path)
    command = [
        "ansible-playbook",
        "-vvvv",
        "-i",
        str(hosts),
        "ibmcloud.kms.setup",
        "-e",
        f"ibmcloud_api_key={ADMIN_KEY}",
    ]
    done = subprocess.run(
        command, env=ansible_env(world_url, tmp_path), capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False
    )
    assert done.returncode == 2
    assert leaks(done.stdout + done.stderr, "the output") != []
    assert leaks("Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJpYW1faWQiOiJ4In0.c2ln", "a line") != []
