# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the reliability tests: an emulator on a real socket in this process, and a module run in it.

Run by the test harness (`make test STEPS=reliability`), which puts the collection copy on PYTHONPATH and
ANSIBLE_COLLECTIONS_PATH.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys

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


def playbook_env(url: str, **ansible: str) -> dict:
    """The environment of an ansible-playbook (or ansible, ansible-runner) process against the emulator at URL: the
    machine's IBM Cloud variables dropped, the emulator's endpoints and API key, this Python for the modules, plus
    the ANSIBLE_* settings given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IC_", "IBMCLOUD_"))}
    env.update(endpoints.environment(url))
    env.update(ANSIBLE_LOCALHOST_WARNING="False", ANSIBLE_NOCOLOR="1", ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    env.update(ansible)
    return env


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


@pytest.fixture(autouse=True, scope="session")
def quiet_emulator():
    """The emulators these tests start in this process log no request lines (their request log is read instead)."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)


def module(name: str):
    """The main() of one of the collection's modules."""
    return importlib.import_module(f"ansible_collections.ibmcloud.kms.plugins.modules.{name}").main


def admin(url: str, path: str, body: dict) -> dict:
    """POST to the emulator's admin API (/_emulator/PATH)."""
    answer = requests.post(f"{url}/_emulator/{path}", json=body, timeout=30)
    answer.raise_for_status()
    return answer.json()


class EmulatorTime:
    """The modules' sleep: it moves the emulator's clock instead of waiting. Once ``armed``, the first pause starts an
    outage of the Kubernetes Service's cluster reads (every one fails: 503, 502, a reset or a lost answer) that ends
    ``outage_seconds`` later on that clock."""

    def __init__(self, url: str, outage_seconds: float = 0.0) -> None:
        self.url = url
        self.outage_seconds = outage_seconds
        self.armed = False
        self.outage_left: float | None = None

    def sleep(self, seconds: float) -> None:
        if self.armed and self.outage_left is None:
            faults = {"rate": 1.0, "seed": 7, "kinds": ["503", "502", "reset", "lost"], "methods": ["GET"]}
            admin(self.url, "faults", {**faults, "path_prefix": "/global/v2/getCluster"})
            self.outage_left = self.outage_seconds
        admin(self.url, "clock", {"advance_seconds": seconds})
        if self.outage_left is not None and self.outage_left > 0:
            self.outage_left -= seconds
            if self.outage_left <= 0:
                admin(self.url, "faults", {"rate": 0.0})


def use_emulator_time(url: str, monkeypatch, outage_seconds: float = 0.0) -> EmulatorTime:
    """Make every pause of the modules run in this process (waits, retries) move the emulator's clock."""
    from ansible_collections.ibmcloud.kms.plugins.module_utils import _client, _wait

    clock = EmulatorTime(url, outage_seconds)
    monkeypatch.setitem(_wait.wait_until.__kwdefaults__, "sleep", clock.sleep)
    monkeypatch.setitem(_client.Session.__init__.__kwdefaults__, "sleep", clock.sleep)
    return clock
