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
