# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""Checks of the options that run before any request, so that bad input changes nothing and says what to fix.

A module names a kind of check for each option (``CHECKS``); IBMCloudModule runs them with the shared ones
(``AUTH_CHECKS``) before it connects. A value that was not given (None) is not checked; an empty string is, since
that is what an unset templated variable gives.

Formats, with their sources:
- guid: the 8-4-4-4-12 hexadecimal form of instance guids and key ids (Resource Controller, Key Protect API).
- crn: ``crn:v1:cname:ctype:service:location:scope:instance:type:resource``, ten colon-separated segments (IBM
  Cloud docs, "Cloud Resource Names").
- account id: "The 32 character identifier of the account" (IAM Identity API, ``account`` of the token request);
  IBM's account ids are hexadecimal.
- alias: 2 to 90 characters of letters, digits, ``_`` and ``-``, and not a UUID (Key Protect docs,
  create-root-keys).
- timestamp: RFC 3339, as Key Protect's expirationDate.
"""

from __future__ import annotations

import calendar
import os
import re
import time
from typing import Any, Callable, Dict, Optional, Union

from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import InputError

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ACCOUNT_ID_RE = re.compile(r"^[0-9a-fA-F]{32}$")
ALIAS_RE = re.compile(r"^[A-Za-z0-9_-]{2,90}$")
TIME_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")
TIMESTAMP_EXAMPLE = "2030-01-01T00:00:00Z"


def _seconds(value: str) -> Union[float, str]:
    """Seconds since the epoch of an RFC 3339 timestamp, or a sentence saying why it is not one."""
    match = TIME_RE.match(value.strip())
    if not match:
        return f"is not an RFC 3339 timestamp such as {TIMESTAMP_EXAMPLE}"
    day, clock, fraction, zone = match.groups()
    try:
        seconds = calendar.timegm(time.strptime(f"{day}T{clock}", "%Y-%m-%dT%H:%M:%S")) + float(fraction or 0)
    except ValueError:
        return f"names a day or time that does not exist (a timestamp looks like {TIMESTAMP_EXAMPLE})"
    if zone and zone != "Z":
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:])
        if hours > 23 or minutes > 59:
            return f"has an offset that does not exist ({zone})"
        seconds -= (1 if zone[0] == "+" else -1) * (hours * 3600 + minutes * 60)
    return seconds


def parse_time(value: Optional[str]) -> Optional[float]:
    """Seconds since the epoch of an RFC 3339 timestamp (Python 3.9's fromisoformat cannot read 'Z'); None for
    none; an InputError for anything else."""
    if not value:
        return None
    seconds = _seconds(value)
    if isinstance(seconds, str):
        raise InputError(f"{value!r} {seconds}.")
    return seconds


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _empty(value: Any) -> Optional[str]:
    return "is empty (an unset variable?); give a value or leave the option out" if not _text(value).strip() else None


def _guid(value: Any) -> Optional[str]:
    return _empty(value) or (None if GUID_RE.match(_text(value)) else "is not a guid (8-4-4-4-12 hexadecimal digits)")


def _crn(value: Any) -> Optional[str]:
    parts = _text(value).split(":")
    if len(parts) == 10 and parts[0] == "crn" and parts[1] == "v1" and all(parts[2:5]):
        return None
    return "is not a CRN (crn:v1:bluemix:public:SERVICE:REGION:a/ACCOUNT:GUID::)"


def _guid_or_crn(value: Any) -> Optional[str]:
    text = _text(value)
    if text.startswith("crn:"):
        return _crn(text)
    return _empty(value) or (None if GUID_RE.match(text) else "is neither an instance guid nor a CRN")


def _account_id(value: Any) -> Optional[str]:
    matched = ACCOUNT_ID_RE.match(_text(value))
    return _empty(value) or (None if matched else "is not an account id (32 hexadecimal characters)")


def _alias(value: Any) -> Optional[str]:
    text = _text(value)
    if not ALIAS_RE.match(text):
        return "is not a key alias (2 to 90 letters, digits, '_' or '-')"
    return "is a UUID; Key Protect does not accept a UUID as an alias" if GUID_RE.match(text) else None


def _timestamp(value: Any) -> Optional[str]:
    seconds = _seconds(_text(value))
    return _empty(value) or (seconds if isinstance(seconds, str) else None)


def _positive(value: Any) -> Optional[str]:
    return None if value > 0 else "must be greater than 0"


def _not_negative(value: Any) -> Optional[str]:
    return None if value >= 0 else "must be 0 or more"


def _file(value: Any) -> Optional[str]:
    return _empty(value) or (None if os.path.isfile(_text(value)) else "is not a file on the host that runs the module")


KINDS: Dict[str, Callable[[Any], Optional[str]]] = {
    "not_empty": _empty,
    "guid": _guid,
    "crn": _crn,
    "guid_or_crn": _guid_or_crn,
    "account_id": _account_id,
    "alias": _alias,
    "timestamp": _timestamp,
    "positive": _positive,
    "not_negative": _not_negative,
    "file": _file,
}

# The shared connection options (_argspec.AUTH_SPEC) and the KMS account's (KMS_ACCOUNT_SPEC).
AUTH_CHECKS = {"region": "not_empty", "timeout": "positive", "retries": "not_negative", "ca_path": "file"}
KMS_ACCOUNT_CHECKS = {"kms_account_id": "account_id"}


def problems(params: dict, checks: Dict[str, Any]) -> list:
    """What is wrong with PARAMS by CHECKS (option name -> kind), one sentence each; list options are checked per
    element, dict options per key of a nested ``{option: {sub: kind}}``."""
    found: list = []
    for name, kind in checks.items():
        value = params.get(name)
        if value is None:
            continue
        if isinstance(kind, dict):
            nested = problems(value, kind) if isinstance(value, dict) else []
            found.extend(f"{name}.{problem}" for problem in nested)
            continue
        for item in value if isinstance(value, list) else [value]:
            if item is None:
                continue
            problem = KINDS[kind](item)
            if problem:
                shown = f"{name} {item!r}" if isinstance(value, list) else f"{name}={item!r}"
                found.append(f"{shown} {problem}")
    return found


def validate(params: dict, checks: Dict[str, Any]) -> None:
    """Raise an InputError naming every problem CHECKS find in PARAMS, before any request."""
    found = problems(params, checks)
    if found:
        raise InputError("Invalid input, nothing was changed: " + "; ".join(found) + ".")


def items_of(
    params: dict,
    option: str,
    *,
    checks: Dict[str, Any],
    label: Callable[[dict], str],
    check: Optional[Callable[[dict], None]] = None,
    same: Optional[Callable[[dict], Any]] = None,
) -> list:
    """The options of each item of the list option OPTION (several clusters or keys in one run): the module's, with
    what the item sets for itself; without OPTION, the module's own, as the one item.

    Each item's options pass CHECKS (for those the item may set) and CHECK; two items for which SAME gives the same
    value are refused (two runs of one change at once). An InputError names the item (``clusters[2] ('prod-eu-3')``,
    by LABEL) and what to fix.
    """
    items = [{}] if params[option] is None else params[option]
    merged: list = []
    seen: dict = {}
    for number, item in enumerate(items, start=1):
        one = {**params, **{name: value for name, value in item.items() if value is not None}}
        try:
            if item:
                validate(one, {name: kind for name, kind in checks.items() if name in item})
            if check:
                check(one)
            identity = same(one) if same and item else None
            if identity is not None and identity in seen:
                raise InputError(f"the same as {option}[{seen[identity]}]: give each once.")
        except InputError as error:
            if not item:
                raise
            raise InputError(f"{option}[{number}] ({label(one)}): {error.message}") from None
        if identity is not None:
            seen[identity] = number
        merged.append(one)
    return merged
