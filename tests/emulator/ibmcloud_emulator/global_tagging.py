"""Global Tagging API v3: user tags on resources, by CRN (list and attach).

Assumptions (see docs/global-tagging.md): user tags are stored lower-case; attaching needs the Editor platform
role on the tagged resource's service in its account, listing needs any role in the account.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, jsonify, request

from .auth import has_role, require_role
from .context import int_query, platform_caller
from .errors import fail, platform_error, platform_forbidden

SERVICE = "global-tagging"
blueprint = Blueprint("global_tagging", __name__)

TAG_RE = re.compile(r"^[A-Za-z0-9 _\-.:]{1,128}$")
TAG_TYPES = ("user", "service", "access")
MAX_LIMIT = 1000


def _crn_target(crn: str) -> dict[str, str] | None:
    """The role target of a resource CRN (account, service, instance), or None when it is not a CRN."""
    parts = crn.split(":")
    if len(parts) < 8 or parts[0] != "crn" or not parts[6].startswith("a/"):
        return None
    target = {"accountId": parts[6][2:], "serviceName": parts[4]}
    if parts[7]:
        target["serviceInstance"] = parts[7]
    return target


def _tag_type() -> str:
    tag_type = request.args.get("tag_type", "user")
    if tag_type not in TAG_TYPES:
        raise fail(platform_error, 400, "invalid_query", f"tag_type must be one of {', '.join(TAG_TYPES)}.")
    return tag_type


@blueprint.get("/v3/tags")
def list_tags():
    world, principal = platform_caller()
    tag_type = _tag_type()
    account_id = request.args.get("account_id") or principal.account_id
    if not has_role(world, principal, "Viewer", {"accountId": account_id}) and account_id != principal.account_id:
        raise fail(platform_forbidden, "Viewer")
    attached_to = request.args.get("attached_to")
    if attached_to:
        names = [t["name"] for t in world.data["tags"].get(attached_to, []) if t["tag_type"] == tag_type]
    else:
        names = sorted(
            {
                t["name"]
                for crn, tags in world.data["tags"].items()
                for t in tags
                if t["tag_type"] == tag_type and (_crn_target(crn) or {}).get("accountId") == account_id
            }
        )
    offset, limit = int_query("offset", 0, 10**9), int_query("limit", 100, MAX_LIMIT)
    page = names[offset : offset + limit]
    return jsonify(
        {"total_count": len(names), "offset": offset, "limit": limit, "items": [{"name": name} for name in page]}
    )


def _attach_body() -> tuple[list[str], list[Any]]:  # the resource ids as sent (checked non-empty only)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise fail(platform_error, 400, "invalid_body", "The request body must be a JSON object.")
    names = body.get("tag_names") or ([body["tag_name"]] if body.get("tag_name") else [])
    resources = [r.get("resource_id") for r in body.get("resources") or [] if isinstance(r, dict)]
    if not names or not resources or not all(resources):
        raise fail(
            platform_error, 400, "invalid_body", "tag_names (or tag_name) and resources[].resource_id are required."
        )
    bad = [n for n in names if not isinstance(n, str) or not TAG_RE.match(n)]
    if bad:
        raise fail(
            platform_error,
            400,
            "invalid_tag_name",
            f"Tag names may hold 1-128 letters, digits, spaces, '_', '-', '.' and ':'; not {bad}.",
        )
    return [n.strip().lower() for n in names], resources


def _change_tags(attach: bool) -> Response:
    """Attach or detach the body's tags on its resources (Editor on each resource's service). Attaching a tag a
    resource has, or detaching one it does not have, changes nothing."""
    world, principal = platform_caller()
    tag_type = _tag_type()
    names, resources = _attach_body()
    results: list[dict[str, Any]] = []
    for crn in resources:
        target = _crn_target(crn)
        if target is None:
            results.append({"resource_id": crn, "is_error": True, "message": "not a CRN"})
            continue
        require_role(world, principal, "Editor", target, platform_forbidden)
        tags = world.data["tags"].setdefault(crn, [])
        kept = [t for t in tags if attach or not (t["name"] in names and t["tag_type"] == tag_type)]
        added = [n for n in names if attach and not any(t["name"] == n and t["tag_type"] == tag_type for t in tags)]
        tags[:] = kept + [{"name": name, "tag_type": tag_type} for name in added]
        results.append({"resource_id": crn, "is_error": False})
    return jsonify({"results": results})


@blueprint.post("/v3/tags/attach")
def attach_tags() -> Response:
    return _change_tags(attach=True)


@blueprint.post("/v3/tags/detach")
def detach_tags() -> Response:
    """GlobalTaggingV1.detach_tag: the same body and answer as attach."""
    return _change_tags(attach=False)
