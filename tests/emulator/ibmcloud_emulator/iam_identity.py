"""IAM Identity Services: API key records (GET /v1/apikeys, /v1/apikeys/details, /v1/apikeys/{id}).

Records live in ``world.data["api_keys"]`` keyed by the secret value (accounts.py); the value is never
returned. The Kubernetes Service keeps one ``containers-kubernetes-key`` per region and resource group;
the real API has no region field, so the emulator states both in the key's description (see
``cluster_key_description``). See docs/iam.md for the assumptions.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Callable, cast
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request

from .auth import Principal, bearer_principal, has_role
from .context import current_world
from .errors import fail, iam_identity_error
from .resource_controller import encode_start, parse_start
from .world import World

SERVICE = "iam-identity"
blueprint = Blueprint("iam_identity", __name__)

CLUSTER_KEY_NAME = "containers-kubernetes-key"
_CLUSTER_KEY_RE = re.compile(r"^Kubernetes Service API key for region (\S+) and resource group (\S+)$")
MISSING_CODE = "BXNIM0109E"
NOT_FOUND_CODE = "BXNIM0415E"
FORBIDDEN_CODE = "BXNIM0513E"
DEFAULT_PAGESIZE, MAX_PAGESIZE = 20, 100
SORT_FIELDS = ("name", "description", "created_at", "created_by")
FILTER_FIELDS = ("name", "description", "iam_id", "created_by")
FILTER_OPS: dict[str, Callable[[str, str], bool]] = {
    "eq": lambda have, want: have == want,
    "co": lambda have, want: want in have,
    "sw": lambda have, want: have.startswith(want),
}
_FILTER_TERM = re.compile(r'^\s*(\w+)\s+(eq|co|sw)\s+"([^"]*)"\s*$')


# -- helpers other modules may use ------------------------------------------------------------
def cluster_key_description(region: str, resource_group_id: str) -> str:
    """The description the Kubernetes Service gives its API key for a region and resource group."""
    return f"Kubernetes Service API key for region {region} and resource group {resource_group_id}"


def parse_cluster_key_description(description: str) -> tuple[str, str] | None:
    """(region, resource_group_id) from a ``cluster_key_description`` text, else None."""
    match = _CLUSTER_KEY_RE.match(description or "")
    return (match.group(1), match.group(2)) if match else None


def find_cluster_key(world: World, account_id: str, region: str, resource_group_id: str) -> dict[str, Any] | None:
    """The stored record of the containers-kubernetes-key for a region and resource group."""
    for record in world.data["api_keys"].values():
        if (
            record.get("account_id") == account_id
            and record.get("name") == CLUSTER_KEY_NAME
            and parse_cluster_key_description(description_of(record)) == (region, resource_group_id)
        ):
            return record
    return None


def description_of(record: dict[str, Any]) -> str:
    if record.get("description"):
        return record["description"]
    if record.get("region") and record.get("resource_group_id"):
        return cluster_key_description(record["region"], record["resource_group_id"])
    return ""


def render_api_key(record: dict[str, Any]) -> dict[str, Any]:
    """Wire JSON of an API key record (never the key value)."""
    body = {
        "id": record["id"],
        "entity_tag": "1-" + hashlib.md5(record["id"].encode()).hexdigest(),
        "crn": f"crn:v1:bluemix:public:iam-identity::a/{record['account_id']}::apikey:{record['id']}",
        "locked": bool(record.get("locked", False)),
        "disabled": bool(record.get("disabled", False)),
        "created_at": record["created_at"],
        "created_by": record.get("created_by", record["iam_id"]),
        "modified_at": record.get("modified_at", record["created_at"]),
        "name": record["name"],
        "support_sessions": False,
        "action_when_leaked": "none",
        "iam_id": record["iam_id"],
        "account_id": record["account_id"],
    }
    description = description_of(record)
    if description:
        body["description"] = description
    return body


# -- request helpers ------------------------------------------------------------------------------
def _unauthorized() -> Response:
    if not request.headers.get("Authorization"):
        return iam_identity_error(401, "BXNIM0308E", "No authorization header found.")
    return iam_identity_error(401, "BXNIM0407E", "Provided authorization token is invalid or expired.")


def _caller() -> tuple[World, Principal]:
    world = current_world()
    return world, bearer_principal(world, _unauthorized)


def _bad(message: str) -> Exception:
    return fail(iam_identity_error, 400, MISSING_CODE, message)


def _may_see_account_keys(world: World, principal: Principal, account_id: str) -> bool:
    return has_role(world, principal, "Viewer", {"accountId": account_id, "serviceName": "iam-identity"})


def _may_see(world: World, principal: Principal, record: dict[str, Any]) -> bool:
    return record["iam_id"] == principal.iam_id or _may_see_account_keys(world, principal, record["account_id"])


def _parse_filter(text: str | None) -> list[tuple[str, str, str]]:
    if not text:
        return []
    terms = []
    for part in re.split(r"\s+and\s+", text.strip()):
        match = _FILTER_TERM.match(part)
        if not match or match.group(1) not in FILTER_FIELDS:
            raise _bad(
                f"Invalid filter '{text}': use <field> eq|co|sw \"<value>\" joined by 'and' "
                f"with field in {', '.join(FILTER_FIELDS)}."
            )
        terms.append(cast(tuple[str, str, str], match.groups()))  # _FILTER_TERM has three groups, none optional
    return terms


def _passes(body: dict[str, Any], terms: list[tuple[str, str, str]]) -> bool:
    return all(FILTER_OPS[op](str(body.get(field, "")), value) for field, op, value in terms)


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, str(default))
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise _bad(f"Parameter {name} must be an integer from {low} to {high}.")
    return int(raw)


def _list_scope(world: World, principal: Principal) -> tuple[str, str | None]:
    """(account_id, iam_id or None for the whole account) after the permission checks."""
    args = request.args
    account_id = args.get("account_id")
    if not account_id:
        raise _bad("Property missing or empty. account_id is required.")
    scope = args.get("scope", "entity")
    if scope not in ("entity", "account"):
        raise _bad("Parameter scope must be 'entity' or 'account'.")
    iam_id = args.get("iam_id") or (principal.iam_id if scope == "entity" else None)
    own_keys_only = iam_id == principal.iam_id and account_id == principal.account_id
    if not own_keys_only and not _may_see_account_keys(world, principal, account_id):
        raise fail(iam_identity_error, 403, FORBIDDEN_CODE, "You are not authorized to list these API keys.")
    return account_id, iam_id


def _selected(world: World, account_id: str, iam_id: str | None) -> list[dict[str, Any]]:
    args = request.args
    terms = _parse_filter(args.get("filter"))
    kind = args.get("type")
    if kind not in (None, "user", "serviceid"):
        raise _bad("Parameter type must be 'user' or 'serviceid'.")
    found = []
    for record in world.data["api_keys"].values():
        body = render_api_key(record)
        if body["account_id"] != account_id or (iam_id and body["iam_id"] != iam_id):
            continue
        is_service = body["iam_id"].startswith("iam-ServiceId")
        if kind and (kind == "serviceid") != is_service:
            continue
        if _passes(body, terms):
            found.append(body)
    return found


def _sorted(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    sort, order = request.args.get("sort"), request.args.get("order", "asc")
    if sort is not None and sort not in SORT_FIELDS:
        raise _bad(f"Parameter sort must be one of {', '.join(SORT_FIELDS)}.")
    if order not in ("asc", "desc"):
        raise _bad("Parameter order must be 'asc' or 'desc'.")
    if sort:
        found = sorted(found, key=lambda b: str(b.get(sort, "")), reverse=order == "desc")
    return found


def _page_url(world: World, token: str | None) -> str:
    query = [(k, v) for k, v in request.args.items(multi=True) if k != "pagetoken"]
    return world.public_url("/v1/apikeys?" + urlencode(query + ([("pagetoken", token)] if token else [])))


# -- routes --------------------------------------------------------------------------------------------
@blueprint.get("/v1/apikeys")
def list_api_keys():
    world, principal = _caller()
    account_id, iam_id = _list_scope(world, principal)
    pagesize = _int_arg("pagesize", DEFAULT_PAGESIZE, 1, MAX_PAGESIZE)
    offset = parse_start(request.args.get("pagetoken"))
    if offset is None:
        raise _bad("Parameter pagetoken is not a valid page token.")
    found = _sorted(_selected(world, account_id, iam_id))
    body: dict[str, Any] = {
        "offset": offset,
        "limit": pagesize,
        "first": _page_url(world, None),
        "apikeys": found[offset : offset + pagesize],
    }
    if offset:
        body["previous"] = _page_url(world, encode_start(max(0, offset - pagesize)))
    if offset + pagesize < len(found):
        body["next"] = _page_url(world, encode_start(offset + pagesize))
    return jsonify(body)


@blueprint.get("/v1/apikeys/details")
def get_api_keys_details():
    world, _principal = _caller()
    value = request.headers.get("IAM-ApiKey", "")
    if not value:
        raise _bad("Property missing or empty. The IAM-ApiKey header is required.")
    record = world.data["api_keys"].get(value)
    if record is None:
        raise fail(iam_identity_error, 404, NOT_FOUND_CODE, "Provided API key could not be found.")
    return jsonify(render_api_key(record))


@blueprint.get("/v1/apikeys/<key_id>")
def get_api_key(key_id: str):
    world, principal = _caller()
    record = next((r for r in world.data["api_keys"].values() if r["id"] == key_id), None)
    if record is None:
        raise fail(iam_identity_error, 404, NOT_FOUND_CODE, f"API key {key_id} could not be found.")
    if not _may_see(world, principal, record):
        raise fail(iam_identity_error, 403, FORBIDDEN_CODE, "You are not authorized to read this API key.")
    return jsonify(render_api_key(record))
