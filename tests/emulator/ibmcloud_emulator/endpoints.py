"""The one table of how a client reaches an emulator at URL: the environment variables of IBM's Terraform provider
(which the collection's modules read too) and the keys of the modules' ``endpoints`` option.

``ibmcloud-emulator env URL`` prints it; the test harness, the demo, the integration targets, molecule and the AWX
test all take their endpoint settings from here. Key Protect and HPCS are not in it: the collection discovers their
endpoints from each instance's Resource Controller record, which points back at the emulator.
"""

from __future__ import annotations

import json
import shlex

# (the modules' endpoints key, the Terraform provider's environment variable, the path under the emulator's URL)
ENDPOINTS = (
    ("iam", "IBMCLOUD_IAM_API_ENDPOINT", ""),
    ("iam_policy", "IBMCLOUD_IAMPAP_API_ENDPOINT", ""),
    ("resource_controller", "IBMCLOUD_RESOURCE_CONTROLLER_API_ENDPOINT", ""),
    ("resource_manager", "IBMCLOUD_RESOURCE_MANAGEMENT_API_ENDPOINT", ""),
    ("global_catalog", "IBMCLOUD_RESOURCE_CATALOG_API_ENDPOINT", ""),
    ("containers", "IBMCLOUD_CS_API_ENDPOINT", "/global"),
    ("global_tagging", "IBMCLOUD_GT_API_ENDPOINT", ""),
    ("vpc_metadata", "IBMCLOUD_CR_VPC_URL", ""),  # the VPC Instance Metadata Service (the ibmcloud CLI's variable)
)

# The seeded world's administrator key and the region of its clusters (see seed.py).
ADMIN_API_KEY = "emulator-admin-key"
REGION = "us-south"


def module_endpoints(url: str) -> dict[str, str]:
    """The modules' ``endpoints`` option for an emulator at URL."""
    base = url.rstrip("/")
    return {key: base + path for key, _variable, path in ENDPOINTS}


def environment(url: str, *, api_key: str = ADMIN_API_KEY) -> dict[str, str]:
    """The environment variables that point the collection (and IBM's Terraform provider) at an emulator at URL."""
    base = url.rstrip("/")
    env = {"IC_API_KEY": api_key, "IC_REGION": REGION}
    env.update({variable: base + path for _key, variable, path in ENDPOINTS})
    return env


def render(url: str, output: str = "shell") -> str:
    """The table for URL as ``shell`` (export lines), ``dotenv`` (NAME=value lines) or ``json``."""
    if output == "json":
        return json.dumps({"environment": environment(url), "endpoints": module_endpoints(url)}, indent=2)
    if output == "shell":
        return "\n".join(f"export {name}={shlex.quote(value)}" for name, value in environment(url).items())
    return "\n".join(f"{name}={value}" for name, value in environment(url).items())
