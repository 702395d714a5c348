# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""The summary the cluster_encryption role keeps and shows for each cluster (cluster_encryption_summary): what was
found and done, whether the cluster ended encrypted with the intended healthy key, and the lines that say so. Pure
functions of what the role's steps returned; no Ansible import, so that they are tested as tables on their own."""

from __future__ import annotations

from typing import Any, Optional


def summary(
    read: dict,
    *,
    cluster: str,
    check_mode: bool,
    service: str,
    kms_instance: dict,
    key_name: str,
    key_result: Optional[dict] = None,
    enable_result: Optional[dict] = None,
    read_back: Optional[list] = None,
    authorization_results: Optional[list] = None,
    authorization_target: Any = None,
) -> dict:
    """The summary of one cluster, from what the first read found for it (READ, a cluster of prerequisites_info's
    result), the instance it uses, and what the root key step (KEY_RESULT), the enable step (ENABLE_RESULT, with the
    cluster's view after its wait), a read back (READ_BACK, a list of one view) and the authorization step did."""
    key_result, enable_result = key_result or {}, enable_result or {}
    instance_created = read.get("instance") is None
    key = key_result.get("root_key") or read.get("root_key") or {}
    view = after_steps(read.get("cluster_kms"), enable_result.get("cluster_kms"), read_back, check_mode=check_mode)
    kms_changed = bool(enable_result.get("changed"))
    # Check mode that predicts a change: the cluster is not encrypted yet, and that is no problem.
    preview = check_mode and (bool(key_result.get("changed")) or kms_changed or instance_created)
    done = {
        "cluster": cluster,
        "check_mode": check_mode,
        "instance": {
            "guid": kms_instance.get("guid"),
            "name": kms_instance.get("name"),
            "service": service,
            "created": instance_created,
        },
        "root_key": {
            "id": key.get("id"),
            "name": key["name"] if "name" in key else key_name,
            "state": key.get("state"),
            "expiration_date": key.get("expiration_date"),
            "created": instance_created or bool(key_result.get("created")),
        },
        "authorization_created": authorization_target is not None
        and any(one.get("changed") and one.get("item") == authorization_target for one in authorization_results or []),
        "kms_changed": kms_changed,
        "enabled": view.get("enabled", False),
        "cluster_root_key_id": view.get("root_key_id"),
        "root_key_days_until_expiration": view.get("root_key_days_until_expiration"),
        "master_status": view.get("master_status"),
        "healthy": view.get("healthy", False),
        "problems": view.get("problems", []),
        "unverified_prerequisites": read.get("unverified") or [],
    }
    done["problem"] = None if preview else problem(done)
    done["lines"] = lines(done)
    return done


def after_steps(
    read_view: Optional[dict], enabled_view: Optional[dict], read_back: Optional[list], *, check_mode: bool
) -> dict:
    """The cluster's KMS view after the steps: what the read back found, else what the enable step saw after its wait
    (not in check mode, where it is a prediction), else what the first read found (a cluster the steps left alone)."""
    if read_back:
        return read_back[0]
    if enabled_view and not check_mode:
        return enabled_view
    return read_view or {}


def problem(done: dict) -> Optional[str]:
    """Why the cluster is not encrypted with the intended, healthy root key; None when it is."""
    if done["enabled"] and done["healthy"] and done["cluster_root_key_id"] == done["root_key"]["id"]:
        return None
    why = "; ".join(done["problems"]) or "KMS is off or uses another key"
    return (
        f"Cluster {done['cluster']} is not encrypted with root key {done['root_key']['id']} in a healthy state: {why}"
    )


def lines(done: dict) -> list:
    """What was found and done, in four lines (check mode says what would be)."""
    would = "would be " if done["check_mode"] else ""
    instance, key = done["instance"], done["root_key"]
    predicted = instance["guid"] is None  # an instance that check mode would create: the rest is predicted too
    key_line = f"Root key {key['name']} ({key['id'] or 'new'}): {would + 'created' if key['created'] else 'found'}"
    if not predicted:
        key_line += f", {key['state']}, expires {key['expiration_date'] or 'never'}"
    if predicted:
        cluster_line = f"Cluster {done['cluster']}: KMS would be enabled with the new root key"
    else:
        change = f"({would}changed now)" if done["kms_changed"] else "(unchanged)"
        cluster_line = (
            f"Cluster {done['cluster']}: KMS {'on' if done['enabled'] else 'off'} {change}, root key "
            f"{done['cluster_root_key_id']}, {done['root_key_days_until_expiration']} days to expiration, master "
            f"{done['master_status']}"
        )
    if done["check_mode"]:
        verdict = "Check mode: nothing was changed"
    else:
        verdict = "Healthy" if done["healthy"] else "Problems: " + "; ".join(done["problems"])
    return [
        f"KMS instance {instance['name']} ({instance['guid'] or 'new'}): "
        f"{would + 'created' if instance['created'] else 'found'}",
        key_line,
        cluster_line,
        verdict,
    ]
