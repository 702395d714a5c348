"""Kubernetes Service: VPC worker pools, with boot volumes encrypted by a KMS root key (workerVolumeEncryption).

Contract (docs/containers.md, "VPC worker pools"): bluemix-go api/container/containerv2/worker_pool.go
(WorkerPoolRequest, the nested workerVolumeEncryption) and clusters.go (WorkerVolumeEncryption); the read fields as
Terraform's ibm_container_vpc_worker_pool reads them; DELETE /v1/clusters/{c}/workerpools/{p} (bluemix-go, Terraform).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from .auth import bearer_principal
from .containers import _bad_request, _kms_instance, _kms_key, _kms_refused, _unauthorized, find_cluster
from .context import current_world
from .errors import ServiceError, containers_error
from .world import World

SERVICE = "containers-kubernetes"
blueprint = Blueprint("worker_pools", __name__, url_prefix="/global")
DEPLOY_SECONDS = 1.0  # until the pool's workers are deployed (emulator clock)


@blueprint.before_request
def _authenticate() -> None:
    g.principal = bearer_principal(current_world(), _unauthorized)


def _vpc_cluster(world: World, ref: str, role: str) -> dict[str, Any]:
    cluster = find_cluster(world, g.principal, ref, role)
    if cluster["provider"] != "vpc-gen2":
        raise _bad_request(f"The cluster '{ref}' is not a VPC cluster.", "E4002")
    return cluster


def _render(world: World, pool: dict[str, Any]) -> dict[str, Any]:
    deployed = world.clock.now() >= pool["_deployed_at"]
    view = {k: v for k, v in pool.items() if not k.startswith("_")}
    view["lifecycle"] = {"actualState": "deployed" if deployed else "deploying", "desiredState": "deployed"}
    return view


def _encryption(world: World, cluster: dict[str, Any], asked: Any) -> dict[str, Any] | None:
    """The pool's workerVolumeEncryption: the instance must exist in the account it names (the cluster's by
    default), and the key must be an active root key in it (assumptions: the errors IKS gives are unpublished)."""
    if asked is None:
        return None
    if not isinstance(asked, dict) or not asked.get("kmsInstanceID") or not asked.get("workerVolumeCRKID"):
        raise _bad_request("workerVolumeEncryption needs kmsInstanceID and workerVolumeCRKID.")
    account = asked.get("kmsAccountID") or cluster["_account_id"]
    _kms_instance(world, asked["kmsInstanceID"], account)
    key = _kms_key(world, asked["kmsInstanceID"], asked["workerVolumeCRKID"])
    if key is None or key.get("extractable") is not False or key.get("state") != 1:
        raise _kms_refused("E4041", f"The root key '{asked['workerVolumeCRKID']}' is not an active root key.", 404)
    return {k: asked[k] for k in ("kmsInstanceID", "workerVolumeCRKID", "kmsAccountID") if asked.get(k)}


@blueprint.post("/v2/vpc/createWorkerPool")
def create_worker_pool() -> Response:
    world = current_world()
    body = request.get_json(silent=True) or {}
    with world.lock:
        cluster = _vpc_cluster(world, str(body.get("cluster", "")), "Operator")
        missing = [f for f in ("name", "flavor", "vpcID", "zones") if not body.get(f)]
        if missing:
            raise _bad_request(f"Missing fields: {', '.join(missing)}.")
        zones = body["zones"]
        if not isinstance(zones, list) or not all(
            isinstance(z, dict) and z.get("id") and z.get("subnetID") for z in zones
        ):
            raise _bad_request("zones must list {id, subnetID}.")
        pools = cluster.setdefault("_worker_pools", [])
        if any(p["poolName"] == body["name"] for p in pools):
            raise ServiceError(
                containers_error(409, "E0005", f"The worker pool '{body['name']}' already exists.", "Conflict")
            )
        encryption = _encryption(world, cluster, body.get("workerVolumeEncryption"))
        count = int(body.get("workerCount") or 1)
        pool = {
            "id": f"{cluster['id']}-{world.new_id()[:8]}",
            "poolName": body["name"],
            "flavor": body["flavor"],
            "workerCount": count,
            "provider": "vpc-gen2",
            "vpcID": body["vpcID"],
            "isolation": body.get("isolation") or "shared",
            "labels": dict(body.get("labels") or {}),
            "zones": [
                {"id": z["id"], "workerCount": count, "subnets": [{"id": z["subnetID"], "primary": True}]}
                for z in zones
            ],
            "_deployed_at": world.clock.now() + DEPLOY_SECONDS,
        }
        if encryption:
            pool["workerVolumeEncryption"] = encryption
        pools.append(pool)
    response = jsonify({"workerPoolID": pool["id"]})
    response.status_code = 201
    return response


@blueprint.get("/v2/vpc/getWorkerPools")
def get_worker_pools() -> Response:
    world = current_world()
    with world.lock:
        cluster = _vpc_cluster(world, request.args.get("cluster", ""), "Viewer")
        return jsonify([_render(world, p) for p in cluster.get("_worker_pools", [])])


@blueprint.get("/v2/vpc/getWorkerPool")
def get_worker_pool() -> Response:
    world = current_world()
    with world.lock:
        cluster = _vpc_cluster(world, request.args.get("cluster", ""), "Viewer")
        ref = request.args.get("workerpool", "")
        for pool in cluster.get("_worker_pools", []):
            if ref in (pool["id"], pool["poolName"]):
                return jsonify(_render(world, pool))
    raise ServiceError(containers_error(404, "G0004", f"The worker pool '{ref}' could not be found.", "NotFound"))


@blueprint.delete("/v1/clusters/<ref>/workerpools/<pool_ref>")
def delete_worker_pool(ref: str, pool_ref: str) -> Response:
    world = current_world()
    with world.lock:
        cluster = _vpc_cluster(world, ref, "Operator")
        pools = cluster.get("_worker_pools", [])
        kept = [p for p in pools if pool_ref not in (p["id"], p["poolName"])]
        if len(kept) == len(pools):
            raise ServiceError(
                containers_error(404, "G0004", f"The worker pool '{pool_ref}' could not be found.", "NotFound")
            )
        cluster["_worker_pools"] = kept
    return Response(status=204)
