"""VPC worker pools with encrypted boot volumes: createWorkerPool (bluemix-go's nested workerVolumeEncryption),
getWorkerPools / getWorkerPool as Terraform reads them, and the v1 delete."""

from __future__ import annotations

import pytest
from test_containers import add_instance, add_key, auth

BODY = {"cluster": "demo-vpc", "name": "encrypted", "flavor": "bx2.4x16", "vpcID": "vpc-1", "workerCount": 2,
        "zones": [{"id": "us-south-1", "subnetID": "sn-1"}]}


def create(client, body, apikey="emulator-admin-key"):
    return client.post("/global/v2/vpc/createWorkerPool", json=body, headers=auth(client, apikey))


def test_a_pool_is_created_with_its_encryption_and_read_back(client, world):
    guid = add_instance(world)
    key = add_key(world, guid)
    encryption = {"kmsInstanceID": guid, "workerVolumeCRKID": key}
    made = create(client, {**BODY, "workerVolumeEncryption": encryption})
    assert made.status_code == 201 and made.get_json()["workerPoolID"]
    pools = client.get("/global/v2/vpc/getWorkerPools?cluster=demo-vpc", headers=auth(client)).get_json()
    assert [p["poolName"] for p in pools] == ["encrypted"]
    assert pools[0]["workerVolumeEncryption"] == encryption
    assert pools[0]["zones"] == [{"id": "us-south-1", "workerCount": 2, "subnets": [{"id": "sn-1", "primary": True}]}]
    assert pools[0]["lifecycle"]["actualState"] == "deploying"
    world.clock.advance(2)
    one = client.get("/global/v2/vpc/getWorkerPool?cluster=demo-vpc&workerpool=encrypted", headers=auth(client))
    assert one.get_json()["lifecycle"]["actualState"] == "deployed"
    assert create(client, BODY).status_code == 409
    gone = client.delete(f"/global/v1/clusters/demo-vpc/workerpools/{pools[0]['id']}", headers=auth(client))
    assert gone.status_code == 204
    assert client.get("/global/v2/vpc/getWorkerPools?cluster=demo-vpc", headers=auth(client)).get_json() == []


# (what is wrong with the request, the status)
REFUSED = [
    ({"flavor": None}, 400),
    ({"zones": [{"id": "us-south-1"}]}, 400),
    ({"cluster": "demo-classic"}, 400),
    ({"workerVolumeEncryption": {"kmsInstanceID": "nope"}}, 400),
]


@pytest.mark.parametrize("change, status", REFUSED)
def test_bad_requests_are_refused(client, change, status):
    body = {k: v for k, v in {**BODY, **change}.items() if v is not None}
    assert create(client, body).status_code == status


def test_a_key_that_is_not_active_is_refused(client, world):
    guid = add_instance(world)
    key = add_key(world, guid, state=3)
    encryption = {"kmsInstanceID": guid, "workerVolumeCRKID": key}
    assert create(client, {**BODY, "workerVolumeEncryption": encryption}).status_code == 404


def test_a_viewer_cannot_create_a_pool(client):
    assert create(client, BODY, "emulator-viewer-key").status_code == 403
