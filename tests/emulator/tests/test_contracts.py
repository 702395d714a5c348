"""The contract choices the emulator plays where IBM publishes none (contracts.py, docs/contracts.md)."""

from __future__ import annotations

import pytest
import requests

from ibmcloud_emulator import cli, contracts
from test_containers import Api, add_instance, add_key, cluster_named, enable_body, registrations


@pytest.mark.parametrize(
    "choice, registered",
    [
        ("cluster-crn", lambda c: [c["crn"]]),
        ("cluster-id-scoped",
         lambda c: [f"crn:v1:bluemix:public:containers-kubernetes:us-south:a/{c['_account_id']}:{c['id']}:secret:kms"]),
        ("none", lambda c: []),
    ],
)
def test_the_registration_iks_writes(base_url, world, choice, registered):
    assert requests.post(base_url + "/_emulator/contract", json={"registration-crn": choice}, timeout=5).ok
    api = Api(base_url)
    guid = add_instance(world)
    key = add_key(world, guid, name="crk-1")
    assert api.enable(enable_body(world, "demo-vpc", guid, key)).status_code == 200
    api.advance(world.enable_seconds)
    assert api.cluster("demo-vpc")["features"]["keyProtectEnabled"] is True
    assert [r["resourceCrn"] for r in registrations(world, guid)] == registered(cluster_named(world, "demo-vpc"))


@pytest.mark.parametrize(
    "choice, status, body",
    [
        ("clusterkeyowner", 200, {"id": "IBMid-100000OWNP", "name": "Pat Prod-Owner",
                                  "email": "cluster-owner-prod@example.com"}),
        ("go-field-names", 200, {"ID": "IBMid-100000OWNP", "Name": "Pat Prod-Owner",
                                 "Email": "cluster-owner-prod@example.com"}),
        ("name-only", 200, {"name": "Pat Prod-Owner", "email": "cluster-owner-prod@example.com"}),
        ("not-served", 404, None),
    ],
)
def test_the_key_owner_answer(base_url, choice, status, body):
    assert requests.post(base_url + "/_emulator/contract", json={"key-owner": choice}, timeout=5).ok
    api = Api(base_url)
    answer = requests.get(base_url + "/global/v1/logging/demo-classic/clusterkeyowner", headers=api.headers, timeout=5)
    assert answer.status_code == status
    if body is not None:
        assert answer.json() == body


def test_reset_restores_the_start_up_choices_and_bad_choices_are_refused(base_url, world):
    assert requests.post(base_url + "/_emulator/contract", json={"key-owner": "not-served"}, timeout=5).ok
    assert requests.post(base_url + "/_emulator/contract", json={"key-owner": "maybe"}, timeout=5).status_code == 400
    assert requests.post(base_url + "/_emulator/contract", json={"nope": "x"}, timeout=5).status_code == 400
    requests.post(base_url + "/_emulator/reset", timeout=5)
    assert world.contract == contracts.DEFAULTS


def test_the_command_line_takes_choices_and_names_the_known_ones(capsys):
    assert cli.parse_args(["--contract", "key-owner=name-only"]).contract == {"key-owner": "name-only"}
    with pytest.raises(SystemExit):
        cli.parse_args(["--contract", "key-owner=maybe"])
    assert "choices: clusterkeyowner, go-field-names, name-only, not-served" in capsys.readouterr().err
