# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""How a session gets IAM tokens: with an API key, as a trusted profile of a compute resource (its CR token file,
ibm-cloud-sdk-core's ContainerAuthenticator) or of a VPC virtual server (the VPC Instance Metadata Service,
VPCInstanceAuthenticator), or only with a given token.

Which one is chosen, and what is wrong with the options for it, is decided here before any request.
"""

from __future__ import annotations

import os
from typing import Any, Optional

from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import InputError

API_KEY, CONTAINER, VPC, TOKEN_ONLY = "api_key", "container", "vpc", "token_only"
AUTH_TYPES = (API_KEY, CONTAINER, VPC)
# Where ibm-cloud-sdk-core's ContainerTokenManager looks for the CR token when no file is named, in this order.
DEFAULT_CR_TOKEN_FILES = (
    "/var/run/secrets/tokens/vault-token",
    "/var/run/secrets/tokens/sa-token",
    "/var/run/secrets/codeengine.cloud.ibm.com/compute-resource-token/token",
)
NO_CREDENTIALS = (
    "No credentials: set api_key (or the IC_API_KEY / IBMCLOUD_API_KEY environment variable), a trusted_profile"
    " (or IBMCLOUD_CR_PROFILE) with auth_type container or vpc, or iam_token."
)


def auth_type(settings: Any) -> str:
    """The way SETTINGS (a ConnectionSettings) get tokens: auth_type when given, else an API key, else a trusted
    profile of a compute resource, else only the given iam_token."""
    if settings.auth_type:
        return str(settings.auth_type)
    if settings.api_key:
        return API_KEY
    if settings.trusted_profile or settings.cr_token_filename:
        return CONTAINER
    return TOKEN_ONLY


def profile_by(ref: str) -> str:
    """How the trusted profile REF is given, as the ibmcloud CLI's --profile takes it: a CRN, an id
    (``Profile-<uuid>``) or a name."""
    if ref.startswith("crn:"):
        return "crn"
    return "id" if ref.startswith("Profile-") else "name"


def problems(settings: Any) -> list:
    """What is wrong with the credential options for their auth type; each entry says what to fix."""
    kind = auth_type(settings)
    found = []
    if kind not in AUTH_TYPES + (TOKEN_ONLY,):
        found.append(f"auth_type must be one of {', '.join(AUTH_TYPES)}, not {kind!r}.")
    elif kind == API_KEY:
        if not settings.api_key:
            found.append("auth_type=api_key needs api_key (or the IC_API_KEY / IBMCLOUD_API_KEY environment variable).")
        if settings.trusted_profile or settings.cr_token_filename:
            found.append("trusted_profile and cr_token_filename are for auth_type container or vpc, not api_key.")
    elif kind == CONTAINER:
        found += _container_problems(settings)
    elif kind == VPC:
        if settings.trusted_profile and profile_by(settings.trusted_profile) == "name":
            found.append("auth_type=vpc takes the trusted profile by id (Profile-...) or CRN, not by name.")
        if settings.cr_token_filename:
            found.append("cr_token_filename is for auth_type=container, not vpc.")
    elif not settings.iam_token:
        found.append(NO_CREDENTIALS)
    return found


def _container_problems(settings: Any) -> list:
    found = []
    if not settings.trusted_profile:
        found.append("auth_type=container needs trusted_profile (its id or name; or IBMCLOUD_CR_PROFILE).")
    elif profile_by(settings.trusted_profile) == "crn":
        found.append("auth_type=container takes the trusted profile by id (Profile-...) or name, not by CRN.")
    if settings.cr_token_filename:
        if not os.path.isfile(settings.cr_token_filename):
            found.append(
                f"The compute resource token file {settings.cr_token_filename} does not exist; set cr_token_filename"
                " to the file the platform mounts the token in."
            )
    elif not any(os.path.isfile(path) for path in DEFAULT_CR_TOKEN_FILES):
        found.append(
            f"No compute resource token file: none of {', '.join(DEFAULT_CR_TOKEN_FILES)} exists; set"
            " cr_token_filename, or run where the platform mounts one (a pod with a projected service account token,"
            " Code Engine)."
        )
    return found


def check(settings: Any) -> None:
    """InputError naming every problem of the credential options, before any request."""
    found = problems(settings)
    if found:
        raise InputError(" ".join(found))


def refusal_hint(kind: str, prefix: str = "") -> str:
    """What to check when IAM (or the metadata service) refuses to give a token."""
    if kind == CONTAINER:
        return (
            "IAM refused the compute resource token for the trusted profile: check trusted_profile, and that the"
            " profile's trust rules include this compute resource."
        )
    if kind == VPC:
        return (
            "The VPC Instance Metadata Service gave no token for the trusted profile: check trusted_profile, that"
            " the profile trusts this virtual server, and that the metadata service is"
            " enabled on it."
        )
    option = f"{prefix}api_key" if prefix else "api_key (IC_API_KEY)"
    return f"IAM refused the API key: check {option} and the IAM endpoint."


def authenticator(settings: Any, *, iam_url: str, vpc_url: Optional[str]) -> Any:
    """The ibm-cloud-sdk-core authenticator for SETTINGS (checked with check() first)."""
    from ibm_cloud_sdk_core.authenticators import (  # only when the SDK is there (IBMCloudModule checks it)
        BearerTokenAuthenticator,
        ContainerAuthenticator,
        IAMAuthenticator,
        VPCInstanceAuthenticator,
    )

    kind = auth_type(settings)
    no_ssl = not settings.validate_certs
    profile = {}
    if settings.trusted_profile:
        profile = {f"iam_profile_{profile_by(settings.trusted_profile)}": settings.trusted_profile}
    if kind == API_KEY:
        return IAMAuthenticator(settings.api_key, url=iam_url, disable_ssl_verification=no_ssl)
    if kind == CONTAINER:
        return ContainerAuthenticator(
            cr_token_filename=settings.cr_token_filename, url=iam_url, disable_ssl_verification=no_ssl, **profile
        )
    if kind == VPC:  # without a profile, the one linked to the virtual server
        return VPCInstanceAuthenticator(url=vpc_url, **profile)
    return BearerTokenAuthenticator(settings.iam_token)
