"""Resource Controller v2: service instances of Key Protect (``kms``) and HPCS (``hs-crypto``).

Records live in ``world.data["instances"][guid]`` as their wire JSON plus internal ``_``-prefixed fields.
Provisioning is asynchronous: ``provisioning`` until ``world.provision_seconds`` have passed on the
emulator clock, then ``active`` (applied by a ticker, so reads never change state). See
docs/resource-controller.md for the assumptions.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import quote, unquote, urlencode

from flask import Blueprint, Response, jsonify, request

from .auth import Principal, has_role, require_role
from .clock import parse_iso8601
from .context import platform_caller
from .errors import fail, platform_error, platform_forbidden
from .seed import stable_id
from .world import World, seed_loader, ticker

SERVICE = "resource-controller"
blueprint = Blueprint("resource_controller", __name__)

KMS_REGIONS = [
    "us-south",
    "us-east",
    "eu-gb",
    "eu-de",
    "au-syd",
    "jp-tok",
    "jp-osa",
    "ca-tor",
    "br-sao",
    "eu-es",
    "ca-mon",
    "in-che",
    "in-mum",
]
HPCS_REGIONS = ["us-south", "us-east", "eu-gb", "eu-de", "au-syd", "jp-tok", "jp-osa", "ca-tor", "br-sao"]

# Catalog entries per service name. HPCS ids are emulator choices (the real ones are unconfirmed).
CATALOG: dict[str, dict[str, Any]] = {
    "kms": {
        "display_name": "Key Protect",
        "resource_id": "ee41347f-b18e-4ca6-bf80-b5467c63f9a6",
        "plans": {
            "tiered-pricing": "eedd3585-90c6-4c8f-be3d-062069e99fc3",
            "cross-region-resiliency": "4e853ad3-5820-49c7-8d07-a179fb15b9ee",
        },
        "regions": KMS_REGIONS,
    },
    "hs-crypto": {
        "display_name": "Hyper Protect Crypto Services",
        "resource_id": "14ea46ad-b793-5613-89ad-8d011e80bbb8",
        "plans": {"standard": "704ac8b7-159f-5d32-ad06-e3a624a51455"},
        "regions": HPCS_REGIONS,
    },
}
PLAN_REGIONS = {"4e853ad3-5820-49c7-8d07-a179fb15b9ee": ["us-south", "jp-tok", "eu-de"]}
ALLOWED_NETWORKS = ("private-only", "public-and-private")
RECLAIM_SECONDS = 7 * 24 * 3600
DEFAULT_LIMIT = 100
MAX_LIMIT = 100
DEFAULT_STATES = ("active", "provisioning")
STATES = ("active", "inactive", "failed", "pending_reclamation", "provisioning", "pre_provisioning", "removed")
CREATED_BY_SEED = "IBMid-emulator"


# -- catalog helpers --------------------------------------------------------------------
def plan_lookup(plan_id: str) -> tuple[str, str] | None:
    """(service name, plan name) of a catalog plan id, or None."""
    for service, entry in CATALOG.items():
        for plan_name, pid in entry["plans"].items():
            if pid == plan_id:
                return service, plan_name
    return None


def deployment_crn(plan_id: str, region: str) -> str:
    return f"crn:v1:bluemix:public:globalcatalog::::deployment:{plan_id}%3A{region}"


def instance_crn(service: str, region: str, account_id: str, guid: str) -> str:
    return f"crn:v1:bluemix:public:{service}:{region}:a/{account_id}:{guid}::"


def endpoints(world: World, service: str, guid: str) -> dict[str, str]:
    """Where this emulator serves the key-management API of an instance."""
    if service == "hs-crypto":
        return {"public": world.public_url(f"/hpcs/{guid}"), "private": world.private_url(f"/hpcs/{guid}")}
    return {"public": world.public_url(), "private": world.private_url()}


def _uuid(hex32: str) -> str:
    return f"{hex32[:8]}-{hex32[8:12]}-{hex32[12:16]}-{hex32[16:20]}-{hex32[20:32]}"


def _last_operation(
    kind: str, state: str, description: str, *, poll: bool = False, sub_type: str | None = None
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "type": kind,
        "state": state,
        "async": kind == "create",
        "description": description,
        "cancelable": False,
        "poll": poll,
    }
    if sub_type:
        operation["sub_type"] = sub_type
    return operation


# -- records ------------------------------------------------------------------------------
def create_instance_record(
    world: World,
    *,
    account_id: str,
    name: str,
    service: str,
    plan_id: str,
    region: str,
    resource_group_id: str,
    parameters: dict | None,
    state: str,
    guid: str | None = None,
    created_by: str = CREATED_BY_SEED,
    allow_cleanup: bool = False,
    locked: bool = False,
) -> dict[str, Any]:
    """Build and store an instance record; ``state`` is "provisioning" (async create) or "active"."""
    guid = guid or world.new_id()
    now = world.now_iso()
    crn = instance_crn(service, region, account_id, guid)
    group = world.data["resource_groups"].get(resource_group_id, {})
    url = f"/v2/resource_instances/{guid}"
    if state == "provisioning":
        operation = _last_operation("create", "in progress", "Started create instance operation", poll=True)
    else:
        operation = _last_operation("create", "succeeded", "Completed create instance operation")
    record: dict[str, Any] = {
        "id": crn,
        "guid": guid,
        "url": url,
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
        "created_by": created_by,
        "updated_by": created_by,
        "deleted_by": "",
        "scheduled_reclaim_at": None,
        "restored_at": None,
        "restored_by": "",
        "scheduled_reclaim_by": "",
        "name": name,
        "region_id": region,
        "account_id": account_id,
        "reseller_channel_id": "",
        "resource_plan_id": plan_id,
        "resource_group_id": resource_group_id,
        "resource_group_crn": group.get("crn", ""),
        "target_crn": deployment_crn(plan_id, region),
        "onetime_credentials": False,
        "parameters": dict(parameters or {}),
        "allow_cleanup": allow_cleanup,
        "crn": crn,
        "state": state,
        "type": "service_instance",
        "sub_type": service,
        "resource_id": CATALOG[service]["resource_id"],
        "dashboard_url": f"https://cloud.ibm.com/services/{service}/{quote(crn, safe='')}",
        "last_operation": operation,
        "resource_aliases_url": f"{url}/resource_aliases",
        "resource_bindings_url": f"{url}/resource_bindings",
        "resource_keys_url": f"{url}/resource_keys",
        "plan_history": [{"resource_plan_id": plan_id, "start_date": now}],
        "migrated": False,
        "extensions": {"endpoints": endpoints(world, service, guid)},
        "controlled_by": "",
        "locked": locked,
        "_service": service,
        "_ready_at": world.clock.now() + world.provision_seconds,
    }
    world.data["instances"][guid] = record
    return record


def render(world: World, record: dict[str, Any]) -> dict[str, Any]:
    """Wire JSON of an instance; endpoints follow the emulator's current base URL."""
    body = {k: v for k, v in record.items() if not k.startswith("_")}
    body["extensions"] = {
        **record.get("extensions", {}),
        "endpoints": endpoints(world, record["_service"], record["guid"]),
    }
    return body


def find_instance(world: World, instance_id: str) -> dict[str, Any] | None:
    """An instance by GUID or (URL-decoded) CRN."""
    instance_id = unquote(instance_id)
    record = world.data["instances"].get(instance_id)
    if record is not None:
        return record
    return next((r for r in world.data["instances"].values() if r["crn"] == instance_id), None)


def role_target(record: dict[str, Any]) -> dict[str, str]:
    return {
        "accountId": record["account_id"],
        "serviceName": record["_service"],
        "serviceInstance": record["guid"],
        "resourceGroupId": record["resource_group_id"],
        "region": record["region_id"],
    }


# -- time-driven transitions and seed --------------------------------------------------------
@ticker
def advance_instances(world: World) -> None:
    now = world.clock.now()
    for record in world.data["instances"].values():
        if record.get("state") == "provisioning" and now >= record.get("_ready_at", now):
            record["state"] = "active"
            record["updated_at"] = world.clock.iso(record.get("_ready_at", now))
            record["last_operation"] = _last_operation("create", "succeeded", "Completed create instance operation")
        elif record.get("state") == "pending_reclamation" and now >= record.get("_reclaim_at", now + 1):
            record["state"] = "removed"
            record["deleted_at"] = record["updated_at"] = world.clock.iso(record["_reclaim_at"])
            record["deleted_by"] = record.get("scheduled_reclaim_by", "")
            record["last_operation"] = _last_operation(
                "reclamation", "succeeded", "Instance reclaimed", sub_type="delete"
            )


@seed_loader
def load_instances(world: World, seed: dict) -> None:
    for item in seed.get("instances", []):
        group = world.resource_group_by_name(item["account_id"], item.get("resource_group", "Default"))
        plan_id = CATALOG[item["service"]]["plans"][item.get("plan") or next(iter(CATALOG[item["service"]]["plans"]))]
        record = create_instance_record(
            world,
            account_id=item["account_id"],
            name=item["name"],
            service=item["service"],
            plan_id=plan_id,
            region=item["region"],
            resource_group_id=group["id"] if group else "",
            parameters=item.get("parameters"),
            state=item.get("state", "active"),
            guid=_uuid(stable_id("instance", item["account_id"], item["name"])),
        )
        if item.get("initialized"):
            world.kms_store(record["guid"])["initialized"] = True


# -- request helpers ---------------------------------------------------------------------------
def _bad(message: str, code: str = "bad_request") -> Exception:
    return fail(platform_error, 400, code, message)


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise _bad("The request body must be a JSON object.", "invalid_body")
    return body


def _text_field(body: dict, name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise _bad(f"The field '{name}' is required and must be a non-empty string.", "invalid_body")
    return value.strip()


def parse_target(target: str, plan_id: str) -> str:
    """The region of a create ``target``: a region name or a global catalog deployment CRN."""
    if not target.startswith("crn:"):
        return target
    tail = unquote(target.rsplit("deployment:", 1)[-1]) if "deployment:" in target else ""
    crn_plan, _, region = tail.rpartition(":")
    if not region or (crn_plan and crn_plan != plan_id):
        raise _bad(f"The target '{target}' is not a deployment of plan {plan_id}.", "invalid_target")
    return region


def validate_parameters(service: str, parameters: Any) -> dict[str, Any]:
    """Broker-side checks of ``parameters`` (allowed_network; HPCS units and failover_units)."""
    if parameters is None:
        parameters = {}
    if not isinstance(parameters, dict):
        raise _bad("The field 'parameters' must be a JSON object.", "invalid_body")
    network = parameters.get("allowed_network")
    if network is not None and network not in ALLOWED_NETWORKS:
        raise _bad(
            f"Invalid parameter allowed_network '{network}': use one of {', '.join(ALLOWED_NETWORKS)}.",
            "invalid_parameters",
        )
    if service != "hs-crypto":
        return dict(parameters)
    units = parameters.get("units", 2)
    failover = parameters.get("failover_units", 0)
    if isinstance(units, bool) or units not in (2, 3):
        raise _bad("Invalid parameter units: the number of crypto units must be 2 or 3.", "invalid_parameters")
    if isinstance(failover, bool) or failover not in (0, 2, 3) or failover > units:
        raise _bad("Invalid parameter failover_units: use 0, 2 or 3, at most units.", "invalid_parameters")
    return {**parameters, "units": units, "failover_units": failover}


def _resolve_plan_and_region(body: dict) -> tuple[str, str, str]:
    plan_id = _text_field(body, "resource_plan_id")
    found = plan_lookup(plan_id)
    if found is None:
        raise _bad(f"The plan {plan_id} was not found in the catalog.", "plan_not_found")
    service = found[0]
    region = parse_target(_text_field(body, "target"), plan_id)
    allowed = PLAN_REGIONS.get(plan_id, CATALOG[service]["regions"])
    if region not in allowed:
        raise _bad(f"The plan {plan_id} is not available in target '{region}'.", "invalid_target")
    return service, plan_id, region


def _resolve_group(world: World, body: dict) -> dict[str, Any]:
    group_id = _text_field(body, "resource_group")
    group = world.data["resource_groups"].get(group_id)
    if group is None or group.get("state", "ACTIVE") != "ACTIVE":
        raise _bad(f"The resource group {group_id} was not found.", "resource_group_not_found")
    return group


def _check_optional(body: dict) -> None:
    tags = body.get("tags")
    if tags is not None and (not isinstance(tags, list) or not all(isinstance(t, str) for t in tags)):
        raise _bad("The field 'tags' must be a list of strings.", "invalid_body")
    if "allow_cleanup" in body and not isinstance(body["allow_cleanup"], bool):
        raise _bad("The field 'allow_cleanup' must be a boolean.", "invalid_body")


# -- routes ------------------------------------------------------------------------------------------
@blueprint.post("/v2/resource_instances")
def create_instance():
    world, principal = platform_caller()
    body = _body()
    name = _text_field(body, "name")
    service, plan_id, region = _resolve_plan_and_region(body)
    group = _resolve_group(world, body)
    _check_optional(body)
    parameters = validate_parameters(service, body.get("parameters"))
    target = {
        "accountId": group["account_id"],
        "serviceName": service,
        "resourceGroupId": group["id"],
        "region": region,
    }
    require_role(world, principal, "Editor", target, platform_forbidden)
    record = create_instance_record(
        world,
        account_id=group["account_id"],
        name=name,
        service=service,
        plan_id=plan_id,
        region=region,
        resource_group_id=group["id"],
        parameters=parameters,
        state="provisioning",
        created_by=principal.iam_id,
        allow_cleanup=bool(body.get("allow_cleanup", False)),
        locked=request.headers.get("Entity-Lock", "false").lower() == "true",
    )
    response = jsonify(render(world, record))
    response.status_code = 201
    return response


def _visible_instance(world: World, principal: Principal, instance_id: str, role: str) -> dict[str, Any]:
    record = find_instance(world, instance_id)
    if record is None:
        raise fail(platform_error, 404, "not_found", f"Instance {unquote(instance_id)} was not found.")
    require_role(world, principal, role, role_target(record), platform_forbidden)
    return record


@blueprint.get("/v2/resource_instances/<path:instance_id>")
def get_instance(instance_id: str):
    world, principal = platform_caller()
    return jsonify(render(world, _visible_instance(world, principal, instance_id, "Viewer")))


@blueprint.delete("/v2/resource_instances/<path:instance_id>")
def delete_instance(instance_id: str):
    world, principal = platform_caller()
    record = _visible_instance(world, principal, instance_id, "Editor")
    if record["state"] in ("pending_reclamation", "removed"):
        raise fail(platform_error, 410, "gone", f"Instance {record['guid']} is already deleted.")
    if record.get("locked"):
        raise fail(
            platform_error,
            409,
            "resource_instance_locked",
            f"Instance {record['guid']} is locked; unlock it before deleting it.",
        )
    now = world.now_iso()
    record.update(
        state="pending_reclamation",
        updated_at=now,
        updated_by=principal.iam_id,
        scheduled_reclaim_at=now,
        scheduled_reclaim_by=principal.iam_id,
        last_operation=_last_operation(
            "reclamation", "succeeded", "Instance scheduled for reclamation", sub_type="pending"
        ),
        _reclaim_at=world.clock.now() + RECLAIM_SECONDS,
    )
    return Response(status=202)


# -- listing -------------------------------------------------------------------------------------------
LIST_FILTERS = ("guid", "name", "resource_group_id", "resource_id", "resource_plan_id", "type", "sub_type")


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _bad(f"The query parameter '{name}' must be an integer.", "invalid_query") from None
    if not low <= value <= high:
        raise _bad(f"The query parameter '{name}' must be between {low} and {high}.", "invalid_query")
    return value


def encode_start(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def parse_start(token: str | None) -> int | None:
    """The offset in a page token made by ``encode_start`` (0 when absent, None when invalid)."""
    if not token:
        return 0
    try:
        kind, _, number = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return int(number) if kind == "offset" and number.isdigit() else None


def decode_start(token: str | None) -> int:
    """Like ``parse_start``, raising the platform 400 for an invalid token."""
    offset = parse_start(token)
    if offset is None:
        raise _bad(f"The start token '{token}' is not valid.", "invalid_query")
    return offset


def _time_window(record: dict[str, Any]) -> bool:
    updated = parse_iso8601(record.get("updated_at") or "1970-01-01T00:00:00Z")
    for name, keep in (("updated_from", lambda t: updated >= t), ("updated_to", lambda t: updated <= t)):
        raw = request.args.get(name)
        if raw:
            try:
                bound = parse_iso8601(raw)
            except ValueError:
                raise _bad(f"The query parameter '{name}' must be an ISO 8601 date.", "invalid_query") from None
            if not keep(bound):
                return False
    return True


def _wanted_states() -> tuple[str, ...]:
    state = request.args.get("state")
    if state is not None and state not in STATES:
        raise _bad(f"Invalid state '{state}': use one of {', '.join(STATES)}.", "invalid_query")
    return (state,) if state else DEFAULT_STATES


def _matches(record: dict[str, Any], states: tuple[str, ...]) -> bool:
    for name in LIST_FILTERS:
        wanted = request.args.get(name)
        if wanted is not None and record.get(name) != wanted:
            return False
    return record["state"] in states and _time_window(record)


def _next_url(offset: int) -> str:
    query = [(k, v) for k, v in request.args.items(multi=True) if k != "start"]
    return "/v2/resource_instances?" + urlencode(query + [("start", encode_start(offset))])


@blueprint.get("/v2/resource_instances")
def list_instances():
    world, principal = platform_caller()
    limit = _int_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = decode_start(request.args.get("start"))
    states = _wanted_states()
    found = [
        r
        for r in world.data["instances"].values()
        if _matches(r, states) and has_role(world, principal, "Viewer", role_target(r))
    ]
    page = found[offset : offset + limit]
    more = offset + limit < len(found)
    return jsonify(
        {
            "rows_count": len(page),
            "next_url": _next_url(offset + limit) if more else None,
            "resources": [render(world, r) for r in page],
        }
    )
