"""The emulator's core: IAM tokens, the admin API, the request log, faults and TLS."""

from __future__ import annotations

import subprocess
import sys
import time

import jwt
import pytest
import requests
from ibm_cloud_sdk_core import ApiException
from ibm_cloud_sdk_core.authenticators import IAMAuthenticator

from conftest import requests_log, token_for

GRANT = "urn:ibm:params:oauth:grant-type:apikey"


def test_sdk_core_gets_a_jwt_with_account_claims(admin_auth):
    token = admin_auth.token_manager.get_token()
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iam_id"] == "IBMid-100000ADMN"
    assert claims["account"]["bss"] == "a1b2c3d4e5f60718293a4b5c6d7e8f90"
    assert claims["exp"] - claims["iat"] == 3600


def test_unknown_api_key_is_400_bxnim0415e(base_url):
    with pytest.raises(ApiException) as caught:
        IAMAuthenticator("no-such-key", url=base_url).token_manager.get_token()
    assert caught.value.status_code == 400
    assert caught.value.http_response.json()["errorCode"] == "BXNIM0415E"


@pytest.mark.parametrize(
    "form, code",
    [
        ({"grant_type": GRANT}, "BXNIM0109E"),
        ({"grant_type": "password", "apikey": "emulator-admin-key"}, "BXNIM0109E"),
    ],
)
def test_token_request_validation(client, form, code):
    response = client.post("/identity/token", data=form)
    assert response.status_code == 400
    assert response.get_json()["errorCode"] == code


def test_token_expires_with_the_emulator_clock(client, world):
    token = token_for(client)
    claims = jwt.decode(token, options={"verify_signature": False})
    world.clock.advance(3601)
    from ibmcloud_emulator.auth import decode_token

    assert decode_token(world.secret, token, world.clock.now()) is None
    assert claims["exp"] < world.clock.now()


def test_request_log_records_service_status_and_change(client):
    token_for(client)
    client.post("/identity/token", data={"grant_type": GRANT, "apikey": "bad"})
    entries = client.get("/_emulator/requests").get_json()["requests"]
    assert [(e["service"], e["status"], e["changed"]) for e in entries] == [
        ("iam-identity", 200, False),
        ("iam-identity", 400, False),
    ]
    assert client.delete("/_emulator/requests").status_code == 204
    assert client.get("/_emulator/requests").get_json()["requests"] == []


def test_private_prefix_is_served_and_logged_as_private(client):
    response = client.post("/private/identity/token", data={"grant_type": GRANT, "apikey": "emulator-admin-key"})
    assert response.status_code == 200
    assert client.get("/_emulator/requests").get_json()["requests"][0]["endpoint"] == "private"


def test_clock_advances_and_rejects_negative(client):
    assert client.post("/_emulator/clock", json={"advance_seconds": 90}).get_json()["clock_offset_seconds"] == 90
    assert client.post("/_emulator/clock", json={"advance_seconds": -1}).status_code == 400


@pytest.mark.parametrize("kind, status", [("429", 429), ("500", 500), ("502", 502), ("503", 503)])
def test_http_faults(client, kind, status):
    assert client.post("/_emulator/faults", json={"rate": 1.0, "seed": 1, "kinds": [kind]}).status_code == 200
    response = client.post("/identity/token", data={"grant_type": GRANT, "apikey": "emulator-admin-key"})
    assert response.status_code == status
    if status == 429:
        assert response.headers["Retry-After"] == "1"
    assert client.get("/_emulator/requests").get_json()["requests"][-1]["fault"] == kind


def test_faults_are_reproducible_for_a_seed(client):
    def statuses():
        client.post("/_emulator/faults", json={"rate": 0.5, "seed": 7, "kinds": ["500"]})
        return [client.post("/identity/token", data={"grant_type": GRANT, "apikey": "emulator-admin-key"}).status_code
                for _ in range(20)]

    first = statuses()
    assert first == statuses()
    assert 500 in first and 200 in first


def test_unknown_fault_kind_is_refused(client):
    assert client.post("/_emulator/faults", json={"rate": 1, "kinds": ["teapot"]}).status_code == 400


@pytest.mark.parametrize("kind", ["reset", "lost"])
def test_network_faults_drop_the_connection(base_url, kind):
    requests.post(base_url + "/_emulator/faults", json={"rate": 1.0, "seed": 3, "kinds": [kind]}, timeout=5)
    with pytest.raises(requests.ConnectionError):
        requests.post(base_url + "/identity/token", data={"grant_type": GRANT, "apikey": "emulator-admin-key"},
                      timeout=5)
    requests.post(base_url + "/_emulator/faults", json={"rate": 0}, timeout=5)
    assert requests_log(base_url)[-1]["fault"] == kind


def test_reset_restores_the_seed_and_clears_faults(client):
    client.post("/_emulator/clock", json={"advance_seconds": 10})
    client.post("/_emulator/faults", json={"rate": 1.0, "kinds": ["500"]})
    assert client.post("/_emulator/reset").status_code == 200
    state = client.get("/_emulator/state").get_json()
    assert state["clock_offset_seconds"] == 0
    assert "emulator-admin-key" in state["api_keys"]
    assert token_for(client)


def _start_cli(*extra: str) -> tuple[subprocess.Popen, str, float]:
    began = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "ibmcloud_emulator.cli", "--port", "0", "--quiet", *extra],
                               stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline().strip()
    return process, line, time.monotonic() - began


def test_cli_port_zero_prints_the_url_first():
    process, line, _ = _start_cli()
    try:
        assert line.startswith("listening on http://127.0.0.1:")
        assert requests.get(line.split()[-1] + "/_emulator/health", timeout=5).json()["status"] == "ok"
    finally:
        process.terminate()
        process.wait(5)


def test_cli_tls_serves_https_trusted_by_the_written_ca(tmp_path):
    ca = tmp_path / "ca.pem"
    process, line, _ = _start_cli("--tls", "--ca-file", str(ca))
    try:
        url = line.split()[-1]
        assert url.startswith("https://localhost:")
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(url + "/_emulator/health", timeout=5)
        assert requests.get(url + "/_emulator/health", timeout=5, verify=str(ca)).status_code == 200
    finally:
        process.terminate()
        process.wait(5)


def test_faults_can_target_requests_and_stop_after_a_limit(client):
    body = {"rate": 1.0, "kinds": ["503"], "methods": ["POST"], "path_prefix": "/identity/", "limit": 2}
    assert client.post("/_emulator/faults", json=body).get_json()["limit"] == 2
    form = {"grant_type": GRANT, "apikey": "emulator-admin-key"}
    statuses = [client.post("/identity/token", data=form).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert client.get("/_emulator/health").status_code == 200
    assert client.get("/_emulator/requests").get_json()["requests"][-1]["fault"] is None
