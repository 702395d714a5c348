# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""The contract probe: what real IBM Cloud answers where IBM publishes no contract, as redacted evidence.

Pure functions: the module (contract_probe) reads, these shape what it read. The report holds shapes, field names,
statuses and codes, never a value that identifies an account, a person, a cluster, an instance or a key: each such
value is replaced by a placeholder (``<account>``, ``<cluster-1>``, ...) wherever it occurs, and free text (error
messages, descriptions) is left out. The emulator's ``check-probe`` command says which of its contract choices each
answer matches (tests/emulator/docs/contracts.md).
"""

from __future__ import annotations

import re
from typing import Any, Optional

from ansible_collections.ibmcloud.kms.plugins.module_utils._kms import parse_time

REPORT_VERSION = 1
IAM_ID = re.compile(r"^(IBMid|iam|ServiceId|iam-ServiceId)-", re.IGNORECASE)
# A CRN segment left after the known values were replaced that still looks like an identifier (an id the probe was
# not told about: 32 hex digits, or 16 characters or more with a digit): masked too. Service names, regions,
# resource types and placeholders are kept.
UNKNOWN_ID = re.compile(r"^(a/)?(?!<)(?:[0-9a-f]{32}|(?=.*[0-9])[A-Za-z0-9_-]{16,})$")


def mask_crn(crn: Optional[str]) -> Optional[str]:
    """CRN with every segment that still looks like an identifier replaced by ``<id>`` (``a/<id>`` for accounts)."""
    if not crn:
        return crn
    return ":".join(UNKNOWN_ID.sub(lambda m: f"{m.group(1) or ''}<id>", segment) for segment in crn.split(":"))


class Redactor:
    """Replaces every value it was told about by its placeholder, in any string, longest value first."""

    def __init__(self) -> None:
        self._placeholders: dict = {}
        self._counts: dict = {}

    def name(self, value: Optional[str], kind: str) -> Optional[str]:
        """The placeholder of VALUE (``<kind-N>``, numbered per kind in order of first sight); None for none."""
        if not value:
            return None
        if value not in self._placeholders:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            self._placeholders[value] = f"<{kind}-{self._counts[kind]}>"
        return self._placeholders[value]

    def fixed(self, value: Optional[str], placeholder: str) -> None:
        if value:
            self._placeholders[value] = placeholder

    def text(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        for secret in sorted(self._placeholders, key=len, reverse=True):
            value = value.replace(secret, self._placeholders[secret])
        return value


def owner_answer(status: int, body: Any) -> dict:
    """The key-owner answer: the status, the field names as sent and what kind of id the id field holds."""
    if status != 200 or not isinstance(body, dict):
        return {"status": status, "fields": None, "id_kind": None}
    ident = next((str(v) for k, v in body.items() if str(k).lower() == "id" and v), "")
    match = IAM_ID.match(ident)
    return {
        "status": status,
        "fields": sorted(str(name) for name in body),
        "id_kind": (match.group(1) if match else "other") if ident else None,
    }


def registration_evidence(registration: dict, key: Optional[dict], redact: Redactor, now: float) -> dict:
    """One registration of a cluster: the shape of its resourceCrn, and whether its keyVersion is the key's current
    one, with how long ago the key was last rotated (what tells a registration that follows from one that does not)."""
    registered = (registration.get("keyVersion") or {}).get("id")
    current = ((key or {}).get("keyVersion") or {}).get("id")
    rotated = parse_time((key or {}).get("lastRotateDate"))
    if not registered:
        version = None
    elif not current:
        version = "unknown"
    else:
        version = "current" if registered == current else "older"
    return {
        "resource_crn": mask_crn(redact.text(registration.get("resourceCrn"))),
        "key": redact.name(registration.get("keyId"), "key"),
        "key_version": version,
        "hours_since_rotation": None if rotated is None else round((now - rotated) / 3600, 1),
    }


def key_read_evidence(status: int, codes: list, mentions_not_initialized: bool) -> dict:
    """A key read on an HPCS instance: answered (200), or refused with which status and codes."""
    return {"status": status, "codes": sorted(set(codes)), "not_initialized": mentions_not_initialized}


def report(clusters: list, hpcs_instances: list, generated: str) -> dict:
    return {
        "probe": "ibmcloud.kms contract probe",
        "version": REPORT_VERSION,
        "generated": generated,
        "clusters": clusters,
        "hpcs_instances": hpcs_instances,
        "not_probed": {
            "previous-key-error": "needs a refused enableKMS, a change; the probe only reads",
        },
    }
