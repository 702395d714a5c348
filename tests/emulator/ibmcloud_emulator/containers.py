"""IBM Cloud Kubernetes Service API (IKS / ROKS / Satellite): clusters, KMS enablement, KMS listing helpers.

Real base URL https://containers.cloud.ibm.com/global. Decisions and assumptions: docs/containers.md.
Internal cluster fields (stripped on output): ``_account_id``, ``_kms`` (active KMS config or None),
``_kms_pending`` (accepted enable still running), ``_kms_history`` (root keys used, oldest first),
``_kms_error`` (reason of the last failed enable or None).
"""

from __future__ import annotations

import copy
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from . import kp_store
from .auth import Principal, attributes_match, bearer_principal, has_role, role_crn, role_name, roles_held, satisfies
from .context import current_world
from .errors import ServiceError, containers_error
from .seed import stable_id
from .world import World, seed_loader, ticker

SERVICE = "containers-kubernetes"
blueprint = Blueprint("containers", __name__, url_prefix="/global")

KMS_SERVICES = ("kms", "hs-crypto")
IKS_KEY_NAME = "containers-kubernetes-key"
IKS_SERVICE_IAM_ID = "iam-ServiceId-containers-kubernetes"
IN_PROGRESS = "Key management service feature enablement in progress."
FAILED = "Key management service feature enablement failed."
VERSIONS = {"kubernetes": "1.30.4_1535", "openshift": "4.15.28_openshift"}
# Root key state -> (cluster state, what happened), see docs/containers.md "Root key health".
KEY_PROBLEMS: dict[Any, tuple[str, str]] = {  # looked up with a key's raw state
    2: ("warning", "is disabled"),
    3: ("warning", "is deactivated (expired)"),
    5: ("critical", "was deleted"),
}


# -- errors -------------------------------------------------------------------------------------
def _error(status: int, code: str, description: str, type_: str = "General") -> ServiceError:
    return ServiceError(containers_error(status, code, description, type_))


def _unauthorized() -> Response:
    return containers_error(
        401,
        "A0003",
        "The IAM token in the Authorization header is missing, invalid or expired. Get a new IAM access token.",
        "Authentication",
    )


def _forbidden(role: str) -> ServiceError:
    return _error(
        403,
        "E4031",
        f"You do not have the required permissions for this action. The IAM "
        f"{role} platform role for the cluster is required.",
        "Authorization",
    )


def _cluster_not_found(ref: str) -> ServiceError:
    return _error(
        404,
        "G0004",
        f"The cluster '{ref}' could not be found. Make sure that you target the "
        "account and resource group of the cluster.",
    )


def _bad_request(description: str, code: str = "E4001") -> ServiceError:
    return _error(400, code, description, "BadRequest")


def _kms_refused(code: str, description: str, status: int = 400) -> ServiceError:
    return _error(status, code, description, "KMS")


@blueprint.before_request
def _authenticate() -> None:
    g.principal = bearer_principal(current_world(), _unauthorized)


# -- seed ---------------------------------------------------------------------------------------
def cluster_id(account_id: str, name: str) -> str:
    """20 lowercase base32 characters (0-9a-v), like real cluster ids such as bs65tjud0j4njc8pu30g."""
    number = int(stable_id("cluster", account_id, name, length=25), 16)
    digits = "0123456789abcdefghijklmnopqrstuv"
    return "".join(digits[(number >> (5 * i)) & 31] for i in reversed(range(20)))


def _endpoints(cid: str, region: str) -> dict[str, Any]:
    port = 30000 + int(cid[:4], 32) % 2768
    return {
        "privateServiceEndpointEnabled": True,
        "privateServiceEndpointURL": f"https://c100.private.{region}.containers.cloud.ibm.com:{port}",
        "publicServiceEndpointEnabled": True,
        "publicServiceEndpointURL": f"https://c100.{region}.containers.cloud.ibm.com:{port}",
    }


def _zones(provider: str, region: str) -> list[str]:
    if provider == "classic":
        return ["dal10"] if region == "us-south" else [f"{region}-1"]
    return [f"{region}-1", f"{region}-2", f"{region}-3"]


def new_cluster(world: World, spec: dict[str, Any]) -> dict[str, Any]:
    """A cluster record from a seed entry (account_id, name, provider, type, region, resource_group)."""
    account, name, region = spec["account_id"], spec["name"], spec.get("region", "us-south")
    group = world.resource_group_by_name(account, spec.get("resource_group", "Default")) or {}
    cid = spec.get("id") or cluster_id(account, name)
    provider, kind, now = spec.get("provider", "vpc-gen2"), spec.get("type", "kubernetes"), world.now_iso()
    zones = _zones(provider, region)
    subdomain = f"{name}-{stable_id('ingress', cid, length=16)}-0000"
    endpoints = _endpoints(cid, region)
    return {
        "id": cid,
        "name": name,
        "region": region,
        "crn": f"crn:v1:bluemix:public:containers-kubernetes:{region}:a/{account}:{cid}::",
        "resourceGroup": group.get("id", ""),
        "resourceGroupName": group.get("name", ""),
        "provider": provider,
        "type": kind,
        "state": "normal",
        "status": "All Workers Normal",
        "createdDate": now,
        "masterKubeVersion": VERSIONS[kind],
        "targetVersion": VERSIONS[kind],
        "masterURL": endpoints["publicServiceEndpointURL"],
        "features": {"keyProtectEnabled": False, "pullSecretApplied": True},
        "lifecycle": {
            "masterHealth": "normal",
            "masterState": "deployed",
            "masterStatus": "Ready",
            "masterStatusModifiedDate": now,
            "modifiedDate": now,
        },
        "serviceEndpoints": endpoints,
        "workerCount": len(zones),
        "workerZones": zones,
        "ingress": {
            "hostname": f"{subdomain}.{region}.containers.appdomain.cloud",
            "secretName": subdomain,
            "status": "healthy",
            "message": "",
        },
        "_account_id": account,
        "_kms": None,
        "_kms_pending": None,
        "_kms_history": [],
        "_kms_error": None,
    }


@seed_loader
def load_clusters(world: World, seed: dict) -> None:
    for spec in seed.get("clusters", []):
        cluster = new_cluster(world, spec)
        world.data["clusters"][cluster["id"]] = cluster


# -- lookups and access -------------------------------------------------------------------------
def _resource_group_header() -> str:
    return request.headers.get("X-Auth-Resource-Group", "").strip()


def _cluster_target(cluster: dict[str, Any]) -> dict[str, str]:
    return {
        "accountId": cluster["_account_id"],
        "serviceName": SERVICE,
        "serviceInstance": cluster["id"],
        "resourceGroupId": cluster["resourceGroup"],
        "region": cluster["region"],
    }


def _instance_target(instance: dict[str, Any]) -> dict[str, str]:
    return {
        "accountId": instance["account_id"],
        "serviceName": instance["_service"],
        "serviceInstance": instance["guid"],
        "resourceGroupId": instance.get("resource_group_id", ""),
        "region": instance.get("region_id", ""),
    }


def find_cluster(world: World, principal: Principal, ref: str, role: str) -> dict[str, Any]:
    """The cluster with id (any account) or name (caller's account), if the caller holds ``role`` on it."""
    group = _resource_group_header()
    clusters = world.data["clusters"]
    cluster = clusters.get(ref) or next(
        (
            c
            for c in clusters.values()
            if c["name"] == ref
            and c["_account_id"] == principal.account_id
            and (not group or c["resourceGroup"] == group)
        ),
        None,
    )
    if cluster is None or (group and cluster["resourceGroup"] != group):
        raise _cluster_not_found(ref)
    if cluster["_account_id"] != principal.account_id or not has_role(world, principal, role, _cluster_target(cluster)):
        raise _forbidden(role)
    return cluster


def _visible_clusters(world: World, principal: Principal, providers: set[str]) -> list[dict[str, Any]]:
    group = _resource_group_header()
    return [
        c
        for c in sorted(world.data["clusters"].values(), key=lambda c: c["name"])
        if c["provider"] in providers
        and c["_account_id"] == principal.account_id
        and (not group or c["resourceGroup"] == group)
        and has_role(world, principal, "Viewer", _cluster_target(c))
    ]


def _kms_key(world: World, guid: str, crk_id: str) -> dict[str, Any] | None:
    """Read-only: never creates the KMS store (a read must not change world.data)."""
    return world.data["kms"].get(guid, {}).get("keys", {}).get(crk_id)


# -- rendering ----------------------------------------------------------------------------------
def _key_problem(world: World, cluster: dict[str, Any]) -> tuple[str, str] | None:
    kms = cluster.get("_kms")
    if not kms or cluster.get("_kms_pending"):
        return None
    key = _kms_key(world, kms["instance_id"], kms["crk_id"])
    problem = KEY_PROBLEMS.get(key.get("state") if key else 5)
    if problem is None:
        return None
    return problem[0], f"The KMS root key {kms['crk_id']} {problem[1]}; cluster secrets cannot be decrypted."


def render(world: World, cluster: dict[str, Any], v1_compatible: bool = False) -> dict[str, Any]:
    body = {k: copy.deepcopy(v) for k, v in cluster.items() if not k.startswith("_")}
    problem = _key_problem(world, cluster)
    if problem:
        body["state"], body["status"] = problem[0], problem[1]
        body["lifecycle"].update(masterHealth="error", masterStatus=problem[1])
    if v1_compatible:
        body.update(
            {
                "keyProtectEnabled": body["features"]["keyProtectEnabled"],
                "pullSecretApplied": body["features"]["pullSecretApplied"],
                **{
                    k: body["lifecycle"][k]
                    for k in ("masterStatus", "masterHealth", "masterState", "masterStatusModifiedDate")
                },
            }
        )
    return body


def _v1_compatible() -> bool:
    return "v1-compatible" in request.args and request.args["v1-compatible"].lower() not in ("false", "0")


# -- cluster routes -----------------------------------------------------------------------------
def _get_cluster(providers: set[str] | None = None, ref: str | None = None, v1: bool = False) -> Response:
    ref = ref if ref is not None else request.args.get("cluster", "").strip()
    if not ref:
        raise _bad_request("The 'cluster' query parameter is required.")
    world = current_world()
    cluster = find_cluster(world, g.principal, ref, "Viewer")
    if providers and cluster["provider"] not in providers:
        raise _cluster_not_found(ref)
    return jsonify(render(world, cluster, v1 or _v1_compatible()))


@blueprint.get("/v2/getCluster")
def get_cluster() -> Response:
    return _get_cluster()


@blueprint.get("/v2/vpc/getCluster")
def get_vpc_cluster() -> Response:
    return _get_cluster({"vpc-gen2"})


@blueprint.get("/v1/clusters/<ref>")
def get_cluster_v1(ref: str) -> Response:
    return _get_cluster({"classic"}, ref, v1=True)


def _list(providers: set[str], v1: bool = False) -> Response:
    world = current_world()
    clusters = _visible_clusters(world, g.principal, providers)
    return jsonify([render(world, c, v1 or _v1_compatible()) for c in clusters])


@blueprint.get("/v2/vpc/getClusters")
def list_vpc_clusters() -> Response:
    provider = request.args.get("provider") or "vpc-gen2"
    return _list({"vpc-gen2"} if provider == "vpc-gen2" else set())


@blueprint.get("/v2/classic/getClusters")
def list_classic_clusters() -> Response:
    return _list({"classic"})


@blueprint.get("/v2/satellite/getClusters")
def list_satellite_clusters() -> Response:
    return _list({"satellite"})


@blueprint.get("/v1/clusters")
def list_clusters_v1() -> Response:
    return _list({"classic"}, v1=True)


# -- KMS listing helpers ------------------------------------------------------------------------
@blueprint.get("/v2/getKMSInstances")
def get_kms_instances() -> Response:
    world, principal, group = current_world(), g.principal, _resource_group_header()
    found = [
        i
        for i in world.data["instances"].values()
        if i.get("_service") in KMS_SERVICES
        and i.get("state") == "active"
        and i["account_id"] == principal.account_id
        and (not group or i.get("resource_group_id") == group)
        and has_role(world, principal, "Viewer", _instance_target(i))
    ]
    return jsonify(
        [
            {"instance_id": i["guid"], "name": i["name"], "region": i.get("region_id", ""), "service": i["_service"]}
            for i in sorted(found, key=lambda i: i["name"])
        ]
    )


@blueprint.get("/v2/getCRKs")
def get_crks() -> Response:
    world, principal = current_world(), g.principal
    guid = request.args.get("kms_instance", "").strip()
    if not guid:
        raise _bad_request("The 'kms_instance' query parameter is required.")
    instance = world.data["instances"].get(guid)
    if not instance or instance.get("_service") not in KMS_SERVICES or instance["account_id"] != principal.account_id:
        raise _kms_refused("E4041", f"The KMS instance '{guid}' could not be found.", 404)
    if not has_role(world, principal, "Reader", _instance_target(instance)):
        raise _error(403, "E4031", f"The Reader service role on KMS instance '{guid}' is required.", "Authorization")
    keys = world.data["kms"].get(guid, {}).get("keys", {}).values()
    roots = [k for k in keys if k.get("extractable") is False and k.get("state") == 1]
    return jsonify([{"crk_id": k["id"], "name": k.get("name", "")} for k in sorted(roots, key=lambda k: k["id"])])


# -- enableKMS: validation ----------------------------------------------------------------------
def _enable_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise _bad_request("The request body must be a JSON object.")
    missing = [
        f for f in ("cluster", "instance_id", "crk_id") if not isinstance(body.get(f), str) or not body[f].strip()
    ]
    if missing:
        raise _bad_request(f"Missing or invalid required field(s): {', '.join(missing)}.")
    if not isinstance(body.get("private_endpoint", False), bool):
        raise _bad_request("The field 'private_endpoint' must be a boolean.")
    if not isinstance(body.get("account_id") or "", str):
        raise _bad_request("The field 'account_id' must be a string.")
    return body


def _subject_context(cluster: dict[str, Any]) -> dict[str, str]:
    return {
        "serviceName": SERVICE,
        "accountId": cluster["_account_id"],
        "serviceInstance": cluster["id"],
        "resourceGroupId": cluster["resourceGroup"],
        "region": cluster["region"],
    }


def authorization_exists(world: World, cluster: dict[str, Any], instance: dict[str, Any]) -> bool:
    """An active containers-kubernetes -> KMS authorization (Reader) in the KMS instance's account."""
    subject, resource = _subject_context(cluster), _instance_target(instance)
    for policy in world.data["policies"].values():
        if policy.get("type") != "authorization" or policy.get("state", "active") != "active":
            continue
        if policy.get("_account_id", instance["account_id"]) != instance["account_id"]:
            continue
        if not any(satisfies(role_name(r["role_id"]), "Reader") for r in policy.get("roles", [])):
            continue
        if any(attributes_match(s, subject) for s in policy.get("subjects", [])) and any(
            attributes_match(r, resource) for r in policy.get("resources", [])
        ):
            return True
    return False


def _kms_instance(world: World, guid: str, account: str) -> dict[str, Any]:
    instance = world.data["instances"].get(guid)
    if (
        not instance
        or instance.get("_service") not in KMS_SERVICES
        or instance["account_id"] != account
        or instance.get("state") in ("removed", "pending_reclamation")
    ):
        raise _kms_refused("E4041", f"The KMS instance '{guid}' could not be found in account '{account}'.", 404)
    if instance.get("state", "active") != "active":
        raise _kms_refused("E4008", f"The KMS instance '{guid}' is not active (state '{instance['state']}').")
    store = world.data["kms"].get(guid)
    if not (store["initialized"] if store else instance["_service"] != "hs-crypto"):
        raise _kms_refused("E4004", f"The Hyper Protect Crypto Services instance '{guid}' is not initialized.")
    return instance


def _check_root_key(world: World, cluster: dict[str, Any], guid: str, crk_id: str) -> None:
    key = _kms_key(world, guid, crk_id)
    if key is None:
        raise _kms_refused("E4041", f"The root key '{crk_id}' could not be found in KMS instance '{guid}'.", 404)
    if key.get("extractable") is not False:
        raise _kms_refused("E4002", f"The key '{crk_id}' is a standard key; a root key is required.")
    if key.get("state") != 1:
        raise _kms_refused("E4003", f"The root key '{crk_id}' is not active (state {key.get('state')}).")
    current = (cluster.get("_kms") or {}).get("crk_id")
    if crk_id != current and crk_id in cluster["_kms_history"]:
        if world.contract["previous-key-error"] == "generic":
            raise _kms_refused("E4000", "The KMS configuration could not be applied to the cluster.")
        raise _kms_refused(
            "E4005",
            f"The root key '{crk_id}' was used by this cluster before; a cluster "
            "can't reuse a previous root key. Create a new root key.",
        )


def validate_enable(world: World, cluster: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """The requested KMS configuration, or raise the synchronous refusal."""
    account = (body.get("account_id") or "").strip() or cluster["_account_id"]
    cross = account != cluster["_account_id"]
    if cross and cluster["provider"] == "satellite":
        raise _kms_refused(
            "E4006", "Cross-account KMS is supported for classic and VPC clusters only, not for Satellite clusters."
        )
    instance = _kms_instance(world, body["instance_id"].strip(), account)
    _check_root_key(world, cluster, instance["guid"], body["crk_id"].strip())
    if cross and not authorization_exists(world, cluster, instance):
        raise _kms_refused(
            "E4007",
            f"No service-to-service authorization lets {SERVICE} in account "
            f"'{cluster['_account_id']}' read {instance['_service']} instance "
            f"'{instance['guid']}'. Create a Reader authorization policy in account "
            f"'{account}'.",
        )
    return {
        "instance_id": instance["guid"],
        "crk_id": body["crk_id"].strip(),
        "account_id": account,
        "service": instance["_service"],
        "private_endpoint": bool(body.get("private_endpoint", False)),
    }


# -- enableKMS: route and asynchronous completion -----------------------------------------------
def _same_config(a: dict[str, Any] | None, b: dict[str, Any]) -> bool:
    keys = ("instance_id", "crk_id", "account_id", "private_endpoint")
    if not a:
        return False
    return all(a[k] == b[k] for k in keys)


def _set_lifecycle(cluster: dict[str, Any], when: str, state: str, health: str, status: str) -> None:
    cluster["lifecycle"].update(
        masterState=state, masterHealth=health, masterStatus=status, masterStatusModifiedDate=when, modifiedDate=when
    )


@blueprint.post("/v2/enableKMS")
def enable_kms() -> Response:
    world, principal = current_world(), g.principal
    body = _enable_body()
    cluster = find_cluster(world, principal, body["cluster"].strip(), "Administrator")
    config = validate_enable(world, cluster, body)
    pending = cluster.get("_kms_pending")
    if pending:
        if not _same_config(pending, config):
            raise _kms_refused(
                "E4091",
                "A KMS update is already in progress for this cluster. Wait until the master status is Ready.",
                409,
            )
    elif not (_same_config(cluster.get("_kms"), config) and not cluster.get("_kms_error")):
        now = world.clock.now()
        cluster["_kms_pending"] = {
            **config,
            "requested_by": principal.iam_id,
            "requested_at": now,
            "complete_at": now + world.enable_seconds,
        }
        _set_lifecycle(cluster, world.now_iso(), "updating", "normal", IN_PROGRESS)
    return Response(status=200)


def _cluster_key(world: World, cluster: dict[str, Any]) -> dict[str, Any] | None:
    """The containers-kubernetes-key of the cluster's region and resource group."""
    return next(
        (
            k
            for k in world.data["api_keys"].values()
            if k.get("name") == IKS_KEY_NAME
            and k.get("account_id") == cluster["_account_id"]
            and k.get("region") == cluster["region"]
            and k.get("resource_group_id") == cluster["resourceGroup"]
        ),
        None,
    )


@blueprint.get("/v1/logging/<ref>/clusterkeyowner")
def cluster_key_owner(ref: str) -> Response:
    """``ibmcloud ks api-key info --cluster``: the owner of the API key the cluster's region and resource group use
    (bluemix-go containerv1 ``GetApiKeyInfo`` -> ``ApiKeyInfo{ID, Name, Email}``; IAM Viewer on the cluster)."""
    world = current_world()
    cluster = find_cluster(world, g.principal, ref, "Viewer")
    key = _cluster_key(world, cluster)
    if key is None:
        raise _error(
            404,
            "E0021",
            f"No API key is set for region '{cluster['region']}' and resource group '{cluster['resourceGroup']}'.",
        )
    identity = world.data["identities"].get(key["iam_id"], {})
    choice = world.contract["key-owner"]
    if choice == "not-served":
        raise _error(404, "E0004", "The requested resource was not found.")
    answer = {"id": key["iam_id"], "name": identity.get("name", ""), "email": identity.get("email", "")}
    if choice == "name-only":
        del answer["id"]
    if choice == "go-field-names":
        answer = {name.upper() if name == "id" else name.capitalize(): value for name, value in answer.items()}
    return jsonify(answer)


def _owner_problem(world: World, cluster: dict[str, Any], instance: dict[str, Any]) -> str | None:
    """Why the region/resource-group API key owner can't read the KMS instance (same-account only)."""
    key = _cluster_key(world, cluster)
    if key is None:
        return (
            f"No {IKS_KEY_NAME} API key is set for region '{cluster['region']}' and resource group "
            f"'{cluster['resourceGroup']}'."
        )
    held = roles_held(world, key["iam_id"], _instance_target(instance))
    if not any(satisfies(role, "Reader") for role in held):
        return (
            f"The API key owner '{key['iam_id']}' for region '{cluster['region']}' and resource group "
            f"'{cluster['resourceGroup']}' lacks the Reader service role on {instance['_service']} "
            f"instance '{instance['guid']}'."
        )
    return None


def _completion_problem(world: World, cluster: dict[str, Any], pending: dict[str, Any]) -> str | None:
    instance = world.data["instances"].get(pending["instance_id"])
    key = _kms_key(world, pending["instance_id"], pending["crk_id"])
    if instance is None or instance.get("state", "active") != "active":
        return f"The KMS instance '{pending['instance_id']}' is no longer available."
    if key is None or key.get("state") != 1:
        return f"The root key '{pending['crk_id']}' is no longer active."
    if pending["account_id"] == cluster["_account_id"]:
        return _owner_problem(world, cluster, instance)
    return None


def registered_crn(world: World, cluster: dict[str, Any]) -> str | None:
    """The resourceCrn of the cluster's registration, as the contract choice registration-crn plays (unpublished)."""
    choice = world.contract["registration-crn"]
    if choice == "none":
        return None
    if choice == "cluster-id-scoped":
        return (
            f"crn:v1:bluemix:public:{SERVICE}:{cluster['region']}:a/{cluster['_account_id']}:{cluster['id']}:secret:kms"
        )
    return cluster["crn"]


def _register(world: World, cluster: dict[str, Any], pending: dict[str, Any], when: str) -> None:
    """Move the cluster's Key Protect registration to the new root key."""
    crn, guid, crk_id = registered_crn(world, cluster), pending["instance_id"], pending["crk_id"]
    if crn is None:
        return
    existing = next((r for r in kp_store.registrations_of(world, guid, crk_id) if r["resourceCrn"] == crn), None)
    for store_guid in list(world.data["kms"]):
        for stale in [r for r in kp_store.registrations_of(world, store_guid) if r["resourceCrn"] == crn]:
            if stale is not existing:
                kp_store.remove_registrations(world, store_guid, crn, key_id=stale["keyId"])
    if existing:
        key = world.kms_store(guid)["keys"][crk_id]
        existing.update(updatedBy=IKS_SERVICE_IAM_ID, lastUpdated=when, keyVersion=dict(key.get("keyVersion") or {}))
        return
    kp_store.add_registration(
        world,
        guid,
        crk_id,
        crn,
        created_by=IKS_SERVICE_IAM_ID,
        description=f"Kubernetes Service cluster {cluster['name']} ({cluster['id']}) secret encryption",
    )


def _ensure_authorization(world: World, cluster: dict[str, Any], pending: dict[str, Any], when: str) -> None:
    """Same-account: IKS creates the containers-kubernetes -> KMS Reader policy when none covers it."""
    instance = world.data["instances"][pending["instance_id"]]
    if authorization_exists(world, cluster, instance):
        return
    pid = world.new_id()
    world.data["policies"][pid] = {
        "id": pid,
        "type": "authorization",
        "description": f"Created by {SERVICE} for KMS secret encryption",
        "subjects": [
            {
                "attributes": [
                    {"name": "serviceName", "value": SERVICE},
                    {"name": "accountId", "value": cluster["_account_id"]},
                ]
            }
        ],
        "roles": [{"role_id": role_crn("Reader"), "display_name": "Reader"}],
        "resources": [
            {
                "attributes": [
                    {"name": "serviceName", "value": instance["_service"], "operator": "stringEquals"},
                    {"name": "accountId", "value": instance["account_id"], "operator": "stringEquals"},
                    {"name": "serviceInstance", "value": instance["guid"], "operator": "stringEquals"},
                ]
            }
        ],
        "href": f"/v1/policies/{pid}",
        "created_at": when,
        "created_by_id": pending["requested_by"],
        "last_modified_at": when,
        "last_modified_by_id": pending["requested_by"],
        "state": "active",
        "_account_id": instance["account_id"],
    }


def complete_enable(world: World, cluster: dict[str, Any]) -> None:
    pending = cluster["_kms_pending"]
    when = world.clock.iso(pending["complete_at"])
    cluster["_kms_pending"] = None
    problem = _completion_problem(world, cluster, pending)
    if problem:
        cluster["_kms_error"] = problem
        _set_lifecycle(cluster, when, "update_failed", "error", f"{FAILED} {problem}")
        return
    _register(world, cluster, pending, when)
    if pending["account_id"] == cluster["_account_id"]:
        _ensure_authorization(world, cluster, pending, when)
    cluster["_kms"] = {
        k: pending[k] for k in ("instance_id", "crk_id", "account_id", "service", "private_endpoint")
    } | {"enabled_at": when}
    if pending["crk_id"] not in cluster["_kms_history"]:
        cluster["_kms_history"].append(pending["crk_id"])
    cluster["_kms_error"] = None
    cluster["features"]["keyProtectEnabled"] = True
    _set_lifecycle(cluster, when, "deployed", "normal", "Ready")


@ticker
def finish_kms_updates(world: World) -> None:
    now = world.clock.now()
    for cluster in world.data["clusters"].values():
        pending = cluster.get("_kms_pending")
        if pending and now >= pending["complete_at"]:
            complete_enable(world, cluster)
