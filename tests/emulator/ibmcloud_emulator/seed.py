"""The seeded default world. Tests and the demo rely on these names (see the emulator README)."""

from __future__ import annotations

import hashlib

MAIN_ACCOUNT = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
KMS_ACCOUNT = "f0e1d2c3b4a5968778695a4b3c2d1e0f"


def stable_id(*parts: str, length: int = 32) -> str:
    """A deterministic hex id, so a reset world has the same ids every time."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


# A compute resource's token (the content of its CR token file) and the VPC virtual server the emulator runs on.
CR_TOKEN = "emulator-cr-token"
VPC_INSTANCE = "0717_emulator-vpc-instance"
PROFILE_ID = "Profile-" + "9fd84246-7df4-4667-94e4-8ecde51d5ac5"
BARE_PROFILE_ID = "Profile-" + "1b2c3d4e-0000-4000-8000-00000000b4e0"


def default_seed() -> dict:
    return {
        "accounts": [
            {"id": MAIN_ACCOUNT, "name": "emulator-main"},
            {"id": KMS_ACCOUNT, "name": "emulator-kms"},
        ],
        "identities": [
            {
                "iam_id": "IBMid-100000ADMN",
                "account_id": MAIN_ACCOUNT,
                "kind": "user",
                "name": "Alex Admin",
                "email": "admin@example.com",
            },
            {
                "iam_id": "IBMid-100000VIEW",
                "account_id": MAIN_ACCOUNT,
                "kind": "user",
                "name": "Vic Viewer",
                "email": "viewer@example.com",
            },
            {
                "iam_id": "IBMid-100000KMSA",
                "account_id": KMS_ACCOUNT,
                "kind": "user",
                "name": "Kim KMS-Admin",
                "email": "kms-admin@example.com",
            },
            {
                "iam_id": "IBMid-100000OWND",
                "account_id": MAIN_ACCOUNT,
                "kind": "user",
                "name": "Dana Default-Owner",
                "email": "cluster-owner-default@example.com",
            },
            {
                "iam_id": "IBMid-100000OWNP",
                "account_id": MAIN_ACCOUNT,
                "kind": "user",
                "name": "Pat Prod-Owner",
                "email": "cluster-owner-prod@example.com",
            },
        ],
        "api_keys": [
            {"apikey": "emulator-admin-key", "name": "emulator-admin-key", "iam_id": "IBMid-100000ADMN"},
            {"apikey": "emulator-viewer-key", "name": "emulator-viewer-key", "iam_id": "IBMid-100000VIEW"},
            {"apikey": "emulator-kms-account-key", "name": "emulator-kms-account-key", "iam_id": "IBMid-100000KMSA"},
            {
                "apikey": "emulator-iks-key-us-south-default",
                "name": "containers-kubernetes-key",
                "iam_id": "IBMid-100000OWND",
                "region": "us-south",
                "resource_group": "Default",
            },
            {
                "apikey": "emulator-iks-key-us-south-prod",
                "name": "containers-kubernetes-key",
                "iam_id": "IBMid-100000OWNP",
                "region": "us-south",
                "resource_group": "prod",
            },
        ],
        "access_groups": [
            {
                "account_id": MAIN_ACCOUNT,
                "name": "hpcs-operators",
                "description": "Use HPCS root keys",
                "members": ["IBMid-100000OWND"],
            },
        ],
        # Trusted profiles (trusted_profiles.py): one with the admin's access, one with none. Each trusts the
        # compute resources whose CR token it lists and the VPC virtual servers it lists; the emulator runs "on"
        # vpc_instance for the VPC Instance Metadata Service.
        "trusted_profiles": [
            {
                "id": PROFILE_ID,
                "iam_id": "iam-" + PROFILE_ID,
                "name": "kms-automation",
                "account_id": MAIN_ACCOUNT,
                "crn": f"crn:v1:bluemix:public:iam-identity::a/{MAIN_ACCOUNT}::profile:{PROFILE_ID}",
                "cr_tokens": [CR_TOKEN],
                "vpc_instances": [VPC_INSTANCE],
            },
            {
                "id": BARE_PROFILE_ID,
                "iam_id": "iam-" + BARE_PROFILE_ID,
                "name": "no-access",
                "account_id": MAIN_ACCOUNT,
                "crn": f"crn:v1:bluemix:public:iam-identity::a/{MAIN_ACCOUNT}::profile:{BARE_PROFILE_ID}",
                "cr_tokens": [CR_TOKEN],
                "vpc_instances": [VPC_INSTANCE],
            },
        ],
        "vpc_instance": VPC_INSTANCE,
        # Access policies: roles an identity (iam_id) or access group holds on resources matching every attribute.
        "access_policies": [
            {
                "iam_id": "IBMid-100000ADMN",
                "roles": ["Administrator", "Manager"],
                "resource": {"accountId": MAIN_ACCOUNT},
            },
            {
                "iam_id": "iam-" + PROFILE_ID,
                "roles": ["Administrator", "Manager"],
                "resource": {"accountId": MAIN_ACCOUNT},
            },
            {"iam_id": "IBMid-100000VIEW", "roles": ["Viewer", "Reader"], "resource": {"accountId": MAIN_ACCOUNT}},
            {
                "iam_id": "IBMid-100000KMSA",
                "roles": ["Administrator", "Manager"],
                "resource": {"accountId": KMS_ACCOUNT},
            },
            {
                "iam_id": "IBMid-100000OWND",
                "roles": ["Editor", "Writer"],
                "resource": {"accountId": MAIN_ACCOUNT, "serviceName": "kms"},
            },
            {  # through an access group: a check that reads only an identity's own policies misses it
                "access_group": "hpcs-operators",
                "roles": ["Editor", "Writer"],
                "resource": {"accountId": MAIN_ACCOUNT, "serviceName": "hs-crypto"},
            },
            {
                "iam_id": "IBMid-100000OWND",
                "roles": ["Administrator", "Manager"],
                "resource": {"accountId": MAIN_ACCOUNT, "serviceName": "containers-kubernetes"},
            },
            {
                "iam_id": "IBMid-100000OWNP",
                "roles": ["Administrator", "Manager"],
                "resource": {"accountId": MAIN_ACCOUNT, "serviceName": "containers-kubernetes"},
            },
        ],
        "resource_groups": [
            {"account_id": MAIN_ACCOUNT, "name": "Default", "default": True},
            {"account_id": MAIN_ACCOUNT, "name": "prod", "default": False},
            {"account_id": KMS_ACCOUNT, "name": "Default", "default": True},
        ],
        "instances": [
            {
                "account_id": MAIN_ACCOUNT,
                "name": "demo-hpcs",
                "service": "hs-crypto",
                "plan": "standard",
                "region": "us-south",
                "resource_group": "Default",
                "parameters": {"units": 2},
                "initialized": True,
            },
        ],
        "clusters": [
            {
                "account_id": MAIN_ACCOUNT,
                "name": "demo-vpc",
                "provider": "vpc-gen2",
                "type": "kubernetes",
                "region": "us-south",
                "resource_group": "Default",
            },
            {
                "account_id": MAIN_ACCOUNT,
                "name": "demo-roks",
                "provider": "vpc-gen2",
                "type": "openshift",
                "region": "us-south",
                "resource_group": "Default",
            },
            {
                "account_id": MAIN_ACCOUNT,
                "name": "demo-satellite",
                "provider": "satellite",
                "type": "kubernetes",
                "region": "us-south",
                "resource_group": "Default",
            },
            {
                "account_id": MAIN_ACCOUNT,
                "name": "demo-classic",
                "provider": "classic",
                "type": "kubernetes",
                "region": "us-south",
                "resource_group": "prod",
            },
        ],
    }
