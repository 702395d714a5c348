# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""VPC worker pools whose boot volumes a KMS root key encrypts: the request, the view, and what cannot change.

Contract: tests/emulator/docs/containers.md ("VPC worker pools"). The encryption is sent nested, as bluemix-go and
the Terraform provider send it (``workerVolumeEncryption``: ``kmsInstanceID``, ``workerVolumeCRKID``,
``kmsAccountID``), and is set only when a pool is created.
"""

from __future__ import annotations

from typing import Optional

from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import InputError

NEEDED_TO_CREATE = ("flavor", "vpc_id", "zones")


def find_pool(pools: list, name: str) -> Optional[dict]:
    return next((pool for pool in pools if pool.get("poolName") == name), None)


def create_body(params: dict, encryption: Optional[dict]) -> dict:
    """The createWorkerPool request; InputError names the options a new pool needs."""
    missing = [name for name in NEEDED_TO_CREATE if not params.get(name)]
    if missing:
        raise InputError(f"Worker pool {params['name']} does not exist; creating it needs {', '.join(missing)}.")
    body = {
        "cluster": params["cluster"],
        "name": params["name"],
        "flavor": params["flavor"],
        "vpcID": params["vpc_id"],
        "workerCount": params["worker_count"],
        "zones": [{"id": zone["id"], "subnetID": zone["subnet_id"]} for zone in params["zones"]],
    }
    if params.get("labels"):
        body["labels"] = dict(params["labels"])
    if encryption:
        body["workerVolumeEncryption"] = encryption
    return body


def encryption_of(instance_guid: Optional[str], key_id: Optional[str], account_id: Optional[str]) -> Optional[dict]:
    if not instance_guid:
        return None
    wire = {"kmsInstanceID": instance_guid, "workerVolumeCRKID": key_id}
    if account_id:
        wire["kmsAccountID"] = account_id
    return wire


def view(pool: Optional[dict]) -> dict:
    """The collection's view of a pool (empty when there is none)."""
    if not pool:
        return {}
    encryption = pool.get("workerVolumeEncryption") or {}
    return {
        "id": pool.get("id"),
        "name": pool.get("poolName"),
        "flavor": pool.get("flavor"),
        "worker_count": pool.get("workerCount"),
        "vpc_id": pool.get("vpcID"),
        "zones": [
            {"id": zone.get("id"), "subnet_id": next((s.get("id") for s in zone.get("subnets") or []), None)}
            for zone in pool.get("zones") or []
        ],
        "labels": dict(pool.get("labels") or {}),
        "encryption": {
            "instance_id": encryption.get("kmsInstanceID"),
            "root_key_id": encryption.get("workerVolumeCRKID"),
            "account_id": encryption.get("kmsAccountID"),
        }
        if encryption
        else None,
        "state": (pool.get("lifecycle") or {}).get("actualState"),
    }


def predicted(body: dict) -> dict:
    """The pool a create would make, as IKS would list it (for check mode; no id yet)."""
    return {
        "id": None,
        "poolName": body["name"],
        "flavor": body["flavor"],
        "workerCount": body["workerCount"],
        "vpcID": body["vpcID"],
        "labels": body.get("labels") or {},
        "zones": [{"id": z["id"], "subnets": [{"id": z["subnetID"], "primary": True}]} for z in body["zones"]],
        "workerVolumeEncryption": body.get("workerVolumeEncryption"),
        "lifecycle": {"actualState": "deploying"},
    }


def drift_warnings(pool: dict, encryption: Optional[dict]) -> list:
    """What the options ask that an existing pool does not have and that cannot be changed on it: reported, never
    fixed by replacing the pool (its workers and their workloads would go)."""
    have = pool.get("workerVolumeEncryption") or {}
    name = pool.get("poolName")
    if not encryption:
        return []
    if not have:
        return [
            f"Worker pool {name} exists and its boot volumes are not encrypted with a KMS root key; encryption is set"
            " only when a pool is created. Create a new pool with another name and move the workloads to it."
        ]
    differs = [
        field
        for field in ("kmsInstanceID", "workerVolumeCRKID", "kmsAccountID")
        if encryption.get(field) and have.get(field) and encryption[field] != have[field]
    ]
    if differs:
        return [
            f"Worker pool {name} encrypts its boot volumes with {have.get('workerVolumeCRKID')} of KMS instance"
            f" {have.get('kmsInstanceID')}, not as asked ({', '.join(differs)} differ); it cannot be changed on an"
            " existing pool."
        ]
    return []
