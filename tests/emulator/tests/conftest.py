"""Fixtures: a real emulator on a free port (for IBM's clients) and a Flask test client."""

from __future__ import annotations

import pytest
import requests
from ibm_cloud_sdk_core.authenticators import IAMAuthenticator

from ibmcloud_emulator import World, create_app
from ibmcloud_emulator.server import start


@pytest.fixture
def world():
    return World(provision_seconds=2.0, enable_seconds=3.0)


@pytest.fixture
def emulator(world):
    running = start(world)
    yield running
    running.stop()


@pytest.fixture
def base_url(emulator):
    return emulator.base_url


@pytest.fixture
def admin_auth(base_url):
    return IAMAuthenticator("emulator-admin-key", url=base_url)


@pytest.fixture
def viewer_auth(base_url):
    return IAMAuthenticator("emulator-viewer-key", url=base_url)


@pytest.fixture
def client(world):
    """Flask test client for wire-level checks (no network)."""
    return create_app(world).test_client()


def token_for(client, apikey: str = "emulator-admin-key") -> str:
    response = client.post(
        "/identity/token",
        data={"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": apikey},
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


@pytest.fixture
def admin_headers(client):
    return {"Authorization": "Bearer " + token_for(client)}


def requests_log(base_url: str) -> list[dict]:
    return requests.get(base_url + "/_emulator/requests", timeout=5).json()["requests"]
