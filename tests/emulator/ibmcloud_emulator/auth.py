"""IAM tokens and role checks.

Access tokens are HS256 JWTs signed with a per-process secret. Their ``iat``/``exp`` follow the
emulator clock, so moving the clock forward expires them as time would.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any, Callable

import jwt
from flask import Response, jsonify, request

from .errors import ServiceError

TOKEN_LIFETIME = 3600

PLATFORM_ROLES = ["Viewer", "Operator", "Editor", "Administrator"]
SERVICE_ROLES = ["Reader", "Writer", "Manager"]


def role_crn(role: str) -> str:
    """The IAM role id of a role name (platform roles use ``role:``, service roles ``serviceRole:``)."""
    if role in SERVICE_ROLES:
        return f"crn:v1:bluemix:public:iam::::serviceRole:{role}"
    return f"crn:v1:bluemix:public:iam::::role:{role}"


def role_name(crn: str) -> str:
    return crn.rsplit(":", 1)[-1]


def satisfies(held: str, required: str) -> bool:
    """Administrator covers Editor covers Operator covers Viewer; Manager covers Writer covers Reader."""
    for ladder in (PLATFORM_ROLES, SERVICE_ROLES):
        if held in ladder and required in ladder:
            return ladder.index(held) >= ladder.index(required)
    return held == required


@dataclass(frozen=True)
class Principal:
    iam_id: str
    account_id: str
    name: str

    @property
    def claims(self) -> dict[str, Any]:
        return {"iam_id": self.iam_id, "account_id": self.account_id}


def issue_token(
    secret: str, identity: dict[str, Any], now: float, *, grant_type: str = "urn:ibm:params:oauth:grant-type:apikey"
) -> tuple[str, int]:
    exp = int(now) + TOKEN_LIFETIME
    claims = {
        "iam_id": identity["iam_id"],
        "id": identity["iam_id"],
        "sub": identity.get("email") or identity["iam_id"],
        "sub_type": identity.get("kind", "user"),
        "account": {"bss": identity["account_id"], "valid": True},
        "email": identity.get("email", ""),
        "iat": int(now),
        "exp": exp,
        "iss": "https://iam.cloud.ibm.com/identity",
        "grant_type": grant_type,
        "scope": "ibm openid",
    }
    return jwt.encode(claims, secret, algorithm="HS256"), exp


def token_answer(world: Any, identity: dict[str, Any], grant_type: str) -> Response:
    """IAM's answer to POST /identity/token: a new access token of IDENTITY, whatever the grant."""
    access_token, exp = issue_token(world.secret, identity, world.clock.now(), grant_type=grant_type)
    return jsonify(
        {
            "access_token": access_token,
            "refresh_token": "not_supported",
            "token_type": "Bearer",
            "expires_in": exp - int(world.clock.now()),
            "expiration": exp,
            "scope": "ibm openid",
        }
    )


def decode_token(secret: str, token: str, now: float) -> dict[str, Any] | None:
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"verify_exp": False, "verify_iat": False})
    except jwt.PyJWTError:
        return None
    if claims.get("exp", 0) <= now:
        return None
    return claims


def bearer_principal(world: Any, unauthorized: Callable[[], Response]) -> Principal:
    """The caller of the current request, or raise the service's own 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ServiceError(unauthorized())
    claims = decode_token(world.secret, token.strip(), world.clock.now())
    if claims is None:
        raise ServiceError(unauthorized())
    identity = world.data["identities"].get(claims["iam_id"])
    name = identity.get("name", claims["iam_id"]) if identity else claims["iam_id"]
    return Principal(iam_id=claims["iam_id"], account_id=claims["account"]["bss"], name=name)


def attributes_match(part: dict[str, Any], values: dict[str, str]) -> bool:
    """Every attribute condition of a policy subject or resource holds for ``values``.

    ``stringMatch`` conditions use IAM's wildcards (``*`` and ``?``); an attribute missing from ``values`` fails.
    """
    for attr in part.get("attributes", []):
        value = values.get(attr["name"])
        if value is None:
            return False
        if attr.get("operator") == "stringMatch":
            if not fnmatch.fnmatchcase(value, attr["value"]):
                return False
        elif value != attr["value"]:
            return False
    return True


def _attributes(policy_part: dict[str, Any]) -> dict[str, str]:
    return {a["name"]: a["value"] for a in policy_part.get("attributes", [])}


def groups_of(world: Any, iam_id: str) -> set[str]:
    """The ids of the access groups ``iam_id`` is a member of."""
    return {gid for gid, group in world.data.get("access_groups", {}).items() if iam_id in group["members"]}


def roles_held(world: Any, iam_id: str, target: dict[str, str]) -> set[str]:
    """Role names that access policies grant ``iam_id`` on a target (service, account, instance, group), its own
    and those of its access groups."""
    held: set[str] = set()
    groups = groups_of(world, iam_id)
    for policy in world.data["policies"].values():
        if policy.get("type") != "access" or policy.get("state", "active") != "active":
            continue
        if not any(
            _attributes(s).get("iam_id") == iam_id or _attributes(s).get("access_group_id") in groups
            for s in policy.get("subjects", [])
        ):
            continue
        for resource in policy.get("resources", []):
            wanted = _attributes(resource)
            if all(target.get(name) == value for name, value in wanted.items()):
                held.update(role_name(r["role_id"]) for r in policy.get("roles", []))
    return held


def has_role(world: Any, principal: Principal, required: str, target: dict[str, str]) -> bool:
    return any(satisfies(role, required) for role in roles_held(world, principal.iam_id, target))


def require_role(
    world: Any, principal: Principal, required: str, target: dict[str, str], forbidden: Callable[[str], Response]
) -> None:
    """Raise the service's 403 unless ``principal`` holds ``required`` (or a higher role) on ``target``.

    ``target`` holds resource attributes such as accountId, serviceName, serviceInstance, resourceGroupId.
    """
    if not has_role(world, principal, required, target):
        raise ServiceError(forbidden(required))
