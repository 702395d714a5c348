#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: vpc_worker_pool
short_description: Create a VPC worker pool whose worker-node disks a KMS root key encrypts
version_added: 0.2.0
description:
  - Makes sure a worker pool of an IBM Cloud Kubernetes Service or Red Hat OpenShift on IBM Cloud VPC cluster exists
    and, with O(instance) and O(root_key), that the boot volumes of its worker nodes are encrypted with that root key
    of that Key Protect or Hyper Protect Crypto Services instance, usually the same one that encrypts the cluster's
    secrets.
  - Encryption is set only when a pool is created (IBM's cluster create encrypts only the C(default) pool). An
    existing pool is never replaced, since its workers and their workloads would go; when it is not encrypted as
    asked, the module says so in a warning.
  - Before a create, the root key is checked to be an active root key of the instance.
  - The workers are deployed in the background after the pool is created; RV(worker_pool.state) says where they are.
author:
  - ibmcloud.kms maintainers (@ibmcloud-kms)
options:
  cluster:
    description: The VPC cluster, by name or id.
    type: str
    required: true
  name:
    description: The name of the worker pool.
    type: str
    required: true
  flavor:
    description: The worker node flavor, for example V(bx2.4x16). Needed to create the pool.
    type: str
  vpc_id:
    description: The VPC of the cluster. Needed to create the pool.
    type: str
  worker_count:
    description: Worker nodes per zone of a new pool.
    type: int
    default: 1
  zones:
    description: The zones of a new pool, each with the subnet of its workers. Needed to create the pool.
    type: list
    elements: dict
    suboptions:
      id:
        description: The zone, for example V(us-south-1).
        type: str
        required: true
      subnet_id:
        description: The VPC subnet in that zone.
        type: str
        required: true
  labels:
    description: Kubernetes labels of the pool's worker nodes.
    type: dict
  instance:
    description:
      - The KMS instance whose root key encrypts the workers' boot volumes, by guid, CRN or name; with
        O(kms_account_id), by guid or CRN.
      - Without it, the boot volumes are encrypted with IBM-managed keys.
    type: str
  root_key:
    description:
      - The root key, by id or alias (with O(kms_account_id), by id). Required with O(instance).
    type: str
  kms_account_id:
    description:
      - The account of O(instance) when it is not the cluster's (cross-account KMS). The instance and the key are
        then not read before the create.
    type: str
  state:
    description: V(present) creates the pool when it does not exist; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - ibmcloud.kms.auth
  - ibmcloud.kms.attributes
notes:
  - Creating and deleting worker pools needs the Operator platform role on the cluster; reading the root key needs
    Reader on the instance.
  - IBM's documentation asks for two authorizations in the account of the KMS instance first - Block Storage
    (C(server-protect)) to the instance (Reader), and the Kubernetes Service's authorization with delegation
    (AuthorizationDelegator). M(ibmcloud.kms.iam_policy) makes them, and so does the role
    C(ibmcloud.kms.cluster_encryption) with C(cluster_encryption_worker_disk_authorization=true).
  - Other differences of an existing pool (flavor, size, zones) are not changed.
seealso:
  - module: ibmcloud.kms.iam_policy
  - name: Encrypting VPC worker node disks
    description: IBM Cloud Kubernetes Service documentation.
    link: https://cloud.ibm.com/docs/containers?topic=containers-encryption-vpc-worker-disks
"""

EXAMPLES = r"""
- name: Authorize Block Storage to read the instance's keys
  ibmcloud.kms.iam_policy:
    source_service: server-protect
    target_service: kms
    target_instance: kms-for-clusters

- name: Create a worker pool whose boot volumes the cluster's root key encrypts
  ibmcloud.kms.vpc_worker_pool:
    cluster: prod-eu-3
    name: encrypted
    flavor: bx2.4x16
    vpc_id: r006-2f8ae3b1-8e3a-4c6a-9c7e-1d2f3a4b5c6d
    worker_count: 2
    zones:
      - {id: eu-de-1, subnet_id: 02b7-0f1d2c3b-4a59-6e7f-8091-a2b3c4d5e6f7}
    instance: kms-for-clusters
    root_key: prod-eu-3-root-key
"""

RETURN = r"""
worker_pool:
  description: The pool after the task (in check mode, as it would be); empty after O(state=absent).
  returned: always
  type: dict
  contains:
    id:
      description: The pool id (null for a pool check mode only predicts).
      type: str
    name:
      description: The pool name.
      type: str
    flavor:
      description: The worker flavor.
      type: str
    worker_count:
      description: Workers per zone.
      type: int
    vpc_id:
      description: The VPC.
      type: str
    zones:
      description: The zones, each with the subnet of its workers.
      type: list
      elements: dict
    labels:
      description: The workers' labels.
      type: dict
    encryption:
      description: The KMS instance, root key and account that encrypt the boot volumes; null for IBM-managed keys.
      type: dict
      sample:
        instance_id: 12043812-757f-4e1e-8436-6af3245e6a69
        root_key_id: 0792853c-b9f9-4b35-9d9e-ffceab51d3c1
        account_id: null
    state:
      description: Where the pool's workers are (C(deploying), C(deployed)).
      type: str
"""

from typing import Optional

from ansible_collections.ibmcloud.kms.plugins.module_utils import _worker_pools as pools
from ansible_collections.ibmcloud.kms.plugins.module_utils._containers import ContainersClient
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import IBMCloudError, InputError
from ansible_collections.ibmcloud.kms.plugins.module_utils._instances import NEEDS
from ansible_collections.ibmcloud.kms.plugins.module_utils._kms import ACTIVE
from ansible_collections.ibmcloud.kms.plugins.module_utils._module import IBMCloudModule
from ansible_collections.ibmcloud.kms.plugins.module_utils._resource_controller import UUID_RE
from ansible_collections.ibmcloud.kms.plugins.module_utils._root_keys import find_key, open_kms

CHECKS = {"cluster": "not_empty", "name": "not_empty", "instance": "not_empty", "root_key": "not_empty"}


def argument_spec() -> dict:
    return dict(
        cluster=dict(type="str", required=True),
        name=dict(type="str", required=True),
        flavor=dict(type="str"),
        vpc_id=dict(type="str"),
        worker_count=dict(type="int", default=1),
        zones=dict(
            type="list",
            elements="dict",
            options=dict(id=dict(type="str", required=True), subnet_id=dict(type="str", required=True)),
        ),
        labels=dict(type="dict"),
        instance=dict(type="str"),
        root_key=dict(type="str", no_log=False),
        kms_account_id=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
    )


def encryption(module: IBMCloudModule, *, creating: bool) -> Optional[dict]:
    """The pool's encryption by instance guid and key id, as IKS lists them: read in the caller's account (for a
    create, the key must be an active root key); across accounts, as given (a guid or CRN, a key id)."""
    params = module.params
    if not params["instance"]:
        return None
    if params["kms_account_id"]:
        guid = params["instance"].split(":")[7] if params["instance"].startswith("crn:") else params["instance"]
        if not UUID_RE.match(guid or "") or not UUID_RE.match(params["root_key"]):
            raise InputError(
                "With kms_account_id, give instance by guid or CRN and root_key by id. Nothing was changed."
            )
        return pools.encryption_of(guid, params["root_key"], params["kms_account_id"])
    kms = open_kms(module.session, params["instance"])
    by_id = bool(UUID_RE.match(params["root_key"]))
    key = find_key(kms, key_id=params["root_key"] if by_id else None, alias=None if by_id else params["root_key"])
    if creating and (key is None or key.get("state") != ACTIVE):
        raise InputError(
            f"Root key {params['root_key']} is not an active root key of KMS instance {kms.instance_id}; the worker"
            " pool was not created."
        )
    return pools.encryption_of(kms.instance_id, key["id"] if key else params["root_key"], None)


def find_pool(client: ContainersClient, params: dict) -> Optional[dict]:
    """The pool of PARAMS as the cluster lists it now (read again after a create, or after an ambiguous failure)."""
    return pools.find_pool(client.worker_pools(params["cluster"]), params["name"])


def main() -> None:
    module = IBMCloudModule(
        argument_spec(),
        supports_check_mode=True,
        needs=NEEDS,
        checks=CHECKS,
        required_together=[("instance", "root_key")],
    )
    params = module.params
    changed, current, after = False, None, None
    try:
        client = ContainersClient(module.session)
        current = find_pool(client, params)
        after = current
        if params["state"] == "absent":
            if current is not None:
                changed, after = True, None
                if not module.check_mode:
                    client.delete_worker_pool(params["cluster"], current["id"])
        elif current is None:
            body = pools.create_body(params, encryption(module, creating=True))
            changed = True
            after = pools.predicted(body)
            if not module.check_mode:
                client.create_worker_pool(body, lambda: find_pool(client, params))
                after = find_pool(client, params) or after
        else:
            for warning in pools.drift_warnings(current, encryption(module, creating=False)):
                module.warn(warning)
    except IBMCloudError as error:
        module.fail_from_error(error, changed=changed and not module.check_mode)
    result: dict = {"changed": changed, "worker_pool": pools.view(after)}
    if module._diff:
        result["diff"] = {"before": pools.view(current), "after": result["worker_pool"]}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
