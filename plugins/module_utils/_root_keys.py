# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""What root_key and root_key_info share: finding a root key, describing it, and the ensure_* decisions."""

from __future__ import annotations

from typing import Any, Optional

from ansible_collections.ibmcloud.kms.plugins.module_utils._client import Session
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import BadRequestError, ConflictError, InputError
from ansible_collections.ibmcloud.kms.plugins.module_utils._kms import (
    ACTIVE,
    DEACTIVATED,
    DESTROYED,
    STATE_NAMES,
    SUSPENDED,
    KmsClient,
    days_until,
    format_time,
    not_initialized,
    parse_time,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._resource_controller import ResourceClient, crn_service

ROTATION_INTERVAL = 3600  # Key Protect allows one rotation per key per hour


class KeyInUseError(InputError):
    """A change that would break the cloud resources registered with a key, refused before any change."""


# -- the returned view --------------------------------------------------------------------------
def _version(raw: Optional[dict]) -> Optional[dict]:
    if not raw:
        return None
    return {"id": raw.get("id"), "creation_date": raw.get("creationDate")}


def describe_registration(raw: dict) -> dict:
    return {
        "resource_crn": raw.get("resourceCrn"),
        "key_version": _version(raw.get("keyVersion")),
        "prevent_key_deletion": bool(raw.get("preventKeyDeletion")),
        "description": raw.get("description"),
        "creation_date": raw.get("creationDate"),
        "last_updated": raw.get("lastUpdated"),
    }


def describe_key(raw: dict, registrations: list, *, now: float) -> dict:
    """The collection's view of a root key (snake_case API names; ``state`` as a word)."""
    rotation = raw.get("rotation")
    dual = raw.get("dualAuthDelete") or {}
    return {
        "id": raw.get("id"),
        "crn": raw.get("crn"),
        "name": raw.get("name"),
        "aliases": list(raw.get("aliases") or []),
        "description": raw.get("description") or "",
        "tags": list(raw.get("tags") or []),
        "state": STATE_NAMES.get(raw.get("state"), str(raw.get("state"))),
        "extractable": bool(raw.get("extractable")),
        "imported": bool(raw.get("imported")),
        "key_ring": raw.get("keyRingID"),
        "creation_date": raw.get("creationDate"),
        "last_update_date": raw.get("lastUpdateDate"),
        "expiration_date": raw.get("expirationDate"),
        "days_until_expiration": days_until(raw.get("expirationDate"), now),
        "key_version": _version(raw.get("keyVersion")),
        "last_rotate_date": raw.get("lastRotateDate"),
        "rotation_policy": (
            {"enabled": bool(rotation.get("enabled")), "interval_month": rotation.get("interval_month")}
            if rotation
            else None
        ),
        "dual_auth_delete": {
            "enabled": bool(dual.get("enabled")),
            "key_set_for_deletion": bool(dual.get("keySetForDeletion")),
        },
        "deleted": raw.get("state") == DESTROYED,
        "deletion_date": raw.get("deletionDate"),
        "restore_allowed": raw.get("restoreAllowed"),
        "restore_expiration_date": raw.get("restoreExpirationDate"),
        "registrations": [describe_registration(r) for r in registrations],
    }


# -- finding ------------------------------------------------------------------------------------
def open_kms(session: Session, ref: str) -> KmsClient:
    """The key client of the KMS instance with this guid, CRN or name; an uninitialized HPCS is an error."""
    instance = ResourceClient(session).resolve_instance(ref)
    kms = KmsClient(session, instance)
    if crn_service(instance.get("crn", "")) == "hs-crypto" and kms.is_initialized() is False:
        raise not_initialized(instance)
    return kms


def _listing(keys: list) -> str:
    return ", ".join(
        f"{k.get('id')} ({STATE_NAMES.get(k.get('state'), k.get('state'))}, created {k.get('creationDate')})"
        for k in keys
    )


def _restorable(key: dict) -> bool:
    return key.get("state") == DESTROYED and key.get("restoreAllowed") is not False


def key_by_name(kms: KmsClient, name: str) -> Optional[dict]:
    """The one live root key with this name, else the one restorable deleted one; several is an error."""
    keys = kms.keys_named(name, include_deleted=True)
    live = [k for k in keys if k.get("state") != DESTROYED]
    candidates = live or [k for k in keys if _restorable(k)]
    if len(candidates) > 1:
        kind = "root keys" if live else "deleted, still restorable root keys"
        raise InputError(
            f"{len(candidates)} {kind} are named {name!r}: {_listing(candidates)}. Give the key an "
            "alias and use the alias option, or delete the extra keys; the module does not guess."
        )
    return candidates[0] if candidates else None


def find_key(
    kms: KmsClient, *, alias: Optional[str] = None, name: Optional[str] = None, key_id: Optional[str] = None
) -> Optional[dict]:
    """A root key by id or alias (deleted ones too), else by name; a standard key is an error."""
    ref = key_id or alias
    key = kms.get_key(ref) if ref else (key_by_name(kms, name) if name else None)
    if key_id and key is not None and key.get("id") != key_id:
        key = None  # the API also reads a key by alias; an id must name the key itself
    if key is not None and key.get("extractable") is not False:
        raise InputError(
            f"Key {key.get('id')} ({key.get('name')}) is a standard key; these modules manage root keys only."
        )
    return key


# -- ensure_* -----------------------------------------------------------------------------------
# Key Protect's own key tags (not Global Tagging): up to 30, each up to 30 characters, without < > , : & or |
# (keyprotect-nodejs-client v2.ts, the key's tags field).
MAX_KEY_TAGS, MAX_KEY_TAG_LENGTH, KEY_TAG_FORBIDDEN = 30, 30, set("<>,:&|")


def key_tag_problems(tags: list) -> list:
    """What Key Protect would refuse in a new key's tags; each problem says what to fix."""
    problems = []
    if len(tags) > MAX_KEY_TAGS:
        problems.append(f"tags lists {len(tags)} tags; Key Protect allows at most {MAX_KEY_TAGS} on a key.")
    bad = [str(tag) for tag in tags if not 0 < len(str(tag)) <= MAX_KEY_TAG_LENGTH or set(str(tag)) & KEY_TAG_FORBIDDEN]
    if bad:
        problems.append(
            f"tags {bad} are not Key Protect key tags (1 to {MAX_KEY_TAG_LENGTH} characters, none of < > , : & |)."
        )
    return problems


def new_key_spec(want: dict) -> dict:
    spec: dict[str, Any] = {"name": want["name"], "extractable": False}
    if want.get("alias"):
        spec["aliases"] = [want["alias"]]
    if want.get("description"):
        spec["description"] = want["description"]
    if want.get("tags"):
        spec["tags"] = list(want["tags"])
    if want.get("expiration_date"):
        spec["expirationDate"] = format_time(parse_time(want["expiration_date"]) or 0)
    return spec


def predicted_key(kms: KmsClient, want: dict, now: float) -> dict:
    """The key record a create would give, for check mode (no id yet)."""
    stamp = format_time(now)
    return {
        **new_key_spec(want),
        "id": None,
        "crn": None,
        "state": ACTIVE,
        "imported": False,
        "keyRingID": want.get("key_ring") or "default",
        "creationDate": stamp,
        "lastUpdateDate": stamp,
        "keyVersion": None,
        "dualAuthDelete": {"enabled": False},
    }


def create_key(kms: KmsClient, want: dict, *, check_mode: bool, now: float) -> dict:
    if want.get("key_id"):
        raise InputError(
            f"No root key with id {want['key_id']!r} exists in the instance. A key id cannot be "
            "chosen, so the key cannot be created; use name and alias to create a key."
        )
    if not want.get("name"):
        raise InputError(f"No root key with alias {want.get('alias')!r} exists; set name to create it.")
    if check_mode:
        return predicted_key(kms, want, now)
    try:
        return kms.create_key(
            new_key_spec(want),
            key_ring=want.get("key_ring"),
            find=lambda: find_key(kms, alias=want.get("alias"), name=want["name"]),
        )
    except (BadRequestError, ConflictError):
        # An alias is unique in an instance: a parallel job (a fleet sharing one root key) may have created the
        # same key a moment before. Look again; the key is adopted only when its alias and name are the ones asked.
        made = find_key(kms, alias=want["alias"]) if want.get("alias") else None
        if made is None or made.get("name") != want["name"]:
            raise
        return made


def _restore(kms: KmsClient, key: dict, want: dict, check_mode: bool) -> bool:
    if key.get("state") != DESTROYED:
        return False
    if not key.get("restoreAllowed"):
        raise InputError(
            f"Root key {key['id']} was deleted on {key.get('deletionDate')} and can no longer be "
            "restored (Key Protect restores deleted keys for 30 days). Create a new key."
        )
    if not check_mode:
        kms.restore_key(key["id"])
    key.update(state=ACTIVE, deleted=False, restoreAllowed=None, deletionDate=None, restoreExpirationDate=None)
    return True


def _enable(kms: KmsClient, key: dict, want: dict, check_mode: bool) -> bool:
    if not want.get("enabled") or key.get("state") == ACTIVE:
        return False
    if key.get("state") != SUSPENDED:
        raise InputError(
            f"Root key {key['id']} is {STATE_NAMES.get(key.get('state'))} and cannot be enabled; "
            "an expired (deactivated) key stays so. Create a new root key."
        )
    if not check_mode:
        kms.enable_key(key["id"])
    key["state"] = ACTIVE
    return True


def _move(kms: KmsClient, key: dict, want: dict, check_mode: bool) -> bool:
    ring = want.get("key_ring")
    if not ring or ring == (key.get("keyRingID") or "default"):
        return False
    if not check_mode:
        kms.move_key(key["id"], ring, key.get("keyRingID"))
    key["keyRingID"] = ring
    return True


def rotation_policy_differs(current: Optional[dict], wanted: Optional[dict]) -> bool:
    if wanted is None:
        return False
    current = current or {"enabled": False}
    if bool(current.get("enabled")) != wanted["enabled"]:
        return True
    interval = wanted.get("interval_month")
    return wanted["enabled"] and interval is not None and interval != current.get("interval_month")


def _rotation_policy(kms: KmsClient, key: dict, want: dict, check_mode: bool) -> bool:
    wanted = want.get("rotation_policy")
    if not rotation_policy_differs(key.get("rotation"), wanted):
        return False
    value = {k: v for k, v in (wanted or {}).items() if v is not None}
    if not check_mode:
        kms.set_key_policy(key["id"], "rotation", value)
    key["rotation"] = {**(key.get("rotation") or {}), **value}
    return True


def _dual_auth(kms: KmsClient, key: dict, want: dict, check_mode: bool) -> bool:
    if not want.get("dual_auth_delete") or (key.get("dualAuthDelete") or {}).get("enabled"):
        return False
    if not check_mode:
        kms.set_key_policy(key["id"], "dualAuthDelete", {"enabled": True})
    key["dualAuthDelete"] = {"enabled": True, "keySetForDeletion": False}
    return True


STEPS: tuple = (_restore, _enable, _move, _rotation_policy, _dual_auth)


def drift_warnings(key: dict, want: dict) -> list:
    """Differences the API cannot change on an existing key: reported, never fixed by replacing the key."""
    warnings = []
    ident = key.get("id") or want.get("name")
    if want.get("name") and (want.get("alias") or want.get("key_id")) and key.get("name") != want["name"]:
        warnings.append(f"Root key {ident} is named {key.get('name')!r}, not {want['name']!r}; keys cannot be renamed.")
    if want.get("description") is not None and (key.get("description") or "") != want["description"]:
        warnings.append(
            f"Root key {ident} has description {key.get('description')!r}; the description of an "
            "existing key cannot be changed."
        )
    if want.get("expiration_date") and parse_time(key.get("expirationDate")) != parse_time(want["expiration_date"]):
        warnings.append(
            f"Root key {ident} expires {key.get('expirationDate') or 'never'}, not "
            f"{want['expiration_date']}; the expiration date of an existing key cannot be changed. "
            "Create a new key to get another expiration date."
        )
    if want.get("tags") is not None and sorted(key.get("tags") or []) != sorted(want["tags"]):
        warnings.append(
            f"Root key {ident} has the tags {sorted(key.get('tags') or [])}, not {sorted(want['tags'])}; Key Protect"
            " sets a key's tags when it creates the key, and they are not changed afterwards."
        )
    if want.get("dual_auth_delete") is False and (key.get("dualAuthDelete") or {}).get("enabled"):
        warnings.append(f"Root key {ident} has dual authorization for deletion, which cannot be turned off.")
    return warnings


def ensure_present(
    kms: KmsClient, current: Optional[dict], want: dict, *, check_mode: bool, now: float, warnings: list
) -> tuple:
    """(changed, key record): create, restore, enable, move and set policies as ``want`` asks."""
    if current is None:
        key = create_key(kms, want, check_mode=check_mode, now=now)
        # A new key is in its ring already; only its policies may still need a request.
        results = [step(kms, key, want, check_mode) for step in (_rotation_policy, _dual_auth)]  # every step runs
        changed = any(results)
        return True, (key if check_mode or not changed else kms.get_key(key["id"]) or key)
    key = dict(current)
    warnings.extend(drift_warnings(key, want))
    results = [step(kms, key, want, check_mode) for step in STEPS]  # every step runs, not just up to the first
    changed = any(results)
    if changed and not check_mode:
        key = kms.get_key(key["id"]) or key
    return changed, key


def rotation_result(key: dict, *, status: str, reason: Optional[str], previous: Optional[dict], now: float) -> dict:
    last = parse_time(key.get("lastRotateDate"))
    allowed = max(now, last + ROTATION_INTERVAL) if last is not None else now
    return {
        "status": status,
        "reason": reason,
        "previous_key_version": _version(previous),
        "key_version": _version(key.get("keyVersion")),
        "last_rotate_date": key.get("lastRotateDate"),
        "next_rotation_allowed": format_time(allowed),
    }


def rotation_blocked(key: dict, now: float) -> Optional[str]:
    """Why Key Protect would refuse a rotation of KEY at NOW (one per key per hour), else None."""
    last = parse_time(key.get("lastRotateDate"))
    if last is not None and now < last + ROTATION_INTERVAL:
        return f"Key Protect allows one rotation per hour and the key was rotated at {key['lastRotateDate']}"
    return None


def _rotation_refusal(key: dict, *, created: bool, now: float) -> Optional[str]:
    if created:
        return "the key was created by this task, so its key material is new"
    return rotation_blocked(key, now)


def ensure_rotated(kms: KmsClient, key: dict, *, created: bool, check_mode: bool, now: float) -> tuple:
    """(changed, key record, rotation result); a rotation refused by the hourly limit is skipped, not failed."""
    if key.get("state") not in (ACTIVE, DEACTIVATED):
        raise InputError(
            f"Root key {key.get('id')} is {STATE_NAMES.get(key.get('state'))} and cannot be rotated; "
            "enable it first (state=enabled)."
        )
    previous = key.get("keyVersion")
    reason = _rotation_refusal(key, created=created, now=now)
    if reason:
        return False, key, rotation_result(key, status="skipped", reason=reason, previous=previous, now=now)
    if check_mode:
        predicted = {**key, "lastRotateDate": format_time(now)}
        return True, predicted, rotation_result(predicted, status="rotated", reason=None, previous=previous, now=now)
    try:
        kms.rotate_key(key["id"])
    except ConflictError as error:
        if error.code != "KEY_ROTATION_NOT_PERMITTED":
            raise
        # The host clock runs behind IBM's: the key was rotated within the hour after all.
        return False, key, rotation_result(key, status="skipped", reason=error.message, previous=previous, now=now)
    key = kms.get_key(key["id"]) or key
    return True, key, rotation_result(key, status="rotated", reason=None, previous=previous, now=now)


def check_not_in_use(key: dict, registrations: list, *, action: str, force: bool) -> Optional[str]:
    """Refuse (KeyInUseError) to ``action`` a registered key unless forced; the warning to show when forced."""
    crns = [r.get("resourceCrn") for r in registrations]
    protected = [r.get("resourceCrn") for r in registrations if r.get("preventKeyDeletion")]
    if protected and action == "delete":
        raise KeyInUseError(
            f"Root key {key['id']} cannot be deleted: these resources prevent its deletion "
            f"(retention policy): {', '.join(protected)}.",
            details={"registered_resources": crns},
        )
    if not crns:
        return None
    if not force:
        raise KeyInUseError(
            f"Refusing to {action} root key {key['id']} ({key.get('name')}): it protects {len(crns)} registered "
            f"resource(s): {', '.join(crns)}. Their data (for a cluster: its Kubernetes secrets) becomes "
            "unreadable. Move them to another root key first, or set force=true and acknowledge_data_loss=true.",
            details={"registered_resources": crns},
        )
    return (
        f"FORCED: root key {key['id']} ({key.get('name')}) was {action}d although it protects "
        f"{', '.join(crns)}. Those resources cannot decrypt their data until the key is "
        f"{'enabled' if action == 'disable' else 'restored'} again."
    )


def ensure_disabled(
    kms: KmsClient, key: Optional[dict], registrations: list, *, force: bool, check_mode: bool, warnings: list
) -> tuple:
    if key is None or key.get("state") == DESTROYED:
        raise InputError(
            "The root key does not exist (or is deleted), so it cannot be disabled; "
            "use state=present to create or restore it first."
        )
    if key.get("state") != ACTIVE:
        if key.get("state") == DEACTIVATED:
            warnings.append(f"Root key {key['id']} is deactivated (expired); Key Protect cannot disable it.")
        return False, key
    warning = check_not_in_use(key, registrations, action="disable", force=force)
    if not check_mode:
        kms.disable_key(key["id"])
    if warning:
        warnings.append(warning)
    return True, ({**key, "state": SUSPENDED} if check_mode else kms.get_key(key["id"]) or key)


def _dual_auth_refusal(key: dict) -> None:
    dual = key.get("dualAuthDelete") or {}
    if dual.get("enabled") and not dual.get("keySetForDeletion"):
        raise InputError(
            f"Root key {key['id']} has dual authorization for deletion: another user with the Manager "
            "role must first set it for deletion (POST /api/v2/keys/{id}/actions/setKeyForDeletion, or "
            "'ibmcloud kp key schedule-delete')."
        )


def ensure_absent(
    kms: KmsClient, key: Optional[dict], registrations: list, *, force: bool, check_mode: bool, warnings: list
) -> tuple:
    """(changed, key record after deletion or None); deleted keys stay readable (and restorable) for 30 days."""
    if key is None or key.get("state") == DESTROYED:
        return False, key
    warning = check_not_in_use(key, registrations, action="delete", force=force)
    _dual_auth_refusal(key)
    if not check_mode:
        kms.delete_key(key["id"], force=bool(registrations))
    if warning:
        warnings.append(warning)
    if check_mode:
        return True, {**key, "state": DESTROYED, "deleted": True}
    return True, kms.get_key(key["id"])


# -- reading many -------------------------------------------------------------------------------
def describe_keys(kms: KmsClient, keys: list, *, now: float) -> list:
    """describe_key() for each key (sorted by name), with the registrations read once for the whole instance."""
    if not keys:
        return []
    regs = kms.registrations()
    by_key: dict = {}
    for reg in regs:
        by_key.setdefault(reg.get("keyId"), []).append(reg)
    views = [describe_key(k, by_key.get(k.get("id"), []), now=now) for k in keys]
    return sorted(views, key=lambda v: (v["name"] or "", v["id"] or ""))
