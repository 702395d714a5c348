# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""validate_certs=false warns once per run, however many tasks use it."""

from __future__ import annotations

import subprocess

from conftest import playbook_env

PLAYBOOK = """
- hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    group/ibmcloud.kms.ibmcloud:
      validate_certs: false
  tasks:
    - ibmcloud.kms.kms_instance_info:
    - ibmcloud.kms.iam_token:
      no_log: true
    - ibmcloud.kms.kms_instance_info:
        all_regions: true
"""


def test_validate_certs_false_warns_once_per_run(tmp_path, emulator):
    playbook = tmp_path / "playbook.yml"
    playbook.write_text(PLAYBOOK, encoding="utf-8")
    env = playbook_env(emulator.base_url, ANSIBLE_INVENTORY_UNPARSED_WARNING="False")
    done = subprocess.run(
        ["ansible-playbook", str(playbook)], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    shown = done.stdout + done.stderr
    assert shown.count("validate_certs=false: the TLS certificates") == 1, shown
    assert "ok=3" in done.stdout
