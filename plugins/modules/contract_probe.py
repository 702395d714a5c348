#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: contract_probe
short_description: Report, redacted, what IBM Cloud answers where IBM publishes no contract
version_added: 0.2.0
description:
  - For maintainers and users who want to settle what the collection could only assume. Reads, never changes
    anything, and returns a report of what IBM Cloud answers to each question IBM's public API documentation leaves
    open (see the collection's C(tests/emulator/docs/contracts.md)).
  - For each cluster, the shape of the C(resourceCrn) of the Key Protect registrations the Kubernetes Service wrote
    for it, and whether their C(keyVersion) is the root key's current version (and how long ago the key was rotated);
    what C(GET /v1/logging/{cluster}/clusterkeyowner) answers (status, field names, kind of id).
  - For each Hyper Protect Crypto Services instance, whether a key read is answered or refused, with which status
    and codes.
  - The report holds no API key, token, account id, e-mail address, name or id of a cluster, instance or key; each is
    replaced by a placeholder (C(<account>), C(<cluster-1>), C(<key-1>), C(<instance-1>), C(<id>) for any other id
    in a CRN), and free text such as error messages is left out.
  - The playbook C(ibmcloud.kms.probe) runs this module and writes the report to a JSON file; the collection's
    emulator (C(ibmcloud-emulator check-probe FILE)) says which of its contract choices each answer matches.
author:
  - ibmcloud.kms maintainers (@ibmcloud-kms)
options:
  clusters:
    description: The clusters to probe, by name or id; for the registration questions, clusters with KMS enabled.
    type: list
    elements: str
    required: true
  instances:
    description:
      - The KMS instances (guid, name or CRN) to read registrations from, and the HPCS instances to probe.
      - Defaults to every active Key Protect and Hyper Protect Crypto Services instance the caller can see.
    type: list
    elements: str
extends_documentation_fragment:
  - ibmcloud.kms.auth
  - ibmcloud.kms.attributes.INFO_MODULE
notes:
  - Whether IBM's Kubernetes Service refuses a root key a cluster used before with a particular code cannot be
    probed without a change, so it is listed under RV(report.not_probed).
seealso:
  - module: ibmcloud.kms.cluster_kms_info
"""

EXAMPLES = r"""
- name: Probe what IBM Cloud answers for one encrypted cluster
  ibmcloud.kms.contract_probe:
    clusters: [my-cluster]
  register: probe

- name: Keep the redacted report
  ansible.builtin.copy:
    content: "{{ probe.report | to_nice_json }}"
    dest: ibmcloud-kms-probe.json
    mode: "0644"
"""

RETURN = r"""
report:
  description: The redacted answers.
  returned: success
  type: dict
  contains:
    version: {description: The report format version., type: int, sample: 1}
    clusters:
      description: One entry per cluster asked for, in the order given.
      type: list
      elements: dict
      sample:
        - cluster: "<cluster-1>"
          found: true
          kms_enabled: true
          registrations:
            - resource_crn: "crn:v1:bluemix:public:containers-kubernetes:us-south:a/<account>:<cluster-id-1>::"
              key: "<key-1>"
              key_version: current
              hours_since_rotation: 30.5
          key_owner: {status: 200, fields: [email, id, name], id_kind: IBMid}
    hpcs_instances:
      description: One entry per HPCS instance probed.
      type: list
      elements: dict
      sample:
        - instance: "<instance-1>"
          key_read: {status: 400, codes: [KEY_ACTION_INVALID_STATE_ERR], not_initialized: true}
    not_probed:
      description: What the probe cannot learn by reading, and why.
      type: dict
"""

from typing import Optional

from ansible_collections.ibmcloud.kms.plugins.module_utils._cluster_kms import crn_service_name, instances_to_search
from ansible_collections.ibmcloud.kms.plugins.module_utils._containers import ContainersClient, kms_enabled
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import IBMCloudError
from ansible_collections.ibmcloud.kms.plugins.module_utils._instances import NEEDS
from ansible_collections.ibmcloud.kms.plugins.module_utils._kms import KmsClient, format_time, is_uninitialized
from ansible_collections.ibmcloud.kms.plugins.module_utils._module import IBMCloudModule
from ansible_collections.ibmcloud.kms.plugins.module_utils._probe import (
    Redactor,
    key_read_evidence,
    owner_answer,
    registration_evidence,
    report,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._resource_controller import ResourceClient

CHECKS = {"clusters": "not_empty", "instances": "not_empty"}


def argument_spec() -> dict:
    return dict(
        clusters=dict(type="list", elements="str", required=True),
        instances=dict(type="list", elements="str"),
    )


def error_codes(error: IBMCloudError) -> list:
    return [str(code) for code in [error.code] + [r.get("code") for r in error.reasons] if code]


class Probe:
    """What the module reads, once each: the instances' registrations and keys, the clusters, the owner answers."""

    def __init__(self, module: IBMCloudModule) -> None:
        self.module, self.session = module, module.session
        self.redact = Redactor()
        self.redact.fixed(self.session.account_id, "<account>")
        self.containers = self.session.shared(ContainersClient)
        self.registrations: list = []  # (instance, KmsClient, registrations)
        self.hpcs: list = []
        self.keys: dict = {}
        self.cluster_names: list = []

    def read_instances(self) -> None:
        account = self.session.account_id
        searched = instances_to_search(ResourceClient(self.session), self.module.params["instances"], account, account)
        for instance in searched:
            placeholder = self.redact.name(instance["guid"], "instance")
            self.redact.fixed(instance.get("name"), placeholder or "<instance>")
            kms = KmsClient(self.session, instance)
            try:
                found = kms.registrations()
            except IBMCloudError as error:
                if crn_service_name(instance) == "hs-crypto":
                    evidence = key_read_evidence(error.status or 0, error_codes(error), is_uninitialized(error))
                    self.hpcs.append({"instance": placeholder, "key_read": evidence})
                else:
                    self.module.warn(f"The registrations of KMS instance {placeholder} could not be read; skipped.")
                continue
            if crn_service_name(instance) == "hs-crypto":
                self.hpcs.append({"instance": placeholder, "key_read": key_read_evidence(200, [], False)})
            self.registrations.append((instance, kms, found))

    def key(self, kms: KmsClient, key_id: str) -> Optional[dict]:
        if key_id not in self.keys:
            try:
                self.keys[key_id] = kms.get_key(key_id)
            except IBMCloudError:
                self.keys[key_id] = None
        return self.keys[key_id]

    def cluster(self, ref: str) -> dict:
        found = self.containers.get_cluster(ref)
        if found is None:
            return {"cluster": "<not-found>", "found": False}
        number = len(self.cluster_names) + 1
        self.redact.fixed(found["id"], f"<cluster-id-{number}>")
        for name in {found.get("name"), ref} - {found["id"], None}:
            self.redact.fixed(name, f"<cluster-{number}>")
        self.cluster_names.append(found.get("name"))
        now = self.session.now()
        mine = [
            registration_evidence(r, self.key(kms, r.get("keyId") or ""), self.redact, now)
            for _instance, kms, found_registrations in self.registrations
            for r in found_registrations
            if found["id"] in str(r.get("resourceCrn") or "")
        ]
        return {
            "cluster": f"<cluster-{len(self.cluster_names)}>",
            "found": True,
            "kms_enabled": kms_enabled(found),
            "registrations": mine,
            "key_owner": self.owner(found["id"]),
        }

    def owner(self, cluster_id: str) -> dict:
        try:
            return owner_answer(200, self.containers.cluster_key_owner_answer(cluster_id))
        except IBMCloudError as error:
            return owner_answer(error.status or 0, None)


def main() -> None:
    module = IBMCloudModule(argument_spec(), supports_check_mode=True, needs=NEEDS, checks=CHECKS)
    try:
        probe = Probe(module)
        probe.read_instances()
        clusters = [probe.cluster(ref) for ref in module.params["clusters"]]
        generated = format_time(module.session.now())
    except IBMCloudError as error:
        module.fail_from_error(error)
    module.exit_json(changed=False, report=report(clusters, probe.hpcs, generated))


if __name__ == "__main__":
    main()
