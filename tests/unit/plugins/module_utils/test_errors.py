# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest

from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import (
    BadRequestError,
    ConflictError,
    ForbiddenError,
    GoneError,
    IBMCloudError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    UnauthorizedError,
    error_from_response,
)

KMS_BODY = {
    "metadata": {"collectionType": "application/vnd.ibm.kms.error+json", "collectionTotal": 1},
    "resources": [{"errorMsg": "Conflict: Action could not be performed on key.",
                   "reasons": [{"code": "KEY_ROTATION_NOT_PERMITTED", "message": "Only one rotate per hour",
                                "status": 409}]}],
}
PLATFORM_BODY = {"errors": [{"code": "policy_conflict_error", "message": "Failed to create policy."}],
                 "trace": "trace-123", "status_code": 409}
IDENTITY_BODY = {"errorCode": "BXNIM0415E", "errorMessage": "Provided API key could not be found.",
                 "context": {"requestId": "req-9"}}
CONTAINERS_BODY = {"incidentID": "inc-1", "code": "E0003", "description": "The cluster was not found.",
                   "type": "General"}

# (status, body, headers, class, code, message part, trace)
CASES = [
    (409, KMS_BODY, {}, ConflictError, "KEY_ROTATION_NOT_PERMITTED", "Only one rotate per hour", None),
    (409, PLATFORM_BODY, {}, ConflictError, "policy_conflict_error", "Failed to create policy.", "trace-123"),
    (400, IDENTITY_BODY, {}, BadRequestError, "BXNIM0415E", "could not be found", "req-9"),
    (404, CONTAINERS_BODY, {}, NotFoundError, "E0003", "cluster was not found", "inc-1"),
    (401, {"resources": [{"errorMsg": "Unauthorized"}]}, {}, UnauthorizedError, None, "Unauthorized", None),
    (403, {"message": "no access"}, {"X-Global-Transaction-Id": "tx-7"}, ForbiddenError, None, "no access", "tx-7"),
    (410, KMS_BODY, {}, GoneError, "KEY_ROTATION_NOT_PERMITTED", "Conflict", None),
    (422, {"error": "bad"}, {}, BadRequestError, None, "bad", None),
    (429, {}, {"Retry-After": "3"}, RateLimitedError, None, "HTTP 429", None),
    (503, "<html>busy</html>", {}, ServerError, None, "<html>busy</html>", None),
    (418, {"message": "teapot"}, {}, IBMCloudError, None, "teapot", None),
]


@pytest.mark.parametrize("status, body, headers, cls, code, message, trace", CASES)
def test_error_from_response_parses_each_service_format(status, body, headers, cls, code, message, trace):
    text = body if isinstance(body, str) else json.dumps(body)
    error = error_from_response(status, text, headers, method="GET", url="https://x/api")
    assert error.__class__ is cls
    assert error.status == status
    assert error.code == code
    assert message in error.message
    assert error.trace == trace


def test_retry_after_is_kept_for_rate_limits_and_server_errors():
    assert error_from_response(429, "", {"Retry-After": "3"}).retry_after == 3.0
    assert error_from_response(503, "", {"Retry-After": "x"}).retry_after is None


def test_describe_names_request_status_code_and_hint():
    error = error_from_response(403, json.dumps(PLATFORM_BODY), {}, method="POST", url="https://rc/v2/x")
    error.with_hint("Needs Editor.")
    assert error.describe() == "POST https://rc/v2/x: HTTP 403 policy_conflict_error: Failed to create policy. Needs Editor."
    assert error.as_result() == {"status": 403, "code": "policy_conflict_error", "trace": "trace-123"}


def test_kms_reasons_are_returned():
    error = error_from_response(409, json.dumps(KMS_BODY), {})
    assert error.as_result()["reasons"] == [{"code": "KEY_ROTATION_NOT_PERMITTED", "message": "Only one rotate per hour"}]
