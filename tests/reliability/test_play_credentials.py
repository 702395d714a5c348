# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The credentials a play gives reach every module of the role.

As a trusted profile, without any API key (an AWX job pod with its compute resource token): the cluster ends
encrypted, the play asks IAM for one token, and the API key is nowhere. With the API key as a play variable
(ibmcloud_api_key, in a vaulted vars file) and no shared token: the role's modules get it from the play's
module_defaults, which the role's own module_defaults must not replace."""

from __future__ import annotations

import subprocess

import requests
from conftest import playbook_env

from ibmcloud_emulator import World
from ibmcloud_emulator.seed import CR_TOKEN
from ibmcloud_emulator.server import start


def setup(tmp_path, emulated: World, env_changes: dict, *extra: str) -> tuple:
    """Run the setup playbook for demo-vpc: (the process, the request log, whether demo-vpc ends encrypted)."""
    running = start(emulated)
    try:
        env = playbook_env(
            running.base_url, ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"), ANSIBLE_HOME=str(tmp_path / "home")
        )
        del env["IC_API_KEY"]
        env.update(env_changes)
        command = ["ansible-playbook", "ibmcloud.kms.setup", "-e", "clusters=demo-vpc", *extra]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
        log = requests.get(f"{running.base_url}/_emulator/requests", timeout=30).json()["requests"]
        with emulated.lock:
            emulated.tick()
            clusters = emulated.data["clusters"].values()
            encrypted = bool(next(c for c in clusters if c["name"] == "demo-vpc").get("_kms"))
    finally:
        running.stop()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    return done, log, encrypted


def world() -> World:
    return World(provision_seconds=0.2, enable_seconds=0.5, rewrap_seconds=0.2)


def test_the_api_key_of_a_play_variable_reaches_the_roles_modules(tmp_path):
    extra = ["-e", "ibmcloud_api_key=emulator-admin-key", "-e", "cluster_encryption_reuse_token=false"]
    done, log, encrypted = setup(tmp_path, world(), {}, *extra)
    assert encrypted
    assert [entry["path"] for entry in log].count("/identity/token") > 1  # each module run gets its own token


def test_the_setup_playbook_runs_as_a_trusted_profile_without_an_api_key(tmp_path):
    token_file = tmp_path / "sa-token"
    token_file.write_text(CR_TOKEN)
    extra = ["-e", "ibmcloud_auth_type=container", "-e", f"ibmcloud_cr_token_filename={token_file}"]
    # IBMCLOUD_CR_PROFILE as the AWX credential injects it
    done, log, encrypted = setup(tmp_path, world(), {"IBMCLOUD_CR_PROFILE": "kms-automation"}, *extra)
    assert encrypted
    assert [entry["path"] for entry in log].count("/identity/token") == 1
    assert "emulator-admin-key" not in done.stdout + done.stderr
