"""Key Protect API v2, also served per Hyper Protect Crypto Services instance under /hpcs/<guid>.

Every route exists twice: ``/api/v2/...`` (Key Protect, regional endpoint) and
``/hpcs/<guid>/api/v2/...`` (the per-instance HPCS key-management endpoint). The instance comes from
the required ``Bluemix-Instance`` header. State lives in ``world.kms_store(guid)`` (see kp_store.py);
assumptions and error codes are written down in docs/key-protect.md.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Callable, Literal, overload
from urllib.parse import unquote

from flask import Blueprint, Response, g, jsonify, request

from . import kp_store as kp
from .auth import Principal, bearer_principal, require_role
from .clock import parse_iso8601
from .context import current_world
from .errors import ServiceError, fail, kms_error
from .kp_store import ACTIVE, DESTROYED, KEY_TYPE, SUSPENDED, find_key
from .world import World

SERVICE = "key-protect"
blueprint = Blueprint("key_protect", __name__)

POLICY_TYPE = "application/vnd.ibm.kms.policy+json"
REGISTRATION_TYPE = "application/vnd.ibm.kms.registration+json"
KEY_RING_TYPE = "application/vnd.ibm.kms.key_ring+json"
ALIAS_TYPE = "application/vnd.ibm.kms.key_alias+json"
ALIAS_RE = re.compile(r"^[A-Za-z0-9_-]{2,90}$")
RING_RE = re.compile(r"^[A-Za-z0-9-]{2,100}$")
RESERVED_ALIASES = {
    "allowed_ip_metadata",
    "key",
    "keys",
    "metadata",
    "policy",
    "policies",
    "registration",
    "registrations",
    "ring",
    "rings",
    "rotate",
    "wrap",
    "unwrap",
    "rewrap",
    "version",
    "versions",
}
INSTANCE_POLICY_TYPES = {
    "dualAuthDelete",
    "allowedNetwork",
    "allowedIP",
    "keyCreateImportAccess",
    "metrics",
    "rotation",
}
UNINITIALIZED_MSG = (
    "Bad Request: rpc error: code = Unknown desc = GRPC Message: [Got error CKR_IBM_WK_NOT_INITIALIZED, from "
    "libep11.so in m_GenerateKey]: the Hyper Protect Crypto Services instance is not initialized; load its "
    "master key with the TKE CLI plug-in (emulator: POST /_emulator/hpcs/{guid}/initialize)"
)


# -- errors -------------------------------------------------------------------------------------
def kp_fail(
    status: int, code: str, message: str, summary: str = "Action could not be performed on key"
) -> ServiceError:
    phrase = HTTPStatus(status).phrase
    return fail(
        kms_error, status, f"{phrase}: {summary}: Please see 'reasons' for more details ({code})", [(code, message)]
    )


def _unauthorized() -> Response:
    return kms_error(
        401,
        "Unauthorized: The user does not have access to the specified resource",
        [("UNAUTHORIZED_ERR", "The user does not have access to the specified resource")],
    )


def _forbidden(role: str) -> Response:
    """A caller without ``role`` on the instance: Key Protect answers 401 UNAUTHORIZED_ERR, not 403 (its
    error-messages doc; its 403 codes are context-based restrictions, owner-only, service-only and feature errors).
    The answer does not name the role."""
    del role
    return _unauthorized()


def bad_param(name: str, why: str) -> ServiceError:
    return kp_fail(400, "INVALID_QUERY_PARAM_ERR", f"The query parameter '{name}' {why}", "Invalid query parameter")


def bad_field(name: str, why: str) -> ServiceError:
    return kp_fail(400, "INVALID_FIELD_ERR", f"The field '{name}' {why}", "The request body is invalid")


# -- request context ----------------------------------------------------------------------------
@dataclass
class Ctx:
    world: World
    guid: str
    principal: Principal
    store: dict[str, Any]

    def writable(self) -> dict[str, Any]:
        self.store = self.world.kms_store(self.guid)
        return self.store


def route(rule: str, methods: list[str]) -> Callable:
    """Register a view for the Key Protect path and the per-instance HPCS path."""

    def register(view: Callable) -> Callable:
        blueprint.add_url_rule("/api/v2" + rule, view.__name__, view, methods=methods)
        blueprint.add_url_rule("/hpcs/<hpcs_guid>/api/v2" + rule, view.__name__, view, methods=methods)
        return view

    return register


def open_ctx(role: str, *, crypto: bool = False) -> Ctx:
    """Authenticate, resolve the Bluemix-Instance, check the role and the HPCS initialization.

    An uninitialized HPCS refuses every key call, or only the calls that use its crypto units (``crypto``: creating
    and rotating keys), as the contract choice hpcs-uninitialized plays.
    """
    world = current_world()
    principal = bearer_principal(world, _unauthorized)
    g.principal = principal
    guid = request.headers.get("Bluemix-Instance", "").strip()
    if not kp.is_uuid(guid):
        raise fail(
            kms_error, 400, "Bad Request: Request requires valid Bluemix-Instance Header containing a valid UUID"
        )
    hpcs = (request.view_args or {}).get("hpcs_guid")
    instance = world.data["instances"].get(guid)
    wanted = "hs-crypto" if hpcs else "kms"
    if (
        instance is None
        or instance.get("_service") != wanted
        or (hpcs and hpcs != guid)
        or instance.get("state") != "active"
    ):
        raise ServiceError(_unauthorized())
    target = {
        "accountId": instance.get("account_id", ""),
        "serviceName": wanted,
        "serviceInstance": guid,
        "resourceGroupId": instance.get("resource_group_id", ""),
    }
    require_role(world, principal, role, target, _forbidden)
    store = kp.peek_store(world, guid)
    if not store["initialized"] and (crypto or world.contract["hpcs-uninitialized"] == "reads-fail"):
        raise fail(kms_error, 400, UNINITIALIZED_MSG.replace("{guid}", guid))
    return Ctx(world, guid, principal, store)


def ring_header() -> str | None:
    return request.headers.get("X-Kms-Key-Ring") or None


def load_key(ctx: Ctx, id_or_alias: str, *, live: bool = False) -> dict[str, Any]:
    key = find_key(ctx.world, ctx.guid, id_or_alias, ring_header())
    if key is None:
        raise kp_fail(404, "KEY_NOT_FOUND_ERR", "Key does not exist", "Key could not be retrieved")
    if live and key["state"] == DESTROYED:
        raise kp_fail(
            410,
            "KEY_DELETED_ERR",
            "Key has already been deleted. Please delete references to this key.",
            "Key could not be retrieved",
        )
    return key


# -- bodies and responses -----------------------------------------------------------------------
@overload
def read_body(required: Literal[True] = ...) -> dict[str, Any]: ...
@overload
def read_body(required: bool) -> dict[str, Any] | None: ...
def read_body(required: bool = True) -> dict[str, Any] | None:
    raw = request.get_data()
    if not raw.strip():
        if required:
            raise kp_fail(400, "NO_BODY_ERR", "No request body", "The request body is missing")
        return None
    try:
        body = json.loads(raw)
    except ValueError:
        raise kp_fail(
            400,
            "BAD_BODY_ERR",
            "Invalid body data was passed: the body is not valid JSON",
            "The request body is invalid",
        ) from None
    if not isinstance(body, dict):
        raise kp_fail(400, "BAD_BODY_ERR", "Invalid body data was passed", "The request body is invalid")
    return body


def read_collection(body: dict[str, Any]) -> list[dict[str, Any]]:
    metadata, resources = body.get("metadata"), body.get("resources")
    if (
        not isinstance(metadata, dict)
        or not isinstance(resources, list)
        or not resources
        or not all(isinstance(r, dict) for r in resources)
    ):
        raise kp_fail(
            400,
            "BAD_BODY_ERR",
            "The body needs 'metadata' and a non-empty 'resources' list",
            "The request body is invalid",
        )
    if metadata.get("collectionTotal") != len(resources):
        raise kp_fail(
            400,
            "COLLECTION_TOTAL_MISMATCH_ERR",
            "The value of collectionTotal does not match the number of resources",
            "The request body is invalid",
        )
    return resources


def collection(
    ctype: str, resources: list[dict[str, Any]], status: int = 200, content_type: str = "application/json", **extra: Any
) -> Response:
    body = {"metadata": {"collectionType": ctype, "collectionTotal": len(resources), **extra}, "resources": resources}
    response = jsonify(body)
    response.status_code = status
    response.content_type = content_type
    return response


def prefers_representation() -> bool:
    return "return=representation" in request.headers.get("Prefer", "")


def query_int(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise bad_param(name, f"must be an integer from {low} to {high}")
    return int(raw)


def query_bool(name: str) -> bool | None:
    raw = request.args.get(name)
    if not raw:
        return None
    if raw.lower() not in ("true", "false"):
        raise bad_param(name, "must be true or false")
    return raw.lower() == "true"


def page(items: list[Any], max_limit: int = 5000, default_limit: int = 200) -> list[Any]:
    limit = query_int("limit", default_limit, 1, max_limit)
    offset = query_int("offset", 0, 0, 10**9)
    return items[offset : offset + limit]


def no_content() -> Response:
    return Response(status=204)


# -- key creation -------------------------------------------------------------------------------
def check_alias(ctx: Ctx, alias: Any, owner_id: str | None = None) -> str:
    if (
        not isinstance(alias, str)
        or not ALIAS_RE.match(alias)
        or kp.is_uuid(alias)
        or alias.lower() in RESERVED_ALIASES
    ):
        raise bad_field(
            "aliases", "must be 2-90 characters of A-Z, a-z, 0-9, '_' or '-', not a UUID and not a reserved word"
        )
    owner = kp.alias_owner(ctx.world, ctx.guid, alias)
    if owner is not None and owner["id"] != owner_id:
        raise kp_fail(
            400,
            "KEY_ALIAS_NOT_UNIQUE_ERR",
            f"The alias '{alias}' is already used in this instance",
            "Key alias could not be created",
        )
    return alias


def check_key_spec(ctx: Ctx, spec: dict[str, Any]) -> None:
    name = spec.get("name")
    if not isinstance(name, str) or not 2 <= len(name.strip()) <= 90:
        raise bad_field("name", "is required and must be 2-90 characters")
    if not isinstance(spec.get("extractable", True), bool):
        raise bad_field("extractable", "must be a boolean")
    if not isinstance(spec.get("description", ""), str) or len(spec.get("description", "")) > 240:
        raise bad_field("description", "must be a string of at most 240 characters")
    aliases = spec.get("aliases") or []
    if not isinstance(aliases, list):
        raise bad_field("aliases", "must be a list of strings")
    if len(aliases) > 5:
        raise kp_fail(400, "KEY_ALIAS_QUOTA_ERR", "A key can have at most 5 aliases", "The request body is invalid")
    if len(set(aliases)) != len(aliases):
        raise bad_field("aliases", "must not repeat an alias")
    for alias in aliases:
        check_alias(ctx, alias)
    check_tags(spec.get("tags"))
    check_expiration(ctx, spec.get("expirationDate"))
    check_payload(spec)


def check_tags(tags: Any) -> None:
    """A key's own tags, set when it is created (keyprotect-nodejs-client v2.ts: up to 30, 0-30 characters, no
    angled brackets, comma, colon, ampersand or vertical bar)."""
    if tags is None:
        return
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise bad_field("tags", "must be a list of strings")
    if len(tags) > 30 or any(len(tag) > 30 or set(tag) & set("<>,:&|") for tag in tags):
        raise bad_field("tags", "must be up to 30 tags of 0-30 characters, without < > , : & |")


def check_expiration(ctx: Ctx, value: Any) -> None:
    if value is None:
        return
    try:
        when = parse_iso8601(value)
    except (TypeError, ValueError, AttributeError):
        raise bad_field("expirationDate", "must be an RFC 3339 timestamp") from None
    if when <= ctx.world.clock.now():
        raise bad_field("expirationDate", "must be in the future")


def check_payload(spec: dict[str, Any]) -> None:
    if "payload" not in spec:
        return
    try:
        raw = base64.b64decode(spec["payload"], validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise bad_field("payload", "must be base64 encoded") from None
    if not spec.get("extractable", True) and len(raw) not in (16, 24, 32):
        raise bad_field("payload", "of a root key must be 128, 192 or 256 bits")
    if not raw:
        raise bad_field("payload", "must not be empty")


def check_create_access(ctx: Ctx, spec: dict[str, Any]) -> None:
    policy = ctx.store["instance_policies"].get("keyCreateImportAccess")
    if not policy or not policy["policy_data"].get("enabled"):
        return
    attrs = policy["policy_data"].get("attributes", {})
    verb = "import" if "payload" in spec else "create"
    kind = "standard" if spec.get("extractable", True) else "root"
    if attrs.get(f"{verb}_{kind}_key", True) is False:
        raise kp_fail(
            409,
            "KEY_CREATE_IMPORT_ACCESS_ERR",
            f"The instance policy keyCreateImportAccess does not allow to {verb} {kind} keys",
            "Key could not be created",
        )


def apply_policies(ctx: Ctx, key: dict[str, Any], spec: dict[str, Any], author: str) -> None:
    """Instance policies (dualAuthDelete, rotation) and, for policy overrides, the request's own policies."""
    policies = ctx.store["instance_policies"]
    dual = spec.get("dualAuthDelete") or {
        "enabled": bool(policies.get("dualAuthDelete", {}).get("policy_data", {}).get("enabled"))
    }
    if dual.get("enabled"):
        set_key_policy(ctx, key, "dualAuthDelete", {"enabled": True}, author)
    rotation = spec.get("rotation")
    instance_rotation = policies.get("rotation", {}).get("policy_data", {})
    if rotation is None and instance_rotation.get("enabled") and not key["extractable"]:
        rotation = {"enabled": True, "interval_month": instance_rotation.get("attributes", {}).get("interval_month", 1)}
    if rotation is not None:
        set_key_policy(ctx, key, "rotation", check_rotation(key, rotation), author)


def create_key_common(allow_overrides: bool) -> Response:
    ctx = open_ctx("Writer", crypto=True)
    resources = read_collection(read_body())
    if len(resources) != 1:
        raise bad_field("resources", "must hold exactly one key")
    spec = resources[0]
    ring = ring_header() or "default"
    if ring not in ctx.store["key_rings"]:
        raise kp_fail(404, "KEY_RING_NOT_FOUND_ERR", f"Key ring '{ring}' does not exist", "Key could not be created")
    check_key_spec(ctx, spec)
    if not allow_overrides and ("rotation" in spec or "dualAuthDelete" in spec):
        spec = {k: v for k, v in spec.items() if k not in ("rotation", "dualAuthDelete")}
    check_create_access(ctx, spec)
    ctx.writable()
    key = kp.new_key(ctx.world, ctx.guid, spec, ctx.principal.iam_id, ring)
    apply_policies(ctx, key, spec, ctx.principal.iam_id)
    minimal = "return=minimal" in request.headers.get("Prefer", "")
    view = {"type": KEY_TYPE, "id": key["id"]} if minimal else kp.public_view(key, with_payload=True)
    response = collection(KEY_TYPE, [view], 201, KEY_TYPE)
    response.headers["Location"] = request.path.rstrip("/").rsplit("/", 1)[0] + "/keys/" + key["id"]
    return response


@route("/keys", ["POST"])
def create_key(hpcs_guid: str | None = None) -> Response:
    return create_key_common(False)


@route("/keys_with_policy_overrides", ["POST"])
def create_key_with_policy_overrides(hpcs_guid: str | None = None) -> Response:
    return create_key_common(True)


# -- listing ------------------------------------------------------------------------------------
def selected_keys(ctx: Ctx) -> list[dict]:
    try:
        return select_keys(ctx)
    except kp.QueryError as exc:
        raise bad_param(exc.name, exc.why) from None


def select_keys(ctx: Ctx) -> list[dict]:
    matchers: list[Callable[[dict], bool]] = []
    states = kp.parse_states(request.args["state"], "state") if request.args.get("state") else None
    extractable = query_bool("extractable")
    if request.args.get("filter"):
        f_states, f_extractable = kp.parse_filter(request.args["filter"], matchers)
        if (f_states is not None and states is not None) or (f_extractable is not None and extractable is not None):
            raise bad_param("filter", "cannot be combined with the state or extractable parameters")
        states = f_states if f_states is not None else states
        extractable = f_extractable if f_extractable is not None else extractable
    if states is None:
        states = {0, 1, 2, 3}
    if extractable is not None:
        matchers.append(lambda k: k["extractable"] == extractable)
    if request.args.get("search"):
        matchers.append(kp.search_matcher(request.args["search"]))
    ring = ring_header()
    keys = [
        k
        for k in ctx.store["keys"].values()
        if k["state"] in states and (ring is None or k["keyRingID"] == ring) and all(m(k) for m in matchers)
    ]
    return kp.sort_keys(keys, request.args.get("sort"))


@route("/keys", ["GET", "HEAD"])
def list_keys(hpcs_guid: str | None = None) -> Response:
    ctx = open_ctx("Reader")
    keys = selected_keys(ctx)
    if request.method == "HEAD":
        response = Response(status=200)
        response.headers["Key-Total"] = str(len(keys))
        return response
    extra: dict[str, Any] = {}
    if request.args.get("search"):
        extra = {"searchQuery": request.args["search"], "incompleteSearch": False}
    return collection(KEY_TYPE, [kp.public_view(k) for k in page(keys)], **extra)


# -- single keys --------------------------------------------------------------------------------
@route("/keys/<id>", ["GET"])
def get_key(id: str, hpcs_guid: str | None = None) -> Response:
    ctx = open_ctx("Reader")
    return collection(KEY_TYPE, [kp.public_view(load_key(ctx, id), with_payload=True)])


@route("/keys/<id>/metadata", ["GET"])
def get_key_metadata(id: str, hpcs_guid: str | None = None) -> Response:
    ctx = open_ctx("Reader")
    return collection(KEY_TYPE, [kp.public_view(load_key(ctx, id))])


@route("/keys/<id>", ["PATCH"])
def patch_key(id: str, hpcs_guid: str | None = None) -> Response:
    ctx = open_ctx("Manager")
    key = load_key(ctx, id, live=True)
    body = read_body()
    ring = body.get("keyRingID")
    if not isinstance(ring, str) or not ring:
        raise bad_field("keyRingID", "is required")
    if ring not in ctx.store["key_rings"]:
        raise kp_fail(404, "KEY_RING_NOT_FOUND_ERR", f"Key ring '{ring}' does not exist", "Key could not be updated")
    ctx.writable()
    key["keyRingID"] = ring
    key["lastUpdateDate"] = ctx.world.now_iso()
    return collection(KEY_TYPE, [kp.public_view(key)])


@route("/keys/<id>", ["DELETE"])
def delete_key(id: str, hpcs_guid: str | None = None) -> Response:
    ctx = open_ctx("Manager")
    key = load_key(ctx, id, live=True)
    check_deletable(ctx, key, query_bool("force") is True)
    ctx.writable()
    kp.mark_deleted(ctx.world, key, ctx.principal.iam_id)
    key.pop("_setForDeletionBy", None)
    if key["dualAuthDelete"].get("enabled"):
        key["dualAuthDelete"] = {"enabled": True, "keySetForDeletion": False}
    if prefers_representation():
        return collection(KEY_TYPE, [kp.public_view(key)])
    return no_content()


def check_deletable(ctx: Ctx, key: dict[str, Any], force: bool) -> None:
    registrations = kp.registrations_of(ctx.world, ctx.guid, key["id"])
    if any(r.get("preventKeyDeletion") for r in registrations):
        raise kp_fail(
            409,
            "PREV_KEY_DEL_ERR",
            "The key cannot be deleted because it's protecting a cloud resource that has a retention policy",
            "Key could not be deleted",
        )
    if registrations and not force:
        raise kp_fail(
            409, "PROTECTED_RESOURCE_ERR", "Key is protecting one or more cloud resources", "Key could not be deleted"
        )
    dual = key["dualAuthDelete"]
    if dual.get("enabled"):
        if not dual.get("keySetForDeletion"):
            raise kp_fail(
                409,
                "AUTHORIZATIONS_NOT_MET",
                "The key must be set for deletion by another user first (dual authorization)",
                "Key could not be deleted",
            )
        if key.get("_setForDeletionBy") == ctx.principal.iam_id:
            raise kp_fail(
                409,
                "AUTHORIZATIONS_NOT_MET",
                "The user who set the key for deletion cannot also delete it (dual authorization)",
                "Key could not be deleted",
            )


@route("/keys/<id>/restore", ["POST"])
def restore_key(id: str, hpcs_guid: str | None = None) -> Response:
    ctx = open_ctx("Manager")
    key = load_key(ctx, id)
    if key["state"] != DESTROYED:
        raise kp_fail(409, "KEY_ACTION_INVALID_STATE_ERR", "Only a deleted key can be restored")
    if not key.get("restoreAllowed"):
        raise kp_fail(409, "KEY_RESTORE_EXPIRED", "Keys can only be restored within 30 days of deletion")
    if ctx.world.clock.now() - key["_deletedAt"] < 30:
        raise kp_fail(409, "REQ_TOO_EARLY_ERR", "A key can be restored 30 seconds after deletion at the earliest")
    body = read_body(required=False) or {}
    spec = (body.get("resources") or [{}])[0] if body else {}
    if key["imported"] and not spec.get("payload"):
        raise kp_fail(400, "KEY_PAYLOAD_REQ_ERR", "An imported key needs its payload to be restored")
    ctx.writable()
    kp.mark_restored(ctx.world, key, ctx.principal.iam_id)
    return collection(KEY_TYPE, [kp.public_view(key)], 201, KEY_TYPE)


@route("/keys/<id>/purge", ["DELETE"])
def purge_key(id: str, hpcs_guid: str | None = None) -> Response:
    ctx = open_ctx("Manager")
    key = load_key(ctx, id)
    if key["state"] != DESTROYED:
        raise kp_fail(409, "KEY_ACTION_INVALID_STATE_ERR", "Only a deleted key can be purged")
    if not key.get("purgeAllowed"):
        raise kp_fail(409, "REQ_TOO_EARLY_ERR", "A key can be purged 4 hours after deletion at the earliest")
    store = ctx.writable()
    view = kp.public_view(key)
    del store["keys"][key["id"]]
    store["registrations"] = [r for r in store["registrations"] if r["keyId"] != key["id"]]
    if prefers_representation():
        return collection(KEY_TYPE, [view])
    return no_content()


@route("/keys/<id>/versions", ["GET"])
def key_versions(id: str, hpcs_guid: str | None = None) -> Response:
    ctx = open_ctx("Reader")
    key = load_key(ctx, id)
    if key["state"] != ACTIVE and query_bool("allKeyStates") is not True:
        raise kp_fail(
            409, "KEY_ACTION_INVALID_STATE_ERR", "Versions of a non-active key are listed only with allKeyStates=true"
        )
    versions = [dict(v) for v in key["_versions"]]
    extra: dict[str, Any] = {"totalCount": len(versions)} if query_bool("totalCount") else {}
    return collection("application/vnd.ibm.kms.key_version+json", page(versions), **extra)


# -- actions ------------------------------------------------------------------------------------
def act_rotate(ctx: Ctx, key: dict[str, Any]) -> None:
    if key["extractable"]:
        raise kp_fail(400, "KEY_ROOT_REQ_ERR", "Only root keys can be rotated")
    if key["state"] not in (ACTIVE, kp.DEACTIVATED):
        raise kp_fail(409, "KEY_ACTION_INVALID_STATE_ERR", "The key is not in a state that allows rotation")
    if ctx.world.clock.now() - key.get("_rotatedAt", -kp.HOUR) < kp.HOUR:
        raise kp_fail(
            409,
            "KEY_ROTATION_NOT_PERMITTED",
            "This root key has been rotated within the last hour. Only one 'rotate' action per hour is permitted",
        )
    body = read_body(required=False) or {}
    if key["imported"] and not body.get("payload"):
        raise kp_fail(400, "KEY_PAYLOAD_REQ_ERR", "An imported root key needs a new payload to be rotated")
    if body.get("payload"):
        check_payload({"payload": body["payload"], "extractable": False})
    ctx.writable()
    kp.rotate(ctx.world, ctx.guid, key, body.get("payload"))


def act_disable(ctx: Ctx, key: dict[str, Any]) -> None:
    if key["state"] != ACTIVE:
        raise kp_fail(409, "KEY_ACTION_INVALID_STATE_ERR", "Only an active key can be disabled")
    ctx.writable()
    key.update(state=SUSPENDED, lastUpdateDate=ctx.world.now_iso(), _disabledAt=ctx.world.clock.now())


def act_enable(ctx: Ctx, key: dict[str, Any]) -> None:
    if key["state"] != SUSPENDED:
        raise kp_fail(409, "KEY_ACTION_INVALID_STATE_ERR", "Only a disabled (suspended) key can be enabled")
    if ctx.world.clock.now() - key.get("_disabledAt", 0) < 30:
        raise kp_fail(409, "REQ_TOO_EARLY_ERR", "A key can be enabled 30 seconds after it was disabled at the earliest")
    ctx.writable()
    key.update(state=ACTIVE, lastUpdateDate=ctx.world.now_iso())
    key.pop("_disabledAt", None)


def require_dual_auth(key: dict[str, Any]) -> None:
    if not key["dualAuthDelete"].get("enabled"):
        raise kp_fail(409, "NOT_DUAL_AUTH_ERR", "The key does not have a dual authorization policy")


def act_set_for_deletion(ctx: Ctx, key: dict[str, Any]) -> None:
    require_dual_auth(key)
    ctx.writable()
    expires = kp.iso8601(ctx.world.clock.now() + kp.DUAL_AUTH_WINDOW)
    key["dualAuthDelete"] = {"enabled": True, "keySetForDeletion": True, "authExpiration": expires}
    key["_setForDeletionBy"] = ctx.principal.iam_id


def act_unset_for_deletion(ctx: Ctx, key: dict[str, Any]) -> None:
    require_dual_auth(key)
    ctx.writable()
    key["dualAuthDelete"] = {"enabled": True, "keySetForDeletion": False}
    key.pop("_setForDeletionBy", None)


def act_sync(ctx: Ctx, key: dict[str, Any]) -> None:
    if ctx.world.clock.now() - key.get("_syncedAt", -kp.HOUR) < kp.HOUR:
        raise kp_fail(409, "REQ_TOO_EARLY_ERR", "Associated resources of a key can be synced once per hour")
    ctx.writable()
    key["_syncedAt"] = ctx.world.clock.now()


ACTIONS: dict[str, tuple[str, Callable[[Ctx, dict], None]]] = {
    "rotate": ("Writer", act_rotate),
    "disable": ("Manager", act_disable),
    "enable": ("Manager", act_enable),
    "setKeyForDeletion": ("Manager", act_set_for_deletion),
    "unsetKeyForDeletion": ("Manager", act_unset_for_deletion),
    "sync": ("Writer", act_sync),
}


def run_action(id: str, action: str) -> Response:
    if action not in ACTIONS:
        open_ctx("Reader")
        raise bad_param("action", f"'{action}' is not supported (emulated: {', '.join(ACTIONS)})")
    role, handler = ACTIONS[action]
    ctx = open_ctx(role, crypto=action == "rotate")
    handler(ctx, load_key(ctx, id, live=True))
    return no_content()


@route("/keys/<id>/actions/<action>", ["POST"])
def key_action(id: str, action: str, hpcs_guid: str | None = None) -> Response:
    return run_action(id, action)


@route("/keys/<id>", ["POST"])
def legacy_key_action(id: str, hpcs_guid: str | None = None) -> Response:
    """Deprecated form ``POST /keys/{id}?action=<action>``."""
    if not request.args.get("action"):
        raise bad_param("action", "is required")
    return run_action(id, request.args["action"])


# -- key policies -------------------------------------------------------------------------------
def check_rotation(key: dict[str, Any], rotation: Any) -> dict[str, Any]:
    if key["extractable"]:
        raise kp_fail(400, "KEY_ROOT_REQ_ERR", "Rotation policies can only be set on root keys")
    if not isinstance(rotation, dict) or not isinstance(rotation.get("enabled", True), bool):
        raise bad_field("rotation", "must be an object with 'enabled' and 'interval_month'")
    interval = rotation.get("interval_month", key.get("rotation", {}).get("interval_month", 1))
    if isinstance(interval, bool) or not isinstance(interval, int) or not 1 <= interval <= 12:
        raise bad_field("rotation.interval_month", "must be an integer from 1 to 12")
    return {"enabled": rotation.get("enabled", True), "interval_month": interval}


def set_key_policy(ctx: Ctx, key: dict[str, Any], kind: str, value: dict[str, Any], author: str) -> None:
    now = ctx.world.now_iso()
    old = key["_policies"].get(kind)
    key["_policies"][kind] = {
        "type": POLICY_TYPE,
        kind: value,
        "createdBy": old["createdBy"] if old else author,
        "creationDate": old["creationDate"] if old else now,
        "updatedBy": author,
        "lastUpdateDate": now,
    }
    if kind == "rotation":
        key["rotation"] = dict(value)
    else:
        key["dualAuthDelete"] = {"enabled": True, "keySetForDeletion": False}


def policy_kind() -> str | None:
    kind = request.args.get("policy")
    if kind is not None and kind not in ("rotation", "dualAuthDelete"):
        raise bad_param("policy", "must be rotation or dualAuthDelete")
    return kind


def policies_response(key: dict[str, Any], kind: str | None) -> Response:
    kinds = [kind] if kind else ["rotation", "dualAuthDelete"]
    resources = [dict(key["_policies"][k], crn=key["crn"]) for k in kinds if k in key["_policies"]]
    return collection(POLICY_TYPE, resources)


@route("/keys/<id>/policies", ["GET"])
def get_key_policies(id: str, hpcs_guid: str | None = None) -> Response:
    ctx = open_ctx("Reader")
    return policies_response(load_key(ctx, id), policy_kind())


@route("/keys/<id>/policies", ["PUT"])
def put_key_policies(id: str, hpcs_guid: str | None = None) -> Response:
    ctx = open_ctx("Writer")
    key = load_key(ctx, id, live=True)
    kind = policy_kind()
    changes: list[tuple[str, dict]] = []
    for resource in read_collection(read_body()):
        for name in ("rotation", "dualAuthDelete"):
            if name in resource and kind in (None, name):
                changes.append((name, check_policy_value(key, name, resource[name])))
    if not changes:
        raise bad_field("resources", "must hold a rotation or dualAuthDelete policy")
    ctx.writable()
    for name, value in changes:
        if name == "dualAuthDelete" and not value["enabled"]:
            continue
        set_key_policy(ctx, key, name, value, ctx.principal.iam_id)
    key["lastUpdateDate"] = ctx.world.now_iso()
    return policies_response(key, kind)


def check_policy_value(key: dict[str, Any], name: str, value: Any) -> dict[str, Any]:
    if name == "rotation":
        return check_rotation(key, value)
    if not isinstance(value, dict) or not isinstance(value.get("enabled"), bool):
        raise bad_field("dualAuthDelete.enabled", "must be a boolean")
    if key["dualAuthDelete"].get("enabled") and not value["enabled"]:
        raise bad_field("dualAuthDelete.enabled", "cannot be set to false once dual authorization is enabled")
    return {"enabled": value["enabled"]}


# -- instance policies --------------------------------------------------------------------------
# Attributes each policy takes when enabled (keyprotect-go-client instances.go InstancePolicy; Key Protect docs).
INSTANCE_POLICY_ATTRIBUTES: dict[str, set[str]] = {
    "dualAuthDelete": set(),
    "metrics": set(),
    "allowedNetwork": {"allowed_network"},
    "allowedIP": {"allowed_ip"},
    "keyCreateImportAccess": {
        "create_root_key",
        "create_standard_key",
        "import_root_key",
        "import_standard_key",
        "enforce_token",
    },
    "rotation": {"interval_month"},
}
KEY_ACCESS_DEFAULTS = {
    "create_root_key": True,
    "create_standard_key": True,
    "import_root_key": True,
    "import_standard_key": True,
    "enforce_token": False,
}
# What an instance that never set a policy has (contract instance-policy-unset=defaults lists these).
INSTANCE_POLICY_DEFAULTS: dict[str, dict[str, Any]] = {
    "dualAuthDelete": {"enabled": False},
    "metrics": {"enabled": False},
    "allowedNetwork": {"enabled": False, "attributes": {"allowed_network": "public-and-private"}},
    "allowedIP": {"enabled": False, "attributes": {"allowed_ip": []}},
    "keyCreateImportAccess": {"enabled": False, "attributes": dict(KEY_ACCESS_DEFAULTS)},
    "rotation": {"enabled": False},
}


def _policy_body_error(message: str) -> ServiceError:
    return kp_fail(400, "BAD_BODY_ERR", message, "Instance policy could not be created")


def check_instance_policy(ctx: Ctx, name: str, data: Any) -> dict[str, Any]:
    """The policy_data to store, or the 400 Key Protect answers (error-messages.md; the Java SDK's model rules)."""
    if not isinstance(data, dict) or not isinstance(data.get("enabled"), bool):
        raise bad_field("policy_data.enabled", "must be a boolean")
    extra = set(data) - {"enabled", "attributes"}
    if extra:
        raise _policy_body_error(f"json: unknown field {sorted(extra)[0]!r}")
    attributes = data.get("attributes")
    allowed = INSTANCE_POLICY_ATTRIBUTES[name]
    if attributes is not None and (not isinstance(attributes, dict) or not allowed or set(attributes) - allowed):
        raise _policy_body_error('json: unknown field "attributes"')
    if not data["enabled"]:
        return disabled_policy(ctx, name, attributes)
    return {"enabled": True, "attributes": enabled_attributes(name, attributes or {})} if allowed else {"enabled": True}


def disabled_policy(ctx: Ctx, name: str, attributes: dict[str, Any] | None) -> dict[str, Any]:
    if name == "allowedNetwork":
        rule = ctx.world.contract["network-policy-disable"]
        if attributes and rule == "attributes-forbidden":
            raise _policy_body_error("Attributes cannot be provided when the policy is disabled")
        if not attributes and rule == "attributes-required":
            raise bad_field("attributes.allowed_network", "is required")
        network = (attributes or {}).get("allowed_network", "public-and-private")
        return {"enabled": False, "attributes": {"allowed_network": network}}
    if attributes:
        raise _policy_body_error("Attributes should not be provided when disabling the policy")
    return dict(INSTANCE_POLICY_DEFAULTS[name])


def enabled_attributes(name: str, attributes: dict[str, Any]) -> dict[str, Any]:
    if name == "allowedNetwork":
        if attributes.get("allowed_network") not in ("public-and-private", "private-only"):
            raise bad_field("allowed_network", "must be: public-and-private or private-only")
        return {"allowed_network": attributes["allowed_network"]}
    if name == "allowedIP":
        subnets = attributes.get("allowed_ip")
        if not isinstance(subnets, list) or not 1 <= len(subnets) <= 1000 or not all(is_cidr(s) for s in subnets):
            raise bad_field("allowed_ip", "must be a list of 1 to 1000 CIDR subnets")
        return {"allowed_ip": list(subnets)}
    if name == "rotation":
        months = attributes.get("interval_month")
        if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= 12:
            raise bad_field("interval_month", "must be: an integer between 1 and 12 (inclusive)")
        return {"interval_month": months}
    # keyCreateImportAccess: an attribute left out is reset to its default (settings-key-create-import-access.md).
    if not all(isinstance(attributes.get(k, True), bool) for k in KEY_ACCESS_DEFAULTS):
        raise bad_field("attributes", "must be booleans")
    return {k: attributes.get(k, default) for k, default in KEY_ACCESS_DEFAULTS.items()}


def is_cidr(value: Any) -> bool:
    try:
        ipaddress.ip_network(value, strict=True)
    except (TypeError, ValueError):
        return False
    return "/" in value


@route("/instance/policies", ["GET"])
def get_instance_policies(hpcs_guid: str | None = None) -> Response:
    ctx = open_ctx("Manager")
    kind = request.args.get("policy")
    if kind is not None and kind not in INSTANCE_POLICY_TYPES:
        raise bad_param("policy", f"must be one of {sorted(INSTANCE_POLICY_TYPES)}")
    policies = dict(ctx.store["instance_policies"])
    if ctx.world.contract["instance-policy-unset"] == "defaults":
        for name, data in INSTANCE_POLICY_DEFAULTS.items():
            policies.setdefault(name, {"policy_type": name, "policy_data": data})
    resources = [dict(p) for name, p in policies.items() if kind in (None, name)]
    if kind is None and ctx.world.contract["allowed-ip-listing"] == "twice" and "allowedIP" in policies:
        resources.append(dict(policies["allowedIP"]))  # "a duplicate allowed IP record" (settings-allowed-ip.md)
    return collection(POLICY_TYPE, resources)


@route("/instance/policies", ["PUT"])
def put_instance_policies(hpcs_guid: str | None = None) -> Response:
    ctx = open_ctx("Manager")
    kind = request.args.get("policy")
    resources = read_collection(read_body())
    if kind is not None and len(resources) != 1:
        raise kp_fail(
            400,
            "NUM_COLLECTION_RESOURCE_ERR",
            "Only a single instance policy may be created per query parameter. Please pass single resource object",
            "Instance policy could not be created",
        )
    names = [str(resource.get("policy_type")) for resource in resources]
    for name in names:
        if name not in INSTANCE_POLICY_TYPES:
            raise bad_field("policy_type", f"must be one of {sorted(INSTANCE_POLICY_TYPES)}")
        if kind is not None and name != kind:
            raise kp_fail(
                400,
                "BODY_QUERY_PARAM_MISMATCH_ERR",
                "Data in body does not match data required by query parameter",
                "Instance policy could not be created",
            )
    if len(set(names)) != len(names):
        raise _policy_body_error("Only one of each policy can be created")
    checked = [
        (name, check_instance_policy(ctx, name, resource.get("policy_data")))
        for name, resource in zip(names, resources, strict=True)
    ]
    store = ctx.writable()
    now = ctx.world.now_iso()
    for name, data in checked:
        old = store["instance_policies"].get(name, {})
        store["instance_policies"][name] = {
            "policy_type": name,
            "policy_data": data,
            "createdBy": old.get("createdBy", ctx.principal.iam_id),
            "creationDate": old.get("creationDate", now),
            "updatedBy": ctx.principal.iam_id,
            "lastUpdated": now,
        }
    return no_content()


# -- registrations ------------------------------------------------------------------------------
def crn_matcher(raw: str | None) -> Callable[[str], bool]:
    if not raw:
        return lambda crn: True
    pattern = unquote(raw)
    if not pattern.startswith("crn:"):
        raise bad_param("urlEncodedResourceCRNQuery", "must be a (URL-encoded) CRN, '*' allowed")
    # Key Protect's docs (view protected resources) and keyprotect 3.x: the query holds every CRN segment, with
    # no '*' in the first eight.
    segments = pattern.split(":")
    if len(segments) < 10 or any("*" in segment for segment in segments[:8]):
        raise bad_param(
            "urlEncodedResourceCRNQuery", "must contain every CRN segment, with no '*' in the first eight segments"
        )
    regex = re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$")
    return lambda crn: bool(regex.match(crn))


def registrations_response(ctx: Ctx, key_id: str | None) -> Response:
    match = crn_matcher(request.args.get("urlEncodedResourceCRNQuery"))
    prevent = query_bool("preventKeyDeletion")
    regs = [
        r
        for r in kp.registrations_of(ctx.world, ctx.guid, key_id)
        if match(r["resourceCrn"]) and prevent in (None, r.get("preventKeyDeletion", False))
    ]
    keys = ctx.store["keys"]
    views = [dict(r, keyName=keys.get(r["keyId"], {}).get("name", r.get("keyName", ""))) for r in regs]
    extra: dict[str, Any] = {"totalCount": len(views)} if query_bool("totalCount") else {}
    return collection(REGISTRATION_TYPE, page(views), **extra)


@route("/keys/<id>/registrations", ["GET"])
def key_registrations(id: str, hpcs_guid: str | None = None) -> Response:
    ctx = open_ctx("Reader")
    return registrations_response(ctx, load_key(ctx, id)["id"])


@route("/keys/registrations", ["GET"])
def all_registrations(hpcs_guid: str | None = None) -> Response:
    ctx = open_ctx("Reader")
    return registrations_response(ctx, None)


# -- aliases ------------------------------------------------------------------------------------
@route("/keys/<id>/aliases/<alias>", ["POST"])
def create_alias(id: str, alias: str, hpcs_guid: str | None = None) -> Response:
    ctx = open_ctx("Writer")
    key = load_key(ctx, id, live=True)
    check_alias(ctx, alias, owner_id=key["id"])
    aliases = key.get("aliases", [])
    if alias not in aliases:
        if len(aliases) >= 5:
            raise kp_fail(
                400, "KEY_ALIAS_QUOTA_ERR", "A key can have at most 5 aliases", "Key alias could not be created"
            )
        ctx.writable()
        key["aliases"] = aliases + [alias]
        key["lastUpdateDate"] = ctx.world.now_iso()
    view = {
        "keyId": key["id"],
        "alias": alias,
        "creationDate": key["lastUpdateDate"],
        "createdBy": ctx.principal.iam_id,
    }
    return collection(ALIAS_TYPE, [view], 201)


@route("/keys/<id>/aliases/<alias>", ["DELETE"])
def delete_alias(id: str, alias: str, hpcs_guid: str | None = None) -> Response:
    ctx = open_ctx("Manager")
    key = load_key(ctx, id, live=True)
    if alias not in key.get("aliases", []):
        raise kp_fail(
            404, "KEY_ALIAS_NOT_FOUND_ERR", f"The key has no alias '{alias}'", "Key alias could not be deleted"
        )
    ctx.writable()
    key["aliases"] = [a for a in key["aliases"] if a != alias]
    if not key["aliases"]:
        del key["aliases"]
    key["lastUpdateDate"] = ctx.world.now_iso()
    return no_content()


# -- key rings ----------------------------------------------------------------------------------
@route("/key_rings", ["GET"])
def list_key_rings(hpcs_guid: str | None = None) -> Response:
    ctx = open_ctx("Reader")
    rings = [dict(r) for r in ctx.store["key_rings"].values()]
    extra: dict[str, Any] = {"totalCount": len(rings)} if query_bool("totalCount") else {}
    return collection(KEY_RING_TYPE, page(rings, default_limit=100), **extra)


@route("/key_rings/<ring_id>", ["POST"])
def create_key_ring(ring_id: str, hpcs_guid: str | None = None) -> Response:
    ctx = open_ctx("Writer")
    if not RING_RE.match(ring_id):
        raise kp_fail(
            400,
            "INVALID_FIELD_ERR",
            "A key ring id is 2-100 characters of A-Z, a-z, 0-9 or '-'",
            "Key ring could not be created",
        )
    if ring_id in ctx.store["key_rings"]:
        raise kp_fail(
            409, "KEY_RING_CONFLICT_ERR", f"Key ring '{ring_id}' already exists", "Key ring could not be created"
        )
    store = ctx.writable()
    store["key_rings"][ring_id] = {
        "id": ring_id,
        "creationDate": ctx.world.now_iso(),
        "createdBy": ctx.principal.iam_id,
    }
    return collection(KEY_RING_TYPE, [dict(store["key_rings"][ring_id])], 201)


@route("/key_rings/<ring_id>", ["DELETE"])
def delete_key_ring(ring_id: str, hpcs_guid: str | None = None) -> Response:
    ctx = open_ctx("Manager")
    if ring_id not in ctx.store["key_rings"]:
        raise kp_fail(
            404, "KEY_RING_NOT_FOUND_ERR", f"Key ring '{ring_id}' does not exist", "Key ring could not be deleted"
        )
    if ring_id == "default":
        raise kp_fail(
            400, "KEY_RING_DEFAULT_ERR", "The default key ring cannot be deleted", "Key ring could not be deleted"
        )
    keys = [k for k in ctx.store["keys"].values() if k["keyRingID"] == ring_id]
    if any(k["state"] != DESTROYED for k in keys) or (keys and query_bool("force") is not True):
        raise kp_fail(
            409,
            "KEY_RING_NOT_EMPTY_ERR",
            "The key ring still holds keys (deleted keys need force=true)",
            "Key ring could not be deleted",
        )
    del ctx.writable()["key_rings"][ring_id]
    return no_content()
