"""Key Protect / HPCS key-management state: key records, registrations and time-driven transitions.

Plain functions over ``world.kms_store(guid)`` so other service modules (the Kubernetes Service part)
can read keys and manage registrations without going through HTTP. Key records hold the wire
representation; fields whose names start with ``_`` are internal and never leave the emulator.
"""

from __future__ import annotations

import base64
import copy
import os
import re
import uuid
from typing import Any, Callable

from .clock import iso8601, parse_iso8601
from .world import World, ticker

KEY_TYPE = "application/vnd.ibm.kms.key+json"
ACTIVE, SUSPENDED, DEACTIVATED, DESTROYED = 1, 2, 3, 5
HOUR = 3600
DAY = 24 * HOUR
RESTORE_WINDOW = 30 * DAY
PURGE_WAIT = 4 * HOUR
AUTO_PURGE = 90 * DAY
DUAL_AUTH_WINDOW = 7 * DAY


def service_of(world: World, guid: str) -> str:
    return world.data["instances"].get(guid, {}).get("_service", "kms")


def key_crn(world: World, guid: str, key_id: str) -> str:
    instance = world.data["instances"].get(guid, {})
    region = instance.get("region_id", "us-south")
    account = instance.get("account_id", "")
    return f"crn:v1:bluemix:public:{service_of(world, guid)}:{region}:a/{account}:{guid}:key:{key_id}"


def public_view(key: dict[str, Any], *, with_payload: bool = False) -> dict[str, Any]:
    """The wire representation of a key record (internal fields stripped)."""
    view = {k: copy.deepcopy(v) for k, v in key.items() if not k.startswith("_")}
    if with_payload and key.get("extractable") and key.get("_payload") and key["state"] != DESTROYED:
        view["payload"] = key["_payload"]
    return view


def new_key(world: World, guid: str, spec: dict[str, Any], created_by: str, ring: str) -> dict[str, Any]:
    """Build and store a key from a validated create request resource."""
    key_id = world.new_id()
    now = world.now_iso()
    extractable = bool(spec.get("extractable", True))
    imported = "payload" in spec
    version = {"id": world.new_id(), "creationDate": now}
    key: dict[str, Any] = {
        "type": KEY_TYPE,
        "id": key_id,
        "name": spec["name"],
        "aliases": list(spec.get("aliases") or []),
        "description": spec.get("description", ""),
        "tags": list(spec.get("tags") or []),
        "state": ACTIVE,
        "extractable": extractable,
        "crn": key_crn(world, guid, key_id),
        "imported": imported,
        "creationDate": now,
        "createdBy": created_by,
        "algorithmType": "AES",
        "algorithmMetadata": {"bitLength": "256", "mode": "Deprecated"},
        "algorithmBitSize": 256,
        "algorithmMode": "Deprecated",
        "lastUpdateDate": now,
        "keyVersion": dict(version),
        "dualAuthDelete": {"enabled": False},
        "deleted": False,
        "keyRingID": ring,
        "_versions": [version],
        "_policies": {},
        "_payload": spec.get("payload") or base64.b64encode(os.urandom(32)).decode(),
    }
    if not key["aliases"]:
        del key["aliases"]
    if spec.get("expirationDate"):
        key["expirationDate"] = iso8601(parse_iso8601(spec["expirationDate"]))
    world.kms_store(guid)["keys"][key_id] = key
    return key


def peek_store(world: World, guid: str) -> dict[str, Any]:
    """The instance's store without creating it (reads must not change the world)."""
    store = world.data["kms"].get(guid)
    if store is None:
        store = {
            "initialized": service_of(world, guid) != "hs-crypto",
            "keys": {},
            "instance_policies": {},
            "key_rings": {"default": {"id": "default", "creationDate": world.now_iso(), "createdBy": "system"}},
            "registrations": [],
        }
    return store


def find_key(world: World, guid: str, id_or_alias: str, ring: str | None = None) -> dict[str, Any] | None:
    """The stored key record with this id or alias (optionally only within key ring ``ring``)."""
    keys = peek_store(world, guid)["keys"]
    key = keys.get(id_or_alias)
    if key is None:
        key = next((k for k in keys.values() if id_or_alias in k.get("aliases", [])), None)
    if key is not None and ring and key.get("keyRingID") != ring:
        return None
    return key


def alias_owner(world: World, guid: str, alias: str) -> dict[str, Any] | None:
    return next((k for k in peek_store(world, guid)["keys"].values() if alias in k.get("aliases", [])), None)


def _version_view(key: dict[str, Any]) -> dict[str, str]:
    return {"id": key["keyVersion"]["id"], "creationDate": key["keyVersion"]["creationDate"]}


def add_registration(
    world: World,
    guid: str,
    key_id: str,
    resource_crn: str,
    description: str = "",
    prevent_key_deletion: bool = False,
    created_by: str = "containers-kubernetes",
) -> dict:
    """Register ``resource_crn`` as protected by ``key_id`` (replaces an existing one for the same pair)."""
    key = world.kms_store(guid)["keys"][key_id]
    now = world.now_iso()
    remove_registrations(world, guid, resource_crn, key_id=key_id)
    registration = {
        "keyId": key_id,
        "keyName": key["name"],
        "resourceCrn": resource_crn,
        "createdBy": created_by,
        "creationDate": now,
        "updatedBy": created_by,
        "lastUpdated": now,
        "description": description,
        "preventKeyDeletion": bool(prevent_key_deletion),
        "keyVersion": _version_view(key),
    }
    world.kms_store(guid)["registrations"].append(registration)
    return registration


def remove_registrations(world: World, guid: str, resource_crn: str, key_id: str | None = None) -> int:
    """Drop the registrations of ``resource_crn`` (only those for ``key_id`` if given); returns how many."""
    if guid not in world.data["kms"]:
        return 0
    store = world.kms_store(guid)
    kept = [
        r
        for r in store["registrations"]
        if not (r["resourceCrn"] == resource_crn and (key_id is None or r["keyId"] == key_id))
    ]
    removed = len(store["registrations"]) - len(kept)
    store["registrations"] = kept
    return removed


def registrations_of(world: World, guid: str, key_id: str | None = None) -> list[dict[str, Any]]:
    store = peek_store(world, guid)
    _finish_rewraps(world, store)
    return [r for r in store["registrations"] if key_id is None or r["keyId"] == key_id]


def _finish_rewraps(world: World, store: dict[str, Any]) -> None:
    """The registrations of a rotated key show its new version once ``world.rewrap_seconds`` have passed."""
    now = world.clock.now()
    for key in store["keys"].values():
        due = key.get("_rewrapDueAt")
        if due is not None and due <= now:
            for registration in store["registrations"]:
                if registration["keyId"] == key["id"]:
                    registration["keyVersion"] = _version_view(key)
                    registration["lastUpdated"] = iso8601(due)
            del key["_rewrapDueAt"]


def rotate(world: World, guid: str, key: dict[str, Any], payload: str | None = None) -> None:
    """New key version; registered resources follow the new version after ``world.rewrap_seconds``."""
    now = world.now_iso()
    version = {"id": world.new_id(), "creationDate": now}
    key["keyVersion"] = dict(version)
    key["_versions"].insert(0, version)
    key["lastRotateDate"] = now
    key["lastUpdateDate"] = now
    key["_rotatedAt"] = world.clock.now()
    if payload:
        key["_payload"] = payload
    # The registered services (IKS) pick the new version up asynchronously: the registrations follow it after
    # world.rewrap_seconds (read lazily by registrations_of), or never (contract rotation-rewrap=never).
    if world.contract["rotation-rewrap"] == "follows":
        key["_rewrapDueAt"] = world.clock.now() + world.rewrap_seconds
    registrations_of(world, guid, key["id"])


def mark_deleted(world: World, key: dict[str, Any], deleted_by: str) -> None:
    now = world.clock.now()
    key.update(
        {
            "state": DESTROYED,
            "deleted": True,
            "deletionDate": iso8601(now),
            "deletedBy": deleted_by,
            "restoreAllowed": True,
            "restoreExpirationDate": iso8601(now + RESTORE_WINDOW),
            "purgeAllowed": False,
            "purgeAllowedFrom": iso8601(now + PURGE_WAIT),
            "purgeScheduledOn": iso8601(now + AUTO_PURGE),
            "lastUpdateDate": iso8601(now),
            "_deletedAt": now,
        }
    )


def mark_restored(world: World, key: dict[str, Any], restored_by: str) -> None:
    for field in (
        "deletionDate",
        "deletedBy",
        "restoreAllowed",
        "restoreExpirationDate",
        "purgeAllowed",
        "purgeAllowedFrom",
        "purgeScheduledOn",
        "_deletedAt",
    ):
        key.pop(field, None)
    expired = "expirationDate" in key and parse_iso8601(key["expirationDate"]) <= world.clock.now()
    key.update(
        {
            "state": DEACTIVATED if expired else ACTIVE,
            "deleted": False,
            "lastUpdateDate": world.now_iso(),
            "restoredBy": restored_by,
            "restoredDate": world.now_iso(),
        }
    )


def _tick_key(world: World, store: dict[str, Any], key: dict[str, Any], now: float) -> None:
    if key["state"] == DESTROYED:
        deleted_at = key.get("_deletedAt", now)
        if now - deleted_at >= AUTO_PURGE:
            del store["keys"][key["id"]]
            return
        if now - deleted_at >= PURGE_WAIT and not key.get("purgeAllowed"):
            key["purgeAllowed"] = True
        if now - deleted_at >= RESTORE_WINDOW and key.get("restoreAllowed"):
            key["restoreAllowed"] = False
        return
    if key["state"] in (ACTIVE, SUSPENDED) and "expirationDate" in key:
        if parse_iso8601(key["expirationDate"]) <= now:
            key["state"] = DEACTIVATED
            key["lastUpdateDate"] = iso8601(now)
    dual = key["dualAuthDelete"]
    if dual.get("keySetForDeletion") and parse_iso8601(dual["authExpiration"]) <= now:
        key["dualAuthDelete"] = {"enabled": True, "keySetForDeletion": False}
        key.pop("_setForDeletionBy", None)


@ticker
def kms_ticker(world: World) -> None:
    """Expiry (state 3), restore/purge windows, auto-purge after 90 days, dual-auth authorisation expiry."""
    now = world.clock.now()
    for store in world.data.get("kms", {}).values():
        for key in list(store["keys"].values()):
            _tick_key(world, store, key, now)


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except (ValueError, AttributeError, TypeError):
        return False
    return True


# -- key listing (query parsing is pure; the blueprint turns QueryError into a KMS 400) --------------
class QueryError(ValueError):
    def __init__(self, name: str, why: str) -> None:
        super().__init__(f"{name} {why}")
        self.name = name
        self.why = why


SORT_FIELDS = (
    "id",
    "state",
    "extractable",
    "imported",
    "creationDate",
    "lastUpdateDate",
    "lastRotateDate",
    "deletionDate",
    "expirationDate",
)
DATE_FIELDS = ("creationDate", "deletionDate", "expirationDate", "lastRotateDate", "lastUpdateDate")
FILTER_TOKEN = re.compile(r'(\w+)=((?:(?:lte|lt|gte|gt):)?(?:"[^"]*"|\S+))')


def parse_states(raw: str, name: str) -> set[int]:
    parts = raw.split(",")
    if not all(p.isdigit() and int(p) in (0, 1, 2, 3, 5) for p in parts):
        raise QueryError(name, "must be a comma separated list of 0, 1, 2, 3, 5 without spaces")
    return {int(p) for p in parts}


def date_matcher(field: str, expr: str) -> Callable[[dict], bool]:
    op, _, value = expr.partition(":") if expr.split(":", 1)[0] in ("lte", "lt", "gte", "gt") else ("eq", "", expr)
    value = value.strip('"')
    if value.lower() == "none":
        return lambda k: field not in k
    try:
        when = parse_iso8601(value)
    except ValueError:
        raise QueryError("filter", f"has an invalid date for {field}") from None
    compare = {
        "eq": lambda a: a == when,
        "lt": lambda a: a < when,
        "lte": lambda a: a <= when,
        "gt": lambda a: a > when,
        "gte": lambda a: a >= when,
    }[op]
    return lambda k: field in k and compare(parse_iso8601(k[field]))


def parse_filter(raw: str, matchers: list[Callable[[dict], bool]]) -> tuple[set[int] | None, bool | None]:
    states: set[int] | None = None
    extractable: bool | None = None
    tokens = FILTER_TOKEN.findall(raw)
    if not tokens or FILTER_TOKEN.sub("", raw).strip():
        raise QueryError("filter", "is not of the form <property>=<value> ...")
    for name, expr in tokens:
        if name == "state":
            states = parse_states(expr, "filter")
        elif name == "extractable" and expr.lower() in ("true", "false"):
            extractable = expr.lower() == "true"
        elif name in DATE_FIELDS:
            matchers.append(date_matcher(name, expr))
        else:
            raise QueryError("filter", f"cannot filter on '{name}'")
    return states, extractable


def search_matcher(raw: str) -> Callable[[dict], bool]:
    """search=[not:][escape:][exact:][alias:|name:]<text> over key names and aliases."""
    flags: set[str] = set()
    text = raw
    while ":" in text and "escape" not in flags:
        head, rest = text.split(":", 1)
        if head not in ("not", "escape", "exact", "alias", "name"):
            break
        flags.add(head)
        text = rest
    scopes = {s for s in ("alias", "name") if s in flags} or {"alias", "name"}

    def hit(value: str) -> bool:
        return value.lower() == text.lower() if "exact" in flags else text.lower() in value.lower()

    def match(key: dict) -> bool:
        values = ([key["name"]] if "name" in scopes else []) + (key.get("aliases", []) if "alias" in scopes else [])
        found = any(hit(v) for v in values)
        return not found if "not" in flags else found

    return match


def sort_keys(keys: list[dict], raw: str | None) -> list[dict]:
    for field in reversed((raw or "").split(",") if raw else []):
        name = field.lstrip("-")
        if name not in SORT_FIELDS:
            raise QueryError("sort", f"cannot sort on '{name}'")
        keys = sorted(keys, key=lambda k: (name in k, str(k.get(name, ""))), reverse=field.startswith("-"))
    return keys
