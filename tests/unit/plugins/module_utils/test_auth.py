# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest
from ibm_cloud_sdk_core.authenticators import (
    BearerTokenAuthenticator,
    ContainerAuthenticator,
    IAMAuthenticator,
    VPCInstanceAuthenticator,
)

from ansible_collections.ibmcloud.kms.plugins.module_utils import _auth
from ansible_collections.ibmcloud.kms.plugins.module_utils._client import ConnectionSettings, Session
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import InputError

from .fake_transport import make_token

PROFILE_ID = "Profile-9fd84246-7df4-4667-94e4-8ecde51d5ac5"
PROFILE_CRN = "crn:v1:bluemix:public:iam-identity::a/acct::profile:" + PROFILE_ID


@pytest.fixture
def token_file(tmp_path):
    path = tmp_path / "cr-token"
    path.write_text("a-cr-token")
    return str(path)


# (settings, the auth type)
AUTH_TYPES = [
    ({"api_key": "k"}, "api_key"),
    ({"api_key": "k", "iam_token": "t"}, "api_key"),
    ({"iam_token": "t"}, "token_only"),
    ({"trusted_profile": "kms-automation"}, "container"),
    ({"cr_token_filename": "/x"}, "container"),
    ({"auth_type": "vpc"}, "vpc"),
    ({"auth_type": "vpc", "api_key": "k"}, "vpc"),
]


@pytest.mark.parametrize("given, kind", AUTH_TYPES)
def test_auth_type(given, kind):
    assert _auth.auth_type(ConnectionSettings(**given)) == kind


@pytest.mark.parametrize("ref, by", [(PROFILE_ID, "id"), (PROFILE_CRN, "crn"), ("kms-automation", "name")])
def test_profile_by(ref, by):
    assert _auth.profile_by(ref) == by


# (settings, a file for cr_token_filename?, what the problem names, or None)
PROBLEMS = [
    ({"api_key": "k"}, False, None),
    ({"iam_token": "t"}, False, None),
    ({}, False, "No credentials"),
    ({"auth_type": "api_key"}, False, "needs api_key"),
    ({"api_key": "k", "trusted_profile": "p"}, False, "not api_key"),
    ({"trusted_profile": "kms-automation"}, True, None),
    ({"trusted_profile": PROFILE_ID}, True, None),
    ({"trusted_profile": PROFILE_CRN}, True, "not by CRN"),
    ({"auth_type": "container"}, True, "needs trusted_profile"),
    ({"trusted_profile": "p", "cr_token_filename": "/nowhere/token"}, False, "/nowhere/token does not exist"),
    ({"trusted_profile": "p"}, False, "No compute resource token file"),
    ({"auth_type": "vpc"}, False, None),
    ({"auth_type": "vpc", "trusted_profile": PROFILE_CRN}, False, None),
    ({"auth_type": "vpc", "trusted_profile": "by-name"}, False, "not by name"),
    ({"auth_type": "vpc", "cr_token_filename": "/x"}, False, "not vpc"),
]


@pytest.mark.parametrize("given, with_file, named", PROBLEMS)
def test_problems_name_what_to_fix_before_any_request(given, with_file, named, token_file):
    settings = ConnectionSettings(**given, **({"cr_token_filename": token_file} if with_file else {}))
    found = " ".join(_auth.problems(settings))
    assert (found == "") if named is None else named in found


# (settings, the authenticator, what it is given)
AUTHENTICATORS = [
    ({"api_key": "k"}, IAMAuthenticator, {}),
    ({"iam_token": make_token()}, BearerTokenAuthenticator, {}),
    ({"trusted_profile": "kms-automation"}, ContainerAuthenticator, {"iam_profile_name": "kms-automation"}),
    ({"trusted_profile": PROFILE_ID}, ContainerAuthenticator, {"iam_profile_id": PROFILE_ID}),
    ({"auth_type": "vpc", "trusted_profile": PROFILE_CRN}, VPCInstanceAuthenticator, {"iam_profile_crn": PROFILE_CRN}),
    ({"auth_type": "vpc"}, VPCInstanceAuthenticator, {"iam_profile_id": None, "iam_profile_crn": None}),
]


@pytest.mark.parametrize("given, kind, attributes", AUTHENTICATORS)
def test_each_auth_type_gets_its_authenticator(given, kind, attributes, token_file):
    settings = ConnectionSettings(**given, **({"cr_token_filename": token_file} if "trusted_profile" in given
                                              and "auth_type" not in given else {}))
    made = _auth.authenticator(settings, iam_url="https://iam.example", vpc_url="http://metadata.example")
    assert isinstance(made, kind)
    for name, value in attributes.items():
        assert getattr(made.token_manager, name) == value


def test_a_session_with_a_trusted_profile_is_renewable_and_needs_no_api_key(token_file):
    session = Session(ConnectionSettings(trusted_profile="kms-automation", cr_token_filename=token_file))
    assert session.settings.renewable and isinstance(session.authenticator, ContainerAuthenticator)
    assert session.authenticator.token_manager.url == "https://iam.cloud.ibm.com"


def test_a_session_without_credentials_says_every_way_to_give_them():
    with pytest.raises(InputError, match="api_key.*trusted_profile.*iam_token"):
        Session(ConnectionSettings())


def test_a_missing_token_file_at_token_time_is_a_clear_error_not_a_traceback(tmp_path):
    path = tmp_path / "cr-token"
    path.write_text("x")
    session = Session(ConnectionSettings(trusted_profile="p", cr_token_filename=str(path), retries=0))
    path.unlink()  # removed after the start: the SDK raises a plain Exception when it reads it
    with pytest.raises(Exception) as raised:
        session.access_token()
    assert type(raised.value).__name__ == "IBMCloudError"
    assert "CR token" in raised.value.message and "trusted_profile" in raised.value.hint
