# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import time

import jwt
import pytest
import requests
from ibm_cloud_sdk_core import ApiException
from ibm_cloud_sdk_core.token_managers.iam_token_manager import IAMTokenManager

from ansible_collections.ibmcloud.kms.plugins.modules import iam_token

from ..module_utils.fake_transport import make_token
from .module_runner import run_module

API_KEY = "unit-test-api-key-0123456789"
NEW = make_token(account="acct-9", iam_id="IBMid-9")
OLD = make_token(account="acct-9", iam_id="IBMid-9", issued_ago=600)


def refused() -> ApiException:
    response = requests.Response()
    response.status_code = 400
    response._content = b'{"errorCode": "BXNIM0415E", "errorMessage": "Provided API key could not be found."}'
    response.headers["Content-Type"] = "application/json"
    return ApiException(400, http_response=response)


@pytest.fixture
def iam(monkeypatch):
    """IAM answers each token request with NEW (or raises the next of ``errors``); requests are counted."""
    state = {"errors": [], "requests": 0}
    for name in ("IC_API_KEY", "IBMCLOUD_API_KEY", "IC_IAM_TOKEN"):
        monkeypatch.delenv(name, raising=False)

    def fake_request_token(_manager):
        state["requests"] += 1
        if state["errors"]:
            raise state["errors"].pop(0)
        return {"access_token": NEW, "expires_in": 3600}

    monkeypatch.setattr(IAMTokenManager, "request_token", fake_request_token)
    return state


# (extra arguments, IAM errors, failed, message fragment, token requests)
CASES = [
    ({}, [], False, None, 1),
    ({"_ansible_check_mode": True}, [], False, None, 1),              # read-only: runs the same in check mode
    ({"iam_token": OLD}, [], False, None, 1),                          # a given token is not returned again
    ({}, [refused()], True, "IAM refused the API key", 1),
    ({"api_key": None, "iam_token": OLD}, [], True, "needs an API key", 0),
]


@pytest.mark.parametrize("extra, errors, failed, message, token_requests", CASES)
def test_main(capsys, iam, extra, errors, failed, message, token_requests):
    iam["errors"] = list(errors)
    args = {"api_key": API_KEY, "endpoints": {"iam": "https://iam"}, **extra}
    result = run_module(capsys, iam_token.main, {k: v for k, v in args.items() if v is not None})
    assert iam["requests"] == token_requests
    assert API_KEY not in json.dumps(result)
    assert result.get("changed", False) is False
    if failed:
        assert result["failed"] is True and message in result["msg"]
        assert "exception" not in result and "iam_token" not in result
        return
    exp = jwt.decode(NEW, options={"verify_signature": False})["exp"]
    assert result["iam_token"] == NEW
    assert result["account_id"] == "acct-9" and result["iam_id"] == "IBMid-9"
    assert result["expires_at"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(exp))
