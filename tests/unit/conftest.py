# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests never reach a network: a real HTTP send fails the test at once (fakes mount their own adapter)."""

from __future__ import annotations

import pytest
import requests


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(_adapter, request, **_kwargs):
        raise AssertionError(f"a unit test tried to reach {request.url}; fake the client instead")

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", refuse)


@pytest.fixture(autouse=True)
def fresh_module_warnings():
    """ansible-core keeps a module's warnings and deprecations in process-wide collections: start each test empty, so
    that a test never sees the warnings of one that ran before it in the same process."""
    from ansible.module_utils.common import warnings

    for name in ("_global_warnings", "_global_deprecations"):
        collected = getattr(warnings, name, None)
        if collected is not None:
            collected.clear()
