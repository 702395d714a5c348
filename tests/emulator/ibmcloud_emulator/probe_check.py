"""``ibmcloud-emulator check-probe FILE``: which contract choice (contracts.py) each answer of a probe report matches.

The report is what the collection's ``ibmcloud.kms.probe`` playbook (module ``contract_probe``) wrote against a real
account, or against this emulator. Each unknown gets one line: the choice the evidence matches, ``no evidence`` when
the report cannot tell (with why), or ``NO CHOICE MATCHES`` with the answer's shape, which means the emulator (and
perhaps the collection) must learn a new alternative. The exit status is 1 only in that last case.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

NO_MATCH = "NO CHOICE MATCHES"
# The shapes of the registration resourceCrn, with the probe's placeholders (<account>, <cluster-id-N>).
CRN_SHAPES = {
    "cluster-crn": re.compile(r"^crn:v1:bluemix:public:containers-kubernetes:[a-z0-9-]+:a/<account>:<cluster-id>::$"),
    "cluster-id-scoped": re.compile(
        r"^crn:v1:bluemix:public:containers-kubernetes:[a-z0-9-]+:a/<account>:<cluster-id>:secret:kms$"
    ),
}
# A registration that still shows an older version this long after a rotation counts as not following.
REWRAP_PATIENCE_HOURS = 24.0
OWNER_FIELDS = {
    ("email", "id", "name"): "clusterkeyowner",
    ("Email", "ID", "Name"): "go-field-names",
}


def registration_crn(clusters: list) -> tuple[str, str]:
    encrypted = [c for c in clusters if c.get("found") and c.get("kms_enabled")]
    if not encrypted:
        return "no evidence", "no probed cluster has KMS enabled"
    shapes = set()
    for cluster in encrypted:
        crns = [re.sub(r"<cluster-id-\d+>", "<cluster-id>", r["resource_crn"] or "") for r in cluster["registrations"]]
        if not crns:
            shapes.add("none")
        for crn in crns:
            shapes.add(next((name for name, shape in CRN_SHAPES.items() if shape.match(crn)), f"{NO_MATCH}: {crn}"))
    return _one(shapes, "the encrypted clusters' registrations")


def rotation_rewrap(clusters: list) -> tuple[str, str]:
    seen = set()
    for cluster in clusters:
        for registration in cluster.get("registrations") or []:
            hours, version = registration.get("hours_since_rotation"), registration.get("key_version")
            if hours is None or version not in ("current", "older"):
                continue
            if version == "current":
                seen.add("follows")
            elif hours >= REWRAP_PATIENCE_HOURS:
                seen.add("never")
    if not seen:
        return "no evidence", (
            f"no registration of a root key rotated at least {REWRAP_PATIENCE_HOURS:.0f} hours ago shows an older "
            "version, and none of a rotated key shows its current one"
        )
    return _one(seen, "the registrations of rotated keys")


def key_owner(clusters: list) -> tuple[str, str]:
    seen = set()
    for cluster in clusters:
        answer = cluster.get("key_owner")
        if not answer:
            continue
        if answer["status"] == 404:
            seen.add("not-served")
        elif answer["status"] != 200:
            seen.add(f"{NO_MATCH}: status {answer['status']}")
        elif not any(field.lower() == "id" for field in answer["fields"] or []):
            seen.add("name-only")
        else:
            fields = tuple(sorted(answer["fields"] or []))
            seen.add(OWNER_FIELDS.get(fields, f"{NO_MATCH}: fields {', '.join(fields)}"))
    if not seen:
        return "no evidence", "no cluster was found"
    return _one(seen, "the key-owner answers")


def hpcs_uninitialized(instances: list) -> tuple[str, str]:
    refused = [i for i in instances if i["key_read"]["not_initialized"]]
    if refused:
        return "reads-fail", f"{len(refused)} HPCS instance(s) refused a key read as not initialized"
    if instances:
        return "no evidence", (
            "every HPCS instance answered a key read: each is initialized, or refuses only crypto operations "
            "(crypto-fails); the probe does not try a crypto operation"
        )
    return "no evidence", "no HPCS instance was probed"


def _one(seen: set, what: str) -> tuple[str, str]:
    unmatched = sorted(s for s in seen if s.startswith(NO_MATCH))
    if unmatched:
        return unmatched[0], what
    if len(seen) > 1:
        return f"{NO_MATCH}: {' and '.join(sorted(seen))} at once", what
    return seen.pop(), what


def check(report: dict[str, Any]) -> dict[str, tuple[str, str]]:
    clusters, instances = report.get("clusters") or [], report.get("hpcs_instances") or []
    found = {
        "registration-crn": registration_crn(clusters),
        "rotation-rewrap": rotation_rewrap(clusters),
        "key-owner": key_owner(clusters),
        "hpcs-uninitialized": hpcs_uninitialized(instances),
    }
    for name, why in (report.get("not_probed") or {}).items():
        found[name] = ("not probed", why)
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="ibmcloud-emulator check-probe",
        description="Say which contract choice (--contract NAME=CHOICE) each answer of a probe report matches.",
    )
    parser.add_argument("file", type=Path, help="the JSON report the ibmcloud.kms.probe playbook wrote")
    args = parser.parse_args(argv)
    try:
        report = json.loads(args.file.read_text())
    except (OSError, ValueError) as error:
        parser.error(f"cannot read {args.file}: {error}")
    if not isinstance(report, dict) or report.get("version") != 1:
        parser.error(f"{args.file} is not a version 1 probe report")
    found = check(report)
    for name, (choice, why) in found.items():
        print(f"{name}: {choice} ({why})")
    return 1 if any(choice.startswith(NO_MATCH) for choice, _why in found.values()) else 0
