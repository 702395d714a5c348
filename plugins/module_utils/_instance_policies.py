# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""Key Protect instance policies: what the instance has, what the options ask for, and the requests between them.

The wire contract and its unknowns: tests/emulator/docs/key-protect.md and contracts.md. Each policy is
``{"policy_type", "policy_data": {"enabled", "attributes"}}``; here each is a dict shaped like the module's option
(``enabled`` and the attributes under their option names), so that comparing and showing them is plain.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Callable, Optional

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import BadRequestError, IBMCloudError, InputError

KEY_ACCESS_DEFAULTS = {
    "create_root_key": True,
    "create_standard_key": True,
    "import_root_key": True,
    "import_standard_key": True,
    "enforce_token": False,
}
# option name -> (policy_type, {attribute option name: wire attribute name}, what an instance has when it is not set)
POLICIES: dict[str, tuple[str, dict, dict]] = {
    "dual_auth_delete": ("dualAuthDelete", {}, {"enabled": False}),
    "allowed_network": (
        "allowedNetwork",
        {"network": "allowed_network"},
        {"enabled": False, "network": "public-and-private"},
    ),
    "allowed_ip": ("allowedIP", {"subnets": "allowed_ip"}, {"enabled": False, "subnets": []}),
    "key_create_import_access": (
        "keyCreateImportAccess",
        {name: name for name in KEY_ACCESS_DEFAULTS},
        {"enabled": False, **KEY_ACCESS_DEFAULTS},
    ),
    "metrics": ("metrics", {}, {"enabled": False}),
    "rotation": ("rotation", {"interval_month": "interval_month"}, {"enabled": False, "interval_month": None}),
}
NETWORKS = ("public-and-private", "private-only")
MAX_SUBNETS = 1000
PRIVATE_ONLY_REFUSAL = (
    "allowed_network private-only blocks Key Protect's public endpoint, which this task uses, and with it the API that"
    " would undo the policy. Run the task with endpoint_type=private from IBM Cloud's private network, after making"
    " sure every cluster that uses the instance reaches it over the private endpoint (cluster_kms private_endpoint)."
)


def option_spec() -> dict:
    """The argument spec of the policy options (kms_instance_policy; prerequisites_info's instance_policies)."""
    enabled = dict(type="bool", required=True)
    key_access = {name: dict(type="bool", default=value, no_log=False) for name, value in KEY_ACCESS_DEFAULTS.items()}
    network = dict(type="str", choices=list(NETWORKS), default="public-and-private")
    return dict(
        dual_auth_delete=dict(type="dict", options=dict(enabled=enabled)),
        allowed_network=dict(type="dict", options=dict(enabled=enabled, network=network)),
        allowed_ip=dict(type="dict", options=dict(enabled=enabled, subnets=dict(type="list", elements="str"))),
        key_create_import_access=dict(type="dict", no_log=False, options=dict(enabled=enabled, **key_access)),
        metrics=dict(type="dict", options=dict(enabled=enabled)),
        rotation=dict(type="dict", options=dict(enabled=enabled, interval_month=dict(type="int"))),
    )


def checked_options(value: dict, where: str) -> dict:
    """VALUE (a dict of policy options given as one option, WHERE) checked and completed as kms_instance_policy's own
    options are; InputError names each problem."""
    result = ArgumentSpecValidator(option_spec()).validate(dict(value))
    if result.error_messages:
        raise InputError(f"{where}: " + "; ".join(result.error_messages) + ". Nothing was changed.")
    return result.validated_parameters


def current(resources: list) -> dict:
    """Every policy the instance has, option-shaped; one it does not list is its default (disabled). A policy listed
    twice alike counts once; listed twice differently, nothing can be compared, so it is an error."""
    by_type = {policy_type: name for name, (policy_type, _attrs, _default) in POLICIES.items()}
    found: dict = {}
    for resource in resources:
        name = by_type.get(str((resource or {}).get("policy_type")))
        if name is None:
            continue  # a policy this collection does not manage
        view = _from_wire(name, resource.get("policy_data") or {})
        if name in found and found[name] != view:
            raise IBMCloudError(
                f"The instance lists its {POLICIES[name][0]} policy twice, with different settings, so what it"
                " enforces could not be confirmed; nothing was changed."
            )
        found[name] = view
    return {name: found.get(name, dict(default)) for name, (_type, _attrs, default) in POLICIES.items()}


def _from_wire(name: str, data: dict) -> dict:
    _policy_type, attributes, default = POLICIES[name]
    wire = data.get("attributes") or {}
    view: dict = {"enabled": bool(data.get("enabled"))}
    for option, field in attributes.items():
        view[option] = wire.get(field, default[option])
    if name == "allowed_ip":
        view["subnets"] = list(view["subnets"] or [])
    return view


def wanted(params: dict) -> dict:
    """The policies the options set (a policy not given is left as it is), with what the API resets an attribute
    left out to; InputError names each option to fix."""
    asked: dict = {}
    problems = []
    for name, (_policy_type, attributes, default) in POLICIES.items():
        given = params.get(name)
        if given is None:
            continue
        view = {"enabled": bool(given.get("enabled"))}
        for option in attributes:
            value = given.get(option)
            view[option] = default[option] if value is None else value
        problems += _check(name, view)
        asked[name] = view
    if problems:
        raise InputError(" ".join(problems) + " Nothing was changed.")
    return asked


def _check(name: str, view: dict) -> list:
    if not view["enabled"]:
        return []
    if name == "allowed_ip":
        return _check_subnets(view["subnets"])
    if name == "rotation" and not (isinstance(view["interval_month"], int) and 1 <= view["interval_month"] <= 12):
        return ["rotation.interval_month must be a whole number of months from 1 to 12 when the policy is enabled."]
    return []


def _check_subnets(subnets: list) -> list:
    if not subnets:
        return ["allowed_ip.subnets must list at least one subnet (CIDR) when the policy is enabled."]
    if len(subnets) > MAX_SUBNETS:
        return [f"allowed_ip.subnets lists {len(subnets)} subnets; Key Protect allows at most {MAX_SUBNETS}."]
    bad = []
    for subnet in subnets:
        try:
            ipaddress.ip_network(str(subnet), strict=True)
        except ValueError:
            bad.append(str(subnet))
        else:
            if "/" not in str(subnet):
                bad.append(str(subnet))
    return [f"allowed_ip.subnets must be CIDR subnets such as 192.0.2.0/24, not: {', '.join(bad)}."] if bad else []


def differs(have: dict, want: dict) -> bool:
    """Whether the instance must change: a policy disabled on both sides is the same whatever its attributes."""
    if have["enabled"] != want["enabled"]:
        return True
    if not want["enabled"]:
        return False
    return any(_comparable(have[key]) != _comparable(want[key]) for key in want if key != "enabled")


def _comparable(value: Any) -> Any:
    return sorted(str(item) for item in value) if isinstance(value, list) else value


def changes(have: dict, want: dict) -> list:
    """The option names of the policies to set, in the order they are set."""
    return [name for name in POLICIES if name in want and differs(have[name], want[name])]


def refusal(want: dict, endpoint_type: str) -> Optional[str]:
    """Why the change must not be made from here, or None."""
    network = want.get("allowed_network")
    if network and network["enabled"] and network["network"] == "private-only" and endpoint_type != "private":
        return PRIVATE_ONLY_REFUSAL
    return None


def policy_data(name: str, view: dict) -> dict:
    """The ``policy_data`` that sets VIEW: attributes only when enabled (the API refuses them on a disable), except
    for allowedNetwork, which keyprotect-go-client always sends them for."""
    _policy_type, attributes, _default = POLICIES[name]
    data: dict = {"enabled": view["enabled"]}
    if attributes and (view["enabled"] or name == "allowed_network"):
        data["attributes"] = {field: view[option] for option, field in attributes.items()}
    return data


def apply(set_policy: Callable[[str, dict], None], name: str, view: dict) -> None:
    """Set one policy. Disabling allowedNetwork is sent with its attribute (keyprotect-go-client) and, when that is
    refused as a bad request, once more without it (the Java SDK's rule): IBM documents both."""
    policy_type = POLICIES[name][0]
    data = policy_data(name, view)
    try:
        set_policy(policy_type, data)
    except BadRequestError:
        if name != "allowed_network" or view["enabled"]:
            raise
        set_policy(policy_type, {"enabled": False})


def set_all(set_policy: Callable[[str, dict], None], have: dict, want: dict) -> list:
    """Set each policy that differs, one request each; returns the names set. When one fails, the error says which
    were set before it."""
    done: list = []
    for name in changes(have, want):
        try:
            apply(set_policy, name, want[name])
        except IBMCloudError as error:
            if done:
                error.changed = True
                error.message = f"{error.message} (already set: {', '.join(done)})"
            raise
        done.append(name)
    return done


def after(have: dict, want: dict) -> dict:
    """Every policy once the asked ones are set."""
    return {name: dict(want.get(name) or have[name]) for name in POLICIES}
