# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""One error family for every IBM Cloud API, parsed from each service's own error body."""

from __future__ import annotations

import json
from typing import Any, Optional

TRACE_HEADERS = ("X-Global-Transaction-Id", "X-Request-Id", "Transaction-Id", "X-Correlation-Id", "Correlation-Id")


class IBMCloudError(Exception):
    """An IBM Cloud API call (or a check made before one) failed.

    ``hint`` says what the user can do about it; ``reasons`` are Key Protect's reason codes. ``changed`` is set when
    the failure came after a change was accepted (a wait that ran out), so that the task reports the change.
    """

    changed = False

    def __init__(
        self,
        message: str,
        *,
        status: Optional[int] = None,
        code: Optional[str] = None,
        trace: Optional[str] = None,
        method: Optional[str] = None,
        url: Optional[str] = None,
        reasons: Optional[list] = None,
        hint: Optional[str] = None,
        details: Optional[dict] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.trace = trace
        self.method = method
        self.url = url
        self.reasons = reasons or []
        self.hint = hint
        self.details = details or {}

    def with_hint(self, hint: Optional[str]) -> "IBMCloudError":
        if hint and not self.hint:
            self.hint = hint
        return self

    def describe(self) -> str:
        """The one-line message shown to the user."""
        where = f"{self.method} {self.url}: " if self.method and self.url else ""
        status = f"HTTP {self.status} " if self.status else ""
        code = f"{self.code}: " if self.code else ""
        text = f"{where}{status}{code}{self.message}"
        if self.hint:
            text = f"{text.rstrip()}{'' if text.rstrip().endswith(('.', '!', '?')) else '.'} {self.hint}"
        return text

    def as_result(self) -> dict:
        result: dict[str, Any] = {"status": self.status, "code": self.code, "trace": self.trace}
        if self.reasons:
            result["reasons"] = self.reasons
        if self.details:
            result["details"] = self.details
        return {k: v for k, v in result.items() if v not in (None, [], {})}


class InputError(IBMCloudError):
    """The user's input cannot work; found before any request was sent."""


class NotInitializedError(InputError):
    """A Hyper Protect Crypto Services instance whose crypto units are not initialized refused a key call."""


class BadRequestError(IBMCloudError):
    """HTTP 400 / 422."""


class AuthError(IBMCloudError):
    """HTTP 401 / 403."""


class UnauthorizedError(AuthError):
    """HTTP 401: the credentials were not accepted."""


class ForbiddenError(AuthError):
    """HTTP 403, or a 401 answered to a valid token (Key Protect's way): the caller lacks an IAM role."""


class NotFoundError(IBMCloudError):
    """HTTP 404."""


class ConflictError(IBMCloudError):
    """HTTP 409."""


class GoneError(IBMCloudError):
    """HTTP 410."""


class RateLimitedError(IBMCloudError):
    """HTTP 429."""

    def __init__(self, message: str, *, retry_after: Optional[float] = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(IBMCloudError):
    """HTTP 5xx."""

    def __init__(self, message: str, *, retry_after: Optional[float] = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class TransportError(IBMCloudError):
    """No HTTP answer: connection refused or reset, timeout, TLS failure."""


class CertificateError(TransportError):
    """The server's TLS certificate was not trusted; retrying cannot help."""


class WaitTimeoutError(IBMCloudError):
    """A resource did not reach the wanted state within the wait timeout."""


_BY_STATUS = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    410: GoneError,
    422: BadRequestError,
    429: RateLimitedError,
}


def _parse_body(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _kms_fields(body: dict) -> Optional[tuple]:
    resources = body.get("resources")
    if not (isinstance(resources, list) and resources and isinstance(resources[0], dict)):
        return None
    first = resources[0]
    if "errorMsg" not in first:
        return None
    reasons = [
        {"code": r.get("code"), "message": r.get("message")} for r in first.get("reasons") or [] if isinstance(r, dict)
    ]
    code = reasons[0]["code"] if reasons else None
    message = first["errorMsg"]
    if reasons and reasons[0].get("message") and reasons[0]["message"] not in message:
        message = f"{message} {reasons[0]['message']}"
    return code, message, None, reasons, {}


def _platform_fields(body: dict) -> Optional[tuple]:
    errors = body.get("errors")
    if not (isinstance(errors, list) and errors and isinstance(errors[0], dict)):
        return None
    first = errors[0]
    details = first.get("details") if isinstance(first.get("details"), dict) else {}
    return first.get("code"), first.get("message") or "", body.get("trace"), [], details


def _identity_fields(body: dict) -> Optional[tuple]:
    if "errorCode" not in body and "errorMessage" not in body:
        return None
    context = body.get("context")
    if not isinstance(context, dict):
        context = {}
    return body.get("errorCode"), body.get("errorMessage") or "", context.get("requestId"), [], {}


def _containers_fields(body: dict) -> Optional[tuple]:
    if "description" not in body:
        return None
    return body.get("code"), body["description"], body.get("incidentID"), [], {}


def _generic_fields(body: dict) -> tuple:
    message = body.get("message") or body.get("error") or body.get("error_description") or ""
    return body.get("code"), str(message), body.get("trace"), [], {}


def parse_error_body(text: str) -> tuple:
    """(code, message, trace, reasons, details) from any IBM Cloud error body; unknown bodies give the raw text."""
    body = _parse_body(text)
    if not isinstance(body, dict):
        return None, (text or "").strip()[:500], None, [], {}
    for parser in (_kms_fields, _platform_fields, _identity_fields, _containers_fields):
        fields = parser(body)
        if fields is not None:
            return fields
    return _generic_fields(body)


def _retry_after(headers: Any) -> Optional[float]:
    value = (headers or {}).get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return None


def error_from_response(
    status: int, text: str, headers: Any, *, method: Optional[str] = None, url: Optional[str] = None
) -> IBMCloudError:
    code, message, trace, reasons, details = parse_error_body(text)
    if not trace:
        trace = next((headers.get(h) for h in TRACE_HEADERS if headers and headers.get(h)), None)
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else IBMCloudError)
    kwargs: dict[str, Any] = dict(
        status=status, code=code, trace=trace, method=method, url=url, reasons=reasons, details=details
    )
    if cls in (RateLimitedError, ServerError):
        kwargs["retry_after"] = _retry_after(headers)
    return cls(message or f"HTTP {status}", **kwargs)
