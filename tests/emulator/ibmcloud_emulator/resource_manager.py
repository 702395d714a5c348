"""Resource Manager v2: read-only resource groups (records are seeded by accounts.py).

A caller sees only the groups of accounts in which an access policy grants it some role.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from .auth import role_name
from .context import platform_caller
from .errors import fail, platform_error
from .world import World

SERVICE = "resource-manager"
blueprint = Blueprint("resource_manager", __name__)


def account_roles(world: World, iam_id: str, account_id: str) -> set[str]:
    """Role names any active access policy grants ``iam_id`` on any resource of ``account_id``."""
    held: set[str] = set()
    for policy in world.data["policies"].values():
        if policy.get("type") != "access" or policy.get("state", "active") != "active":
            continue
        subjects = [{a["name"]: a["value"] for a in s.get("attributes", [])} for s in policy.get("subjects", [])]
        if not any(s.get("iam_id") == iam_id for s in subjects):
            continue
        resources = [{a["name"]: a["value"] for a in r.get("attributes", [])} for r in policy.get("resources", [])]
        if any(r.get("accountId") == account_id for r in resources):
            held.update(role_name(role["role_id"]) for role in policy.get("roles", []))
    return held


def render_group(group: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in group.items() if not k.startswith("_")}


def _bool_arg(name: str) -> bool | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    if raw.lower() not in ("true", "false"):
        raise fail(platform_error, 400, "invalid_query", f"The query parameter '{name}' must be true or false.")
    return raw.lower() == "true"


def _matches(group: dict[str, Any], account_id: str) -> bool:
    if group["account_id"] != account_id:
        return False
    name = request.args.get("name")
    if name is not None and group["name"] != name:
        return False
    default = _bool_arg("default")
    if default is not None and bool(group.get("default")) != default:
        return False
    return group.get("state", "ACTIVE") == "ACTIVE" or bool(_bool_arg("include_deleted"))


@blueprint.get("/v2/resource_groups")
def list_resource_groups():
    world, principal = platform_caller()
    account_id = request.args.get("account_id") or principal.account_id
    _bool_arg("default")
    _bool_arg("include_deleted")
    if not account_roles(world, principal.iam_id, account_id):
        raise fail(platform_error, 403, "forbidden", f"You have no access to account {account_id}.")
    groups = [render_group(g) for g in world.data["resource_groups"].values() if _matches(g, account_id)]
    return jsonify({"resources": groups})


@blueprint.get("/v2/resource_groups/<group_id>")
def get_resource_group(group_id: str):
    world, principal = platform_caller()
    group = world.data["resource_groups"].get(group_id)
    if group is None:
        raise fail(platform_error, 404, "not_found", f"Resource group {group_id} was not found.")
    if not account_roles(world, principal.iam_id, group["account_id"]):
        raise fail(platform_error, 403, "forbidden", f"You have no access to resource group {group_id}.")
    return jsonify(render_group(group))
