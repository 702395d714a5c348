# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A requests transport adapter that answers from a script, for client-layer unit tests."""

from __future__ import annotations

import json
import time

import jwt
import requests


def make_token(account="acct-1", lifetime=3600, issued_ago=0, iam_id="IBMid-1"):
    """An IAM-like JWT; ``lifetime=None`` leaves out the exp claim."""
    issued = int(time.time()) - issued_ago
    claims = {"iam_id": iam_id, "account": {"bss": account}, "iat": issued}
    if lifetime is not None:
        claims["exp"] = issued + lifetime
    return jwt.encode(claims, "secret", algorithm="HS256")


class FakeAdapter(requests.adapters.BaseAdapter):
    """Each scripted answer is (status, body, headers) or an exception instance to raise."""

    def __init__(self, answers):
        super().__init__()
        self.answers = list(answers)
        self.requests = []

    def send(self, request, **kwargs):
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body, headers = (answer + (None,))[:3] if len(answer) == 2 else answer
        response = requests.Response()
        response.status_code = status
        response.request = request
        response.url = request.url
        response.headers.update(headers or {"Content-Type": "application/json"})
        response._content = b"" if body is None else json.dumps(body).encode()
        return response

    def close(self):
        pass


def mount(service, adapter):
    service.get_http_client().mount("https://", adapter)
    service.get_http_client().mount("http://", adapter)
    return adapter
