# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the reliability tests: an emulator on a real socket in this process, and a module run in it.

Run by the test harness (`make test STEPS=reliability`), which puts the collection copy on PYTHONPATH and
ANSIBLE_COLLECTIONS_PATH.
"""

from __future__ import annotations

import json

import pytest
import requests
from ansible.module_utils.testing import patch_module_args

from ibmcloud_emulator import World, endpoints
from ibmcloud_emulator.server import start

API_KEY = "emulator-admin-key"


@pytest.fixture(scope="module")
def emulator():
    running = start(World(provision_seconds=0.2, enable_seconds=0.2, rewrap_seconds=0.2))
    yield running
    running.stop()


def connection(url: str) -> dict:
    """The module options that point a module at the emulator at URL."""
    return {"api_key": API_KEY, "endpoints": endpoints.module_endpoints(url)}


def changing_requests(url: str) -> list:
    answer = requests.get(f"{url}/_emulator/requests", params={"changed": "true"}, timeout=30)
    return answer.json()["requests"]


def run_module(capsys, main, args: dict) -> dict:
    """MAIN run in this process with ARGS; the JSON it exits with. Any other exception fails the test."""
    from ansible.module_utils.common import warnings

    for name in ("_global_warnings", "_global_deprecations"):
        getattr(warnings, name, []).clear()
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            main()
    return json.loads(capsys.readouterr().out)
