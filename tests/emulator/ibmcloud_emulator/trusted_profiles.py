"""Trusted profiles: IAM's compute-resource-token grant (POST /identity/token, grant type cr-token) and the VPC
Instance Metadata Service that turns a virtual server's identity into an IAM token for a profile.

Contract (docs/iam.md, "Trusted profiles"): ibm-cloud-sdk-core's ContainerTokenManager and VPCInstanceTokenManager.
A seeded profile trusts compute resources by the CR tokens (``cr_tokens``) and VPC instances (``vpc_instances``) it
lists; a request for a profile that does not trust the caller is refused like an unknown profile.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, Response, jsonify, request

from .auth import issue_token, token_answer
from .context import current_world
from .errors import iam_identity_error, vpc_error
from .world import World, seed_loader

SERVICE = "vpc-metadata"
blueprint = Blueprint("vpc_metadata", __name__)

CR_TOKEN_GRANT = "urn:ibm:params:oauth:grant-type:cr-token"
INSTANCE_TOKEN_SECONDS = (5, 3600)  # the lifetime a caller may ask for (the SDK asks for 300 s)


@seed_loader
def load_profiles(world: World, seed: dict) -> None:
    for profile in seed.get("trusted_profiles", []):
        world.data["trusted_profiles"][profile["id"]] = dict(profile)
        world.data["identities"][profile["iam_id"]] = {
            "iam_id": profile["iam_id"],
            "account_id": profile["account_id"],
            "kind": "Profile",
            "name": profile["name"],
        }


def _profile(world: World, *, profile_id: str = "", name: str = "", crn: str = "") -> dict[str, Any] | None:
    for profile in world.data["trusted_profiles"].values():
        if (
            (profile_id and profile["id"] == profile_id)
            or (name and profile["name"] == name)
            or (crn and profile.get("crn") == crn)
        ):
            return profile
    return None


def cr_token_grant() -> Response:
    """POST /identity/token with grant_type cr-token: cr_token and one of profile_id, profile_name (form fields)."""
    world = current_world()
    cr_token = request.form.get("cr_token", "")
    profile_id, name = request.form.get("profile_id", ""), request.form.get("profile_name", "")
    if not cr_token:
        return iam_identity_error(400, "BXNIM0109E", "Property missing or empty. cr_token is required.")
    if not profile_id and not name:
        return iam_identity_error(
            400, "BXNIM0109E", "Property missing or empty. profile_id or profile_name is required."
        )
    profile = _profile(world, profile_id=profile_id, name=name)
    if profile is None or cr_token.strip() not in profile.get("cr_tokens", []):
        # IAM does not tell an unknown profile from one whose trust rules do not match the compute resource.
        return iam_identity_error(
            400, "BXNIM0602E", "The compute resource token could not be exchanged for the profile."
        )
    return token_answer(world, world.data["identities"][profile["iam_id"]], CR_TOKEN_GRANT)


def _flavored() -> Response | None:
    if request.headers.get("Metadata-Flavor") != "ibm":
        return vpc_error(400, "missing_metadata_flavor", "The Metadata-Flavor: ibm header is required.")
    if not request.args.get("version"):
        return vpc_error(400, "missing_version", "The version query parameter is required.")
    return None


@blueprint.put("/instance_identity/v1/token")
@blueprint.put("/identity/v1/token")
def instance_identity_token() -> Response:
    """The identity token of the (one, seeded) virtual server the caller runs on."""
    world = current_world()
    refused = _flavored()
    if refused is not None:
        return refused
    body = request.get_json(silent=True) or {}
    lifetime = body.get("expires_in", 300)
    if not isinstance(lifetime, int) or not INSTANCE_TOKEN_SECONDS[0] <= lifetime <= INSTANCE_TOKEN_SECONDS[1]:
        return vpc_error(400, "invalid_expires_in", "expires_in must be 5 to 3600 seconds.")
    token = "vpc-identity-" + secrets.token_hex(16)
    now = world.clock.now()
    with world.lock:
        world.data["instance_identity_tokens"][token] = {"instance": world.data["vpc_instance"], "exp": now + lifetime}
    return jsonify(
        {
            "access_token": token,
            "created_at": world.clock.iso(),
            "expires_at": world.clock.iso(now + lifetime),
            "expires_in": lifetime,
        }
    )


@blueprint.post("/instance_identity/v1/iam_token")
@blueprint.post("/identity/v1/iam_tokens")
def instance_iam_token() -> Response:
    """An IAM token for a trusted profile that trusts this virtual server (body trusted_profile: id, crn or name)."""
    world = current_world()
    refused = _flavored()
    if refused is not None:
        return refused
    header = request.headers.get("Authorization", "")
    held = world.data["instance_identity_tokens"].get(header.removeprefix("Bearer ").strip())
    if not header.startswith("Bearer ") or held is None or held["exp"] <= world.clock.now():
        return vpc_error(401, "invalid_token", "The instance identity token is missing, unknown or expired.")
    wanted = (request.get_json(silent=True) or {}).get("trusted_profile") or {}
    if not wanted:
        return vpc_error(400, "no_trusted_profile", "No trusted profile given, and none is linked to the instance.")
    profile = _profile(world, profile_id=wanted.get("id", ""), name=wanted.get("name", ""), crn=wanted.get("crn", ""))
    if profile is None or held["instance"] not in profile.get("vpc_instances", []):
        return vpc_error(
            400, "trusted_profile_not_found", "The trusted profile does not exist or does not trust this instance."
        )
    identity = world.data["identities"][profile["iam_id"]]
    access_token, exp = issue_token(world.secret, identity, world.clock.now(), grant_type=CR_TOKEN_GRANT)
    return jsonify(
        {
            "access_token": access_token,
            "created_at": world.clock.iso(),
            "expires_at": world.clock.iso(exp),
            "expires_in": exp - int(world.clock.now()),
        }
    )
