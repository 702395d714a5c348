"""IAM Identity Services: POST /identity/token (API-key grant; the compute-resource-token grant of trusted profiles is
in trusted_profiles.py)."""

from __future__ import annotations

from flask import Blueprint, request

from .auth import token_answer
from .context import current_world
from .errors import iam_identity_error
from .trusted_profiles import CR_TOKEN_GRANT, cr_token_grant

SERVICE = "iam-identity"
blueprint = Blueprint("iam_token", __name__)

APIKEY_GRANT = "urn:ibm:params:oauth:grant-type:apikey"


@blueprint.post("/identity/token")
@blueprint.post("/oidc/token")
def token():
    world = current_world()
    if not request.mimetype == "application/x-www-form-urlencoded":
        return iam_identity_error(400, "BXNIM0109E", "Property missing or empty. Operation not supported.")
    grant_type = request.form.get("grant_type", "")
    if grant_type == CR_TOKEN_GRANT:
        return cr_token_grant()
    if grant_type != APIKEY_GRANT:
        return iam_identity_error(400, "BXNIM0109E", f"Unsupported grant_type '{grant_type}'.")
    apikey = request.form.get("apikey", "")
    if not apikey:
        return iam_identity_error(400, "BXNIM0109E", "Property missing or empty. apikey is required.")
    key = world.data["api_keys"].get(apikey)
    if key is None or key.get("locked_out"):
        return iam_identity_error(400, "BXNIM0415E", "Provided API key could not be found.")
    return token_answer(world, world.data["identities"][key["iam_id"]], APIKEY_GRANT)
