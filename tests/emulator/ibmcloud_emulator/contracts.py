"""Where IBM publishes no contract, the emulator can play each plausible answer: one named choice per unknown.

``--contract NAME=CHOICE`` (repeatable) picks at start-up, ``POST /_emulator/contract {"NAME": "CHOICE"}`` at run
time (``POST /_emulator/reset`` restores the start-up choices). docs/contracts.md says where each choice comes from.
"""

from __future__ import annotations

# name -> (choices, the first being the default; what is unknown)
CONTRACTS: dict[str, tuple[tuple[str, ...], str]] = {
    "registration-crn": (
        ("cluster-crn", "cluster-id-scoped", "none"),
        "the resourceCrn of the Key Protect registration IKS writes for a cluster (or none at all)",
    ),
    "previous-key-error": (
        ("names-the-reuse", "generic"),
        "how IKS refuses enableKMS with a root key the cluster used before (status 400; code and text unpublished)",
    ),
    "hpcs-uninitialized": (
        ("reads-fail", "crypto-fails"),
        "which key calls an HPCS instance whose master key is not loaded refuses",
    ),
    "rotation-rewrap": (
        ("follows", "never"),
        "whether the registration IKS wrote moves to a rotated root key's new version (keyVersion), and when",
    ),
    "key-owner": (
        ("clusterkeyowner", "go-field-names", "name-only", "not-served"),
        "what GET /v1/logging/{cluster}/clusterkeyowner answers",
    ),
    "instance-policy-unset": (
        ("absent", "defaults"),
        "whether GET /instance/policies lists a policy the instance never set (with its default) or leaves it out",
    ),
    "network-policy-disable": (
        ("attributes-accepted", "attributes-required", "attributes-forbidden"),
        "whether a PUT that disables allowedNetwork must carry, or must not carry, its allowed_network attribute",
    ),
    "allowed-ip-listing": (
        ("once", "twice"),
        "whether GET /instance/policies without ?policy= lists the allowedIP policy twice (a documented legacy quirk)",
    ),
}
DEFAULTS = {name: choices[0] for name, (choices, _what) in CONTRACTS.items()}


def parse(settings: list[str]) -> dict[str, str]:
    """{name: choice} from NAME=CHOICE strings; ValueError names what is wrong."""
    chosen = {}
    for setting in settings:
        name, _, choice = setting.partition("=")
        check(name, choice)
        chosen[name] = choice
    return chosen


def check(name: str, choice: str) -> None:
    if name not in CONTRACTS:
        raise ValueError(f"unknown contract {name!r}; known: {', '.join(CONTRACTS)}")
    if choice not in CONTRACTS[name][0]:
        raise ValueError(f"contract {name} has no choice {choice!r}; choices: {', '.join(CONTRACTS[name][0])}")
