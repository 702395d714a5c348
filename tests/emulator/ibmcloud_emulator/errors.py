"""Error bodies in each IBM Cloud service's own format.

Every function returns a Flask response; blueprints return it (or raise ``ServiceError``).
"""

from __future__ import annotations

import uuid
from typing import Any, Callable

from flask import Response, g, jsonify


def new_trace() -> str:
    trace = getattr(g, "trace", None)
    if not trace:
        trace = g.trace = "txn-" + uuid.uuid4().hex
    return trace


def _json(status: int, body: Any, content_type: str = "application/json") -> Response:
    response = jsonify(body)
    response.status_code = status
    response.content_type = content_type
    return response


def platform_error(status: int, code: str, message: str, *, details: dict | None = None) -> Response:
    """The common IBM platform envelope used by Resource Controller/Manager and IAM Policy Management."""
    error: dict[str, Any] = {"code": code, "message": message, "more_info": "https://cloud.ibm.com/apidocs"}
    if details:
        error["details"] = details
    return _json(status, {"errors": [error], "trace": new_trace(), "status_code": status})


def platform_unauthorized() -> Response:
    """The platform services' 401 (missing, invalid or expired bearer token)."""
    return platform_error(401, "unauthorized", "The IAM token is missing, invalid or expired.")


def platform_forbidden(role: str) -> Response:
    """The platform services' 403 naming the role the caller lacks."""
    return platform_error(403, "forbidden", f"You are not authorized to perform this action: {role} role required.")


def vpc_error(status: int, code: str, message: str) -> Response:
    """The VPC APIs' envelope (the Instance Metadata Service's too): errors[{code, message}] and a trace."""
    return _json(status, {"errors": [{"code": code, "message": message}], "trace": new_trace()})


def iam_identity_error(status: int, code: str, message: str) -> Response:
    """IAM Identity Services (token endpoint, API keys): errorCode/errorMessage/context."""
    return _json(
        status,
        {
            "context": {"requestId": new_trace(), "requestType": "incoming.Identity_Token", "url": "emulator"},
            "errorCode": code,
            "errorMessage": message,
        },
    )


def kms_error(status: int, message: str, reasons: list[tuple[str, str]] | None = None) -> Response:
    """Key Protect / HPCS key-management error body (resources[].errorMsg, reasons[])."""
    resource: dict[str, Any] = {"errorMsg": message}
    if reasons:
        resource["reasons"] = [
            {"code": code, "message": text, "status": status, "moreInfo": "https://cloud.ibm.com/apidocs/key-protect"}
            for code, text in reasons
        ]
    body = {
        "metadata": {"collectionType": "application/vnd.ibm.kms.error+json", "collectionTotal": 1},
        "resources": [resource],
    }
    return _json(status, body)


def containers_error(status: int, code: str, description: str, type_: str = "General") -> Response:
    """Kubernetes Service API error body (assumed shape, see the emulator README)."""
    return _json(
        status,
        {"incidentID": new_trace(), "code": code, "description": description, "type": type_, "recoveryCLI": ""},
    )


class ServiceError(Exception):
    """Raise from a handler to answer with a prepared error response."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def fail(factory: Callable[..., Response], *args: Any, **kwargs: Any) -> ServiceError:
    """``raise fail(kms_error, 404, ...)`` builds the error with the service's formatter."""
    return ServiceError(factory(*args, **kwargs))
