"""IAM Policy Management v1: access and service-to-service authorization policies (+ GET /v2/roles).

Policies live in ``world.data["policies"][id]`` in the shape accounts.py seeds (wire JSON plus
``_account_id``). Deleting marks a policy ``state: deleted``. See docs/iam.md for the assumptions.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request

from .auth import Principal, attributes_match, require_role
from .context import platform_caller
from .errors import fail, platform_error, platform_forbidden
from .resource_controller import decode_start, encode_start
from .world import World

SERVICE = "iam-access-management"
blueprint = Blueprint("iam_policy", __name__)

IAM_PREFIX = "crn:v1:bluemix:public:iam::::"
SYSTEM_ROLES = {
    "Viewer": "As a viewer, you can view service instances, but you can't modify them.",
    "Operator": "As an operator, you can perform platform actions required to configure and operate service "
    "instances, such as viewing a service's dashboard.",
    "Editor": "As an editor, you can perform all platform actions except for managing the account and "
    "assigning access policies.",
    "Administrator": "As an administrator, you can perform all platform actions based on the resource this "
    "role is being assigned, including assigning access policies to other users.",
    "AuthorizationDelegator": "As an authorization delegator, the source service can delegate its authorization "
    "to the dependent services of the target service.",
}
SERVICE_ROLES = {
    "Reader": "As a reader, you can perform read-only actions within a service.",
    "Writer": "As a writer, you have permissions beyond the reader role.",
    "Manager": "As a manager, you have permissions beyond the writer role to complete privileged actions.",
}
ROLES: dict[str, dict[str, str]] = {
    **{f"{IAM_PREFIX}role:{n}": {"display_name": n, "description": d} for n, d in SYSTEM_ROLES.items()},
    **{f"{IAM_PREFIX}serviceRole:{n}": {"display_name": n, "description": d} for n, d in SERVICE_ROLES.items()},
}
AUTHORIZATION_ROLES = {
    f"{IAM_PREFIX}role:AuthorizationDelegator",
    *(f"{IAM_PREFIX}serviceRole:{n}" for n in SERVICE_ROLES),
}
AUTHORIZATION_SUBJECT_ATTRIBUTES = {
    "serviceName",
    "serviceInstance",
    "region",
    "resourceType",
    "resource",
    "accountId",
    "resourceGroupId",
}
OPERATORS = ("stringEquals", "stringMatch")
PLATFORM_SERVICES = {
    "iam-identity",
    "iam-access-management",
    "iam-groups",
    "resource-controller",
    "billing",
    "support",
    "globalcatalog",
    "user-management",
}
DEFAULT_LIMIT, MAX_LIMIT = 50, 100
SORT_FIELDS = ("id", "type", "href", "created_at", "created_by_id", "last_modified_at", "last_modified_by_id", "state")


# -- helpers other modules may use ------------------------------------------------------------
def attributes(part: dict[str, Any]) -> dict[str, str]:
    return {a["name"]: a["value"] for a in part.get("attributes", [])}


def policy_etag(policy: dict[str, Any]) -> str:
    digest = hashlib.md5(f"{policy['id']}/{policy['last_modified_at']}".encode()).hexdigest()
    return f"{policy.get('_version', 1)}-{digest}"


def render_policy(world: World, policy: dict[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in policy.items() if not k.startswith("_")}
    body["href"] = world.public_url(f"/v1/policies/{policy['id']}")
    body["roles"] = [{**ROLES.get(r["role_id"], {}), **r} for r in policy.get("roles", [])]
    return body


def find_conflict(world: World, new: dict[str, Any]) -> dict[str, Any] | None:
    """An active authorization policy that already grants everything ``new`` asks for."""
    wanted_roles = {r["role_id"] for r in new["roles"]}
    for policy in world.data["policies"].values():
        if policy.get("type") != "authorization" or policy.get("state") != "active":
            continue
        if policy.get("_account_id") != new["_account_id"]:
            continue
        if not wanted_roles <= {r["role_id"] for r in policy.get("roles", [])}:
            continue
        if attributes_match(policy["subjects"][0], attributes(new["subjects"][0])) and attributes_match(
            policy["resources"][0], attributes(new["resources"][0])
        ):
            return policy
    return None


# -- request helpers ------------------------------------------------------------------------------
def _bad(message: str, code: str = "invalid_body") -> Exception:
    return fail(platform_error, 400, code, message)


def _attribute_list(part: Any, where: str, with_operator: bool) -> list[dict[str, str]]:
    if not isinstance(part, dict) or not isinstance(part.get("attributes"), list) or not part["attributes"]:
        raise _bad(f"Invalid body format. {where} must have a non-empty 'attributes' list.")
    result = []
    for attr in part["attributes"]:
        if not isinstance(attr, dict) or not all(isinstance(attr.get(k), str) and attr[k] for k in ("name", "value")):
            raise _bad(f"Invalid body format. Each {where} attribute needs a string 'name' and 'value'.")
        item = {"name": attr["name"], "value": attr["value"]}
        if with_operator:
            operator = attr.get("operator", "stringEquals")
            if operator not in OPERATORS:
                raise _bad(f"Invalid body format. Operator '{operator}' is not one of {', '.join(OPERATORS)}.")
            item["operator"] = operator
        result.append(item)
    return result


def _single(body: dict, field: str) -> Any:
    value = body.get(field)
    if not isinstance(value, list) or len(value) != 1:
        raise _bad(f"Invalid body format. '{field}' must be a list with exactly one element.")
    return value[0]


def _roles(body: dict, kind: str) -> list[dict[str, str]]:
    roles = body.get("roles")
    if not isinstance(roles, list) or not roles:
        raise _bad("Invalid body format. 'roles' must be a non-empty list.")
    result = []
    for role in roles:
        role_id = role.get("role_id") if isinstance(role, dict) else None
        if role_id not in ROLES:
            raise _bad(f"Role with crn {role_id} is not valid.", "role_not_found")
        if kind == "authorization" and role_id not in AUTHORIZATION_ROLES:
            raise _bad(f"Role with crn {role_id} is not supported for authorization policies.")
        result.append({"role_id": role_id, "display_name": ROLES[role_id]["display_name"]})
    return result


def _check_rules(kind: str, subject: dict[str, str], resource: dict[str, str]) -> None:
    if "accountId" not in resource:
        raise _bad("Invalid body format. The resource must include the accountId attribute.")
    if kind == "access":
        if "iam_id" not in subject and "access_group_id" not in subject:
            raise _bad("Invalid body format. An access policy subject needs an iam_id or access_group_id.")
        return
    unknown = set(subject) - AUTHORIZATION_SUBJECT_ATTRIBUTES
    if unknown:
        raise _bad(f"Invalid body format. Unsupported subject attributes: {', '.join(sorted(unknown))}.")
    if "accountId" not in subject:
        raise _bad("Invalid body format. The subject must include the accountId attribute.")
    if "serviceName" not in subject and "resourceGroupId" not in subject:
        raise _bad("Invalid body format. The subject must include serviceName or resourceGroupId.")


def _parse_policy(world: World, principal: Principal) -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise _bad("Invalid body format. The request body must be a JSON object.")
    kind = body.get("type")
    if kind not in ("access", "authorization"):
        raise _bad("Invalid body format. 'type' must be one of access, authorization.")
    description = body.get("description")
    if description is not None and not isinstance(description, str):
        raise _bad("Invalid body format. 'description' must be a string.")
    subjects = [{"attributes": _attribute_list(_single(body, "subjects"), "subject", False)}]
    resource_part = _single(body, "resources")
    resources = [{"attributes": _attribute_list(resource_part, "resource", True)}]
    if isinstance(resource_part.get("tags"), list):
        resources[0]["tags"] = resource_part["tags"]
    roles = _roles(body, kind)
    _check_rules(kind, attributes(subjects[0]), attributes(resources[0]))
    now, pid = world.now_iso(), world.new_id()
    policy = {
        "id": pid,
        "type": kind,
        "subjects": subjects,
        "roles": roles,
        "resources": resources,
        "href": f"/v1/policies/{pid}",
        "created_at": now,
        "created_by_id": principal.iam_id,
        "last_modified_at": now,
        "last_modified_by_id": principal.iam_id,
        "state": "active",
        "_account_id": attributes(resources[0])["accountId"],
    }
    if description is not None:
        policy = {"id": pid, "type": kind, "description": description, **policy}
    return policy


def _admin_target(policy: dict[str, Any]) -> dict[str, str]:
    resource = policy["resources"][0]
    return {a["name"]: a["value"] for a in resource.get("attributes", []) if a.get("operator") != "stringMatch"} | {
        "accountId": policy["_account_id"]
    }


def _require_viewer(world: World, principal: Principal, account_id: str) -> None:
    target = {"accountId": account_id, "serviceName": "iam-access-management"}
    require_role(world, principal, "Viewer", target, platform_forbidden)


def _with_etag(response: Response, policy: dict[str, Any]) -> Response:
    response.headers["ETag"] = policy_etag(policy)
    return response


# -- routes --------------------------------------------------------------------------------------------
@blueprint.post("/v1/policies")
def create_policy():
    world, principal = platform_caller()
    policy = _parse_policy(world, principal)
    require_role(world, principal, "Administrator", _admin_target(policy), platform_forbidden)
    existing = find_conflict(world, policy) if policy["type"] == "authorization" else None
    if existing is not None:
        conflicting = render_policy(world, existing)
        conflicting["control"] = {"grant": {"roles": [{"role_id": r["role_id"]} for r in existing["roles"]]}}
        raise fail(
            platform_error,
            409,
            "policy_conflict_error",
            "Failed to create policy.",
            details={"conflicts_with": {"etag": policy_etag(existing), "policy": conflicting}},
        )
    world.data["policies"][policy["id"]] = policy
    response = jsonify(render_policy(world, policy))
    response.status_code = 201
    return _with_etag(response, policy)


def _policy_or_404(world: World, policy_id: str) -> dict[str, Any]:
    policy = world.data["policies"].get(policy_id)
    if policy is None:
        raise fail(platform_error, 404, "policy_not_found", f"Policy with ID {policy_id} not found.")
    return policy


@blueprint.get("/v1/policies/<policy_id>")
def get_policy(policy_id: str):
    world, principal = platform_caller()
    policy = _policy_or_404(world, policy_id)
    _require_viewer(world, principal, policy["_account_id"])
    return _with_etag(jsonify(render_policy(world, policy)), policy)


@blueprint.delete("/v1/policies/<policy_id>")
def delete_policy(policy_id: str):
    world, principal = platform_caller()
    policy = _policy_or_404(world, policy_id)
    if policy.get("state") != "active":
        raise fail(platform_error, 404, "policy_not_found", f"Policy with ID {policy_id} not found.")
    require_role(world, principal, "Administrator", _admin_target(policy), platform_forbidden)
    now = world.now_iso()
    policy.update(
        state="deleted",
        last_modified_at=now,
        last_modified_by_id=principal.iam_id,
        _version=policy.get("_version", 1) + 1,
    )
    return Response(status=204)


def _service_type(policy: dict[str, Any]) -> str:
    resource = attributes(policy["resources"][0]) if policy.get("resources") else {}
    platform = resource.get("serviceType") == "platform_service" or resource.get("serviceName") in PLATFORM_SERVICES
    return "platform_service" if platform else "service"


def _list_filter(policy: dict[str, Any], account_id: str) -> bool:
    args = request.args
    if policy.get("_account_id") != account_id or policy.get("state", "active") != args.get("state", "active"):
        return False
    if args.get("type") and policy["type"] != args["type"]:
        return False
    if args.get("iam_id") and (
        policy["type"] != "access" or not any(attributes(s).get("iam_id") == args["iam_id"] for s in policy["subjects"])
    ):
        return False
    if args.get("access_group_id") and not any(
        attributes(s).get("access_group_id") == args["access_group_id"] for s in policy["subjects"]
    ):
        return False
    return not args.get("service_type") or _service_type(policy) == args["service_type"]


def _check_list_args() -> tuple[str, int]:
    args = request.args
    account_id = args.get("account_id")
    if not account_id:
        raise _bad("Missing required query parameter account_id.", "invalid_query")
    enums = {
        "type": ("access", "authorization"),
        "state": ("active", "deleted"),
        "service_type": ("service", "platform_service"),
    }
    for name, allowed in enums.items():
        if args.get(name) and args[name] not in allowed:
            raise _bad(f"Query parameter {name} must be one of {', '.join(allowed)}.", "invalid_query")
    if args.get("sort") and args["sort"].lstrip("-") not in SORT_FIELDS:
        raise _bad(f"Query parameter sort must be one of {', '.join(SORT_FIELDS)}.", "invalid_query")
    raw = args.get("limit", str(DEFAULT_LIMIT))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise _bad(f"Query parameter limit must be an integer from 1 to {MAX_LIMIT}.", "invalid_query")
    return account_id, int(raw)


def _page_href(world: World, start: str | None) -> str:
    query = [(k, v) for k, v in request.args.items(multi=True) if k != "start"]
    return world.public_url("/v1/policies?" + urlencode(query + ([("start", start)] if start else [])))


@blueprint.get("/v1/policies")
def list_policies():
    world, principal = platform_caller()
    account_id, limit = _check_list_args()
    _require_viewer(world, principal, account_id)
    offset = decode_start(request.args.get("start"))
    found = [render_policy(world, p) for p in world.data["policies"].values() if _list_filter(p, account_id)]
    sort = request.args.get("sort")
    if sort:
        found.sort(key=lambda p: str(p.get(sort.lstrip("-"), "")), reverse=sort.startswith("-"))
    body: dict[str, Any] = {
        "limit": limit,
        "first": {"href": _page_href(world, None)},
        "policies": found[offset : offset + limit],
    }
    if offset + limit < len(found):
        start = encode_start(offset + limit)
        body["next"] = {"href": _page_href(world, start), "start": start}
    return jsonify(body)


def _role_entry(crn: str) -> dict[str, Any]:
    return {
        "display_name": ROLES[crn]["display_name"],
        "description": ROLES[crn]["description"],
        "actions": [],
        "crn": crn,
    }


@blueprint.get("/v2/roles")
def list_roles():
    """Roles assignable for a service (custom roles are not emulated)."""
    platform_caller()
    authorization = request.args.get("policy_type") == "authorization"
    system = [c for c in ROLES if ":role:" in c and (c in AUTHORIZATION_ROLES) == authorization]
    service = [c for c in ROLES if ":serviceRole:" in c] if request.args.get("service_name") else []
    return jsonify(
        {
            "custom_roles": [],
            "service_roles": [_role_entry(c) for c in service],
            "system_roles": [_role_entry(c) for c in system],
        }
    )
