# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # Authentication and connection options shared by every module of the collection.
    DOCUMENTATION = r"""
options:
  api_key:
    description:
      - IBM Cloud API key used to get an IAM access token.
      - If not set, the value of the E(IC_API_KEY) environment variable is used, then E(IBMCLOUD_API_KEY).
      - One of O(api_key), a trusted profile (O(auth_type)) or O(iam_token) is required. When O(api_key) and
        O(iam_token) are both set, O(iam_token) is used first and O(api_key) renews it (see O(iam_token)).
    type: str
  iam_token:
    description:
      - An IAM access token, for example one token fetched once per play with M(ibmcloud.kms.iam_token) and
        shared by all tasks, so that each task does not ask IAM for a token of its own.
      - If not set, the value of the E(IC_IAM_TOKEN) environment variable is used.
      - Alone, the token is used as it is and cannot be renewed; once it expires (IAM tokens live one hour), the task
        fails with an authentication error.
      - Together with O(api_key), the token is used first, without any request to IAM, for as long as it is valid.
        When its C(exp) claim says it has expired (by this host's clock, one minute early), or when an API answers
        HTTP 401, the module gets a new token with O(api_key) once and carries on. This is the recommended way to
        share a token in a long play.
      - The token is a secret; it is never logged or returned by the modules that use it.
    type: str
  auth_type:
    description:
      - How the module gets IAM access tokens.
      - V(api_key) uses O(api_key).
      - V(container) uses a trusted profile (O(trusted_profile)) with the compute resource token that the platform
        mounts in the pod or job the module runs in (O(cr_token_filename)), for example an AWX or Automation
        Controller job pod on IBM Cloud Kubernetes Service or Red Hat OpenShift on IBM Cloud, or Code Engine. No
        long-lived API key is needed.
      - V(vpc) uses a trusted profile of the VPC virtual server the module runs on, through the VPC Instance
        Metadata Service (which must be enabled on it); without O(trusted_profile), the profile linked to the
        virtual server.
      - When not set, V(api_key) when O(api_key) is set, else V(container) when O(trusted_profile) or
        O(cr_token_filename) is set, else only O(iam_token) is used.
      - With V(container) or V(vpc), O(iam_token) is used first as with an API key, and renewed with the profile.
    type: str
    choices: [api_key, container, vpc]
    version_added: 0.2.0
  trusted_profile:
    description:
      - The IAM trusted profile to act as with O(auth_type=container) or O(auth_type=vpc), as the IBM Cloud CLI's
        C(ibmcloud login --profile) takes it - by id (V(Profile-...)), by name (container only) or by CRN (vpc only).
      - The profile's trust rules must include the compute resource or the virtual server, and its access
        policies give the module its roles.
      - If not set, the value of the E(IBMCLOUD_CR_PROFILE) environment variable is used, as by the IBM Cloud CLI.
    type: str
    version_added: 0.2.0
  cr_token_filename:
    description:
      - With O(auth_type=container), the file that holds the compute resource token.
      - When not set, the files C(/var/run/secrets/tokens/vault-token), C(/var/run/secrets/tokens/sa-token) and
        C(/var/run/secrets/codeengine.cloud.ibm.com/compute-resource-token/token) are tried in this order, as by
        IBM's SDKs. A file that does not exist is refused before any request.
    type: path
    version_added: 0.2.0
  region:
    description:
      - IBM Cloud region, used to choose service endpoints and as the default location of resources.
      - If not set, the value of E(IC_REGION) is used, then E(IBMCLOUD_REGION).
    type: str
    default: us-south
  endpoint_type:
    description:
      - Whether to call IBM Cloud through its public or its private (Cloud Service Endpoint) hosts.
      - If not set, the value of E(IC_VISIBILITY) is used.
    type: str
    choices: [public, private]
    default: public
  endpoints:
    description:
      - Base URLs that replace the derived endpoint of a service.
      - Keys are V(iam), V(iam_policy), V(resource_controller), V(resource_manager), V(global_catalog),
        V(key_protect), V(hpcs), V(containers), V(global_tagging) and V(vpc_metadata) (the VPC Instance Metadata
        Service, for O(auth_type=vpc); C(http://169.254.169.254) by default).
      - When a key is not set, the IBM Terraform provider's environment variables are used, namely
        E(IBMCLOUD_IAM_API_ENDPOINT), E(IBMCLOUD_IAMPAP_API_ENDPOINT), E(IBMCLOUD_RESOURCE_CONTROLLER_API_ENDPOINT),
        E(IBMCLOUD_RESOURCE_MANAGEMENT_API_ENDPOINT), E(IBMCLOUD_RESOURCE_CATALOG_API_ENDPOINT),
        E(IBMCLOUD_KP_API_ENDPOINT), E(IBMCLOUD_HPCS_API_ENDPOINT), E(IBMCLOUD_CS_API_ENDPOINT) and
        E(IBMCLOUD_GT_API_ENDPOINT); for V(vpc_metadata), the IBM Cloud CLI's E(IBMCLOUD_CR_VPC_URL).
      - V(global_catalog) may be the host (as for the IBM Terraform provider) or end in C(/api/v1).
      - As for the IBM Terraform provider, V(key_protect) (E(IBMCLOUD_KP_API_ENDPOINT)) is the key-management API of
        every KMS instance, Key Protect and HPCS alike; it may end in C(/api/v2/keys), and C({instance_id}) in it is
        replaced by the instance guid. V(hpcs) (E(IBMCLOUD_HPCS_API_ENDPOINT)) is the HPCS broker, never used for keys.
      - Without V(key_protect), the key-management endpoint published by the instance itself is used (for a Key
        Protect instance that publishes none, the documented host of the instance's region).
    type: dict
    default: {}
  validate_certs:
    description:
      - Whether to verify the TLS certificates of IBM Cloud endpoints. Turn off only for testing.
      - V(false) gives a warning, shown once per run however many tasks use it.
    type: bool
    default: true
  ca_path:
    description:
      - A PEM file of CA certificates to trust instead of the system store, for example behind a proxy.
      - A file that does not exist is refused before any request.
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP request; more than 0.
    type: int
    default: 60
  retries:
    description:
      - How many times a request is retried after HTTP 429, 500, 502, 503, 504 or a connection failure,
        with jittered exponential backoff that honours C(Retry-After).
      - A request that creates something is retried only when the service surely did not act on it; otherwise
        the module looks for the resource before it creates again.
      - 0 or more.
    type: int
    default: 5
requirements:
  - python >= 3.9
  - ibm-cloud-sdk-core >= 3.20
  - ibm-platform-services >= 0.55
notes:
  - Credentials can be set once for every module of the collection with
    C(module_defaults) and the action group C(group/ibmcloud.kms.ibmcloud).
"""
