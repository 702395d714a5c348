"""Global Catalog API v1: the catalog entries of the KMS services and their plans (search, get, children).

Shapes follow IBM's ``GlobalCatalogV1`` (``EntrySearchResult``, ``CatalogEntry``; pages by ``_offset``/``_limit``);
the search follows bluemix-go ``resource_catalog.go``, which the Terraform provider uses to find a service and its
plan ids by name. See docs/global-catalog.md for what is assumed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, jsonify, request

from .context import int_query, platform_caller
from .errors import fail, platform_error
from .resource_controller import CATALOG

SERVICE = "global-catalog"
blueprint = Blueprint("global_catalog", __name__)

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
CREATED = "2018-05-01T00:00:00.000Z"
DESCRIPTIONS = {
    "kms": "Key Protect: create, import and manage encryption keys (kms).",
    "hs-crypto": "Hyper Protect Crypto Services (hs-crypto): dedicated key management and cloud HSM.",
}
# A service a search for "kms" or "hs-crypto" also finds: only its description names them (the real catalog finds
# many such); a client that takes the first hit instead of the entry named exactly so picks it.
DECOYS = [
    {
        "id": "secrets-manager-emulated",
        "name": "secrets-manager",
        "display_name": "Secrets Manager",
        "description": "Secrets Manager: secrets encrypted with keys from kms (Key Protect) or hs-crypto.",
        "regions": ["us-south", "us-east", "eu-de"],
        "plans": {"standard": "secrets-manager-standard-emulated"},
    }
]


def _entry(entry_id: str, name: str, kind: str, *, display: str, description: str, parent: str = "") -> dict:
    base = request.host_url.rstrip("/") + request.script_root
    return {
        "id": entry_id,
        "name": name,
        "kind": kind,
        "active": True,
        "disabled": False,
        "group": False,
        "parent_id": parent,
        "overview_ui": {"en": {"display_name": display, "description": description, "long_description": ""}},
        "images": {"image": "", "small_image": "", "medium_image": "", "feature_image": ""},
        "tags": ["ibm_created", "security"],
        "provider": {"name": "IBM", "email": "catalog@emulator.invalid"},
        "url": f"{base}/api/v1/{entry_id}",
        "children_url": f"{base}/api/v1/{entry_id}/%2A",
        "catalog_crn": f"crn:v1:bluemix:public:globalcatalog::::{kind}:{entry_id}",
        "created": CREATED,
        "updated": CREATED,
    }


def _services() -> list[dict[str, Any]]:
    """(entry, plan entries) of every service in the emulated catalog."""
    listed = []
    for name, spec in CATALOG.items():
        listed.append(
            {
                **spec,
                "id": spec["resource_id"],
                "name": name,
                "description": DESCRIPTIONS.get(name, spec["display_name"]),
            }
        )
    listed.extend(DECOYS)
    result = []
    for spec in listed:
        entry = _entry(
            spec["id"], spec["name"], "service", display=spec["display_name"], description=spec["description"]
        )
        entry["geo_tags"] = list(spec["regions"])
        plans = [
            _entry(plan_id, plan, "plan", display=plan, description=f"The {plan} plan.", parent=spec["id"])
            for plan, plan_id in spec["plans"].items()
        ]
        result.append({"entry": entry, "plans": plans})
    return result


def _matches(entry: dict, query: str) -> bool:
    """Every word of the query is in the name, display name or description; ``key:value`` words filter ``kind``,
    ``active`` and ``tag`` (other filters are not emulated and match everything)."""
    ui = entry["overview_ui"]["en"]
    text = " ".join((entry["name"], ui["display_name"], ui["description"])).lower()
    for word in query.lower().split():
        key, _, value = word.partition(":")
        if not value:
            if word not in text:
                return False
        elif key == "kind" and entry["kind"] != value:
            return False
        elif key == "active" and str(entry["active"]).lower() != value:
            return False
        elif key == "tag" and value not in entry["tags"]:
            return False
    return True


def _page(entries: list[dict]) -> Any:
    offset, limit = int_query("_offset", 0, 10**9), int_query("_limit", DEFAULT_LIMIT, MAX_LIMIT)
    chosen = entries[offset : offset + limit]
    here = request.host_url.rstrip("/") + request.path

    def link(start: int) -> str:
        args = {k: v for k, v in request.args.items() if k not in ("_offset", "_limit")}
        return here + "?" + urlencode({**args, "_offset": start, "_limit": limit})

    body: dict[str, Any] = {
        "offset": offset,
        "limit": limit,
        "count": len(entries),
        "resource_count": len(chosen),
        "first": link(0),
        "last": link(max(0, (len(entries) - 1) // limit * limit)),
        "resources": chosen,
    }
    if offset > 0:
        body["prev"] = link(max(0, offset - limit))
    if offset + limit < len(entries):
        body["next"] = link(offset + limit)
    return jsonify(body)


@blueprint.before_request
def _authenticate() -> None:
    """Public entries are readable without a token; a token that is sent must be valid (IAM's 401 otherwise)."""
    if request.headers.get("Authorization"):
        platform_caller()


def _find(entry_id: str) -> tuple[dict, list[dict]]:
    for service in _services():
        if service["entry"]["id"] == entry_id:
            return service["entry"], service["plans"]
        for plan in service["plans"]:
            if plan["id"] == entry_id:
                return plan, []
    raise fail(platform_error, 404, "not_found", f"Catalog entry {entry_id} was not found.")


@blueprint.get("/api/v1")
@blueprint.get("/api/v1/")
def search():
    query = request.args.get("q", "")
    return _page([s["entry"] for s in _services() if _matches(s["entry"], query)])


@blueprint.get("/api/v1/<entry_id>")
def get_entry(entry_id: str):
    return jsonify(_find(entry_id)[0])


@blueprint.get("/api/v1/<entry_id>/<kind>")
def children(entry_id: str, kind: str):
    _entry_found, plans = _find(entry_id)
    query = request.args.get("q", "")
    return _page([p for p in plans if kind in ("*", p["kind"]) and _matches(p, query)])
