"""IAM Access Groups v2: the access groups an identity is a member of (``GET /v2/groups?iam_id=``).

Shapes follow IBM's ``IamAccessGroupsV2`` (``list_access_groups``, ``GroupsList``, ``Group``); the host is IAM's.
Groups live in ``world.data["access_groups"]`` with their members; their access policies are ordinary policies
whose subject is ``access_group_id`` (iam_policy.py), and ``auth.roles_held`` counts them. See docs/iam.md.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, jsonify, request

from .auth import has_role
from .context import int_query, platform_caller
from .errors import fail, platform_error, platform_forbidden

SERVICE = "iam-access-groups"
blueprint = Blueprint("iam_access_groups", __name__)

DEFAULT_LIMIT, MAX_LIMIT = 50, 100


@blueprint.get("/v2/groups")
def list_access_groups():
    world, principal = platform_caller()
    account_id = request.args.get("account_id")
    if not account_id:
        raise fail(platform_error, 400, "invalid_query", "account_id is required.")
    if not has_role(world, principal, "Viewer", {"accountId": account_id, "serviceName": "iam-groups"}):
        raise fail(platform_forbidden, "Viewer")
    iam_id = request.args.get("iam_id")
    groups = sorted(
        (g for g in world.data["access_groups"].values() if g["account_id"] == account_id),
        key=lambda g: g["name"],
    )
    if iam_id:
        groups = [g for g in groups if iam_id in g["members"]]
    offset, limit = int_query("offset", 0, 10**9), int_query("limit", DEFAULT_LIMIT, MAX_LIMIT)

    def href(start: int) -> dict:
        args = {k: v for k, v in request.args.items() if k not in ("offset", "limit")}
        return {"href": world.public_url("/v2/groups?" + urlencode({**args, "offset": start, "limit": limit}))}

    body = {
        "limit": limit,
        "offset": offset,
        "total_count": len(groups),
        "first": href(0),
        "last": href(max(0, (len(groups) - 1) // limit * limit)),
        "groups": [
            {**{k: v for k, v in g.items() if k != "members"}, "href": world.public_url(f"/v2/groups/{g['id']}")}
            for g in groups[offset : offset + limit]
        ],
    }
    if offset + limit < len(groups):
        body["next"] = href(offset + limit)
    if offset:
        body["previous"] = href(max(0, offset - limit))
    return jsonify(body)
