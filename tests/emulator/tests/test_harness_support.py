"""What the test harness relies on: the endpoint table (``ibmcloud-emulator env``) and POST /_emulator/timings."""

from __future__ import annotations

import json

import pytest

from ibmcloud_emulator import cli, endpoints


def test_env_prints_every_endpoint_of_the_table(capsys):
    assert cli.main(["env", "http://127.0.0.1:8123/"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "export IBMCLOUD_CS_API_ENDPOINT=http://127.0.0.1:8123/global" in lines
    assert "export IBMCLOUD_IAM_API_ENDPOINT=http://127.0.0.1:8123" in lines
    assert "export IC_API_KEY=emulator-admin-key" in lines
    assert len(lines) == len(endpoints.ENDPOINTS) + 2


def test_env_json_gives_the_modules_endpoints_option(capsys):
    assert cli.main(["env", "https://localhost:9", "--output", "json"]) == 0
    table = json.loads(capsys.readouterr().out)
    assert table["endpoints"]["containers"] == "https://localhost:9/global"
    assert set(table["endpoints"]) == {key for key, _variable, _path in endpoints.ENDPOINTS}
    assert table["environment"]["IBMCLOUD_GT_API_ENDPOINT"] == "https://localhost:9"


def test_env_refuses_what_is_not_a_url(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["env", "127.0.0.1:8123"])
    assert stopped.value.code == 2
    assert "must start with http://" in capsys.readouterr().err


def test_timings_change_until_reset(client, world):
    answer = client.post("/_emulator/timings", json={"rewrap_seconds": 3600, "enable_seconds": 0})
    assert answer.status_code == 200
    assert answer.get_json() == {"provision_seconds": 2.0, "enable_seconds": 0.0, "rewrap_seconds": 3600.0}
    assert (world.rewrap_seconds, world.enable_seconds) == (3600.0, 0.0)
    client.post("/_emulator/reset")
    assert (world.rewrap_seconds, world.enable_seconds) == (0.0, 3.0)


@pytest.mark.parametrize(
    "body", [{"rewrap_seconds": -1}, {"rewrap_seconds": "long"}, {"rewrap_seconds": True}, {"latency_ms": 5}]
)
def test_timings_refuse_bad_values_and_change_nothing(client, world, body):
    answer = client.post("/_emulator/timings", json={"provision_seconds": 9, **body})
    assert answer.status_code == 400
    assert world.provision_seconds == 2.0
