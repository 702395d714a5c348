# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: setup_summary
short_description: The summary the cluster_encryption role keeps for a cluster
version_added: 0.2.0
description:
  - Builds the fact C(cluster_encryption_summary) that the cluster_encryption role sets for each cluster, from what
    the role's steps found and did, in one call (the role's decisions are Python, not Jinja).
  - The cluster's KMS view after the steps is what a read back found (O(read_back)), else what the enable step saw
    after its wait (O(enable_result), not in check mode), else what the first read found (the input).
  - Adds whether the cluster ended encrypted with the intended, healthy root key (RV(_value.problem)) and the lines the
    role shows (RV(_value.lines)).
author:
  - ibmcloud.kms maintainers (@ibmcloud-kms)
positional: _input
options:
  _input:
    description:
      - What the first read found for the cluster (an item of
        RV(ibmcloud.kms.prerequisites_info#module:clusters)), which holds its instance, its root key, its KMS view and
        the prerequisites that could not be verified.
    type: dict
    required: true
  cluster:
    description: The cluster's name.
    type: str
    required: true
  check_mode:
    description:
      - Whether the run is a check-mode run. A change that check mode predicts (to the instance, the key or KMS) means
        that the cluster is not encrypted yet, which is then no problem.
    type: bool
    required: true
  service:
    description: "The instance's service: V(key-protect) or V(hs-crypto)."
    type: str
    required: true
  kms_instance:
    description:
      - The KMS instance the cluster uses (C(guid) and C(name); no C(guid) for one that check mode would create).
    type: dict
    required: true
  key_name:
    description: The name of the root key to show when no key was found or made.
    type: str
    required: true
  key_result:
    description:
      - This cluster's outcome of M(ibmcloud.kms.root_key) (an item of RV(ibmcloud.kms.root_key#module:root_keys));
        empty when the root key step did not run for it.
    type: dict
  enable_result:
    description:
      - This cluster's outcome of M(ibmcloud.kms.cluster_kms) (an item of RV(ibmcloud.kms.cluster_kms#module:clusters)),
        whose view after the wait is the cluster's view unless a read back or check mode says otherwise; empty when the
        enable step did not run for it.
    type: dict
  read_back:
    description:
      - What M(ibmcloud.kms.cluster_kms_info) read back (its RV(ibmcloud.kms.cluster_kms_info#module:clusters)); empty
        when it did not run.
    type: list
    elements: dict
  authorization_results:
    description: The results of the authorization step's loop.
    type: list
    elements: dict
  authorization_target:
    description: The authorization this cluster needed (an item of that loop); null when none.
    type: dict
"""

EXAMPLES = r"""
- name: Keep a summary of what was found and done (as the cluster_encryption role does)
  ansible.builtin.set_fact:
    summary: >-
      {{ read.clusters[0] | ibmcloud.kms.setup_summary(cluster='prod-eu-3', check_mode=ansible_check_mode,
      service='key-protect', kms_instance=read.clusters[0].instance, key_name='prod-eu-3-crk') }}
"""

RETURN = r"""
_value:
  description: The summary.
  type: dict
  contains:
    cluster:
      description: The cluster's name.
      type: str
    check_mode:
      description: Whether the run was a check-mode run.
      type: bool
    instance:
      description: "The instance: C(guid), C(name), C(service), C(created)."
      type: dict
    root_key:
      description: "The root key: C(id), C(name), C(state), C(expiration_date), C(created)."
      type: dict
    authorization_created:
      description: Whether this cluster's authorization was created (or would be).
      type: bool
    kms_changed:
      description: Whether KMS was enabled or switched (or would be).
      type: bool
    enabled:
      description: Whether KMS is on.
      type: bool
    cluster_root_key_id:
      description: The root key the cluster uses.
      type: str
    root_key_days_until_expiration:
      description: Whole days until that key expires; null when it does not.
      type: int
    master_status:
      description: The master status.
      type: str
    healthy:
      description: Whether KMS is on with an active root key and a healthy master.
      type: bool
    problems:
      description: Why the cluster is not healthy.
      type: list
      elements: str
    unverified_prerequisites:
      description: The prerequisites that could not be verified.
      type: list
      elements: str
    problem:
      description:
        - Why the cluster is not encrypted with the intended, healthy root key.
        - Null when it is, and in a check-mode run that predicts a change.
      type: str
    lines:
      description: What was found and done, in four lines.
      type: list
      elements: str
"""

from typing import Any, Callable, Dict

from ansible_collections.ibmcloud.kms.plugins.plugin_utils._summary import summary


def setup_summary(view: Any, **details: Any) -> dict:
    return summary(view, **details)


class FilterModule:
    def filters(self) -> Dict[str, Callable[..., Any]]:
        return {"setup_summary": setup_summary}
