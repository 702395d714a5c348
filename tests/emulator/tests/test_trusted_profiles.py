"""Trusted profiles through IBM's own authenticators: ContainerAuthenticator (IAM's cr-token grant) and
VPCInstanceAuthenticator (the VPC Instance Metadata Service), plus wire checks."""

from __future__ import annotations

import jwt
import pytest
import requests
from ibm_cloud_sdk_core import ApiException
from ibm_cloud_sdk_core.authenticators import ContainerAuthenticator, VPCInstanceAuthenticator

from ibmcloud_emulator.seed import BARE_PROFILE_ID, CR_TOKEN, MAIN_ACCOUNT, PROFILE_ID


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


@pytest.fixture
def cr_token_file(tmp_path):
    path = tmp_path / "cr-token"
    path.write_text(CR_TOKEN + "\n")
    return str(path)


@pytest.mark.parametrize("by", [{"iam_profile_name": "kms-automation"}, {"iam_profile_id": PROFILE_ID}])
def test_container_authenticator_gets_the_profiles_token(base_url, cr_token_file, by):
    authenticator = ContainerAuthenticator(cr_token_filename=cr_token_file, url=base_url, **by)
    token = authenticator.token_manager.get_token()
    assert claims(token)["iam_id"] == "iam-" + PROFILE_ID
    assert claims(token)["sub_type"] == "Profile" and claims(token)["account"]["bss"] == MAIN_ACCOUNT


# (form fields besides the grant type, the errorCode IAM answers)
REFUSED = [
    ({"cr_token": CR_TOKEN, "profile_name": "nobody"}, "BXNIM0602E"),
    ({"cr_token": "not-a-token", "profile_id": PROFILE_ID}, "BXNIM0602E"),
    ({"profile_id": PROFILE_ID}, "BXNIM0109E"),
    ({"cr_token": CR_TOKEN}, "BXNIM0109E"),
]


@pytest.mark.parametrize("fields, code", REFUSED)
def test_the_cr_token_grant_refuses_what_it_cannot_trust(base_url, fields, code):
    answer = requests.post(f"{base_url}/identity/token", timeout=10,
                           data={"grant_type": "urn:ibm:params:oauth:grant-type:cr-token", **fields})
    assert answer.status_code == 400 and answer.json()["errorCode"] == code


@pytest.mark.parametrize("by", [{"iam_profile_id": PROFILE_ID}, {"iam_profile_crn": None}])
def test_vpc_instance_authenticator_gets_the_profiles_token(base_url, world, by):
    if "iam_profile_crn" in by:
        by = {"iam_profile_crn": world.data["trusted_profiles"][PROFILE_ID]["crn"]}
    token = VPCInstanceAuthenticator(url=base_url, **by).token_manager.get_token()
    assert claims(token)["iam_id"] == "iam-" + PROFILE_ID


def test_the_metadata_service_needs_its_flavor_and_an_identity_token(base_url):
    assert requests.put(f"{base_url}/instance_identity/v1/token?version=2022-03-01", json={}, timeout=10).status_code == 400
    answer = requests.post(f"{base_url}/instance_identity/v1/iam_token?version=2022-03-01", timeout=10,
                           headers={"Metadata-Flavor": "ibm", "Authorization": "Bearer nope"},
                           json={"trusted_profile": {"id": PROFILE_ID}})
    assert answer.status_code == 401 and answer.json()["errors"][0]["code"] == "invalid_token"


def test_a_profile_that_does_not_exist_is_refused_by_the_metadata_service(base_url):
    with pytest.raises(ApiException) as raised:
        VPCInstanceAuthenticator(url=base_url, iam_profile_id="Profile-nope").token_manager.get_token()
    assert raised.value.status_code == 400


def test_the_profile_without_access_gets_a_token_of_its_own(base_url, cr_token_file):
    token = ContainerAuthenticator(cr_token_filename=cr_token_file, url=base_url, iam_profile_id=BARE_PROFILE_ID)
    assert claims(token.token_manager.get_token())["iam_id"] == "iam-" + BARE_PROFILE_ID
