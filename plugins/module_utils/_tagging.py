# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""Global Tagging: the user tags of a resource, by CRN.

cluster_kms records on a cluster the root keys it moved the cluster away from, as user tags
``ibmcloud-kms:previous-root-key:<key id>``: no IBM API lists the keys a cluster used before, and a cluster can
never go back to one of them. It also records the key it put the cluster on, ``ibmcloud-kms:root-key:<key id>``: the
registration that shows it in Key Protect is written by the Kubernetes Service in an unpublished shape, and without
it a rerun would not know that the cluster already uses the key.
"""

from __future__ import annotations

import traceback
from typing import Any, Optional

from ansible_collections.ibmcloud.kms.plugins.module_utils._client import Session

TAGGING_IMPORT_ERROR: Optional[str]
try:
    from ibm_platform_services import GlobalTaggingV1
    from ibm_platform_services.global_tagging_v1 import Resource
except ImportError:
    HAS_TAGGING = False
    TAGGING_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_TAGGING = True
    TAGGING_IMPORT_ERROR = None

PREVIOUS_KEY_TAG = "ibmcloud-kms:previous-root-key:"
ROOT_KEY_TAG = "ibmcloud-kms:root-key:"
EDITOR_HINT = "Tagging a cluster needs the Editor platform role on it."


def previous_key_tag(key_id: str) -> str:
    return PREVIOUS_KEY_TAG + key_id.lower()


def root_key_tag(key_id: str) -> str:
    return ROOT_KEY_TAG + key_id.lower()


def recorded_key_ids(tags: list) -> list:
    """The root keys root-key tags name that no previous-root-key tag names: the key the cluster was last put on
    (a switch adds the new key's tag and the old key's previous tag, so nothing has to be detached)."""
    left = set(previous_key_ids(tags))
    return [
        tag[len(ROOT_KEY_TAG) :]
        for tag in tags
        if tag.startswith(ROOT_KEY_TAG) and tag[len(ROOT_KEY_TAG) :] not in left
    ]


def previous_key_ids(tags: list) -> list:
    """The root key ids named by previous-root-key tags (tag names are lower-case)."""
    return [tag[len(PREVIOUS_KEY_TAG) :] for tag in tags if tag.startswith(PREVIOUS_KEY_TAG)]


class TaggingClient:
    def __init__(self, session: Session) -> None:
        self.session = session

    @property
    def client(self) -> Any:
        return self.session.service(GlobalTaggingV1, self.session.url("global_tagging"))

    def tags_of(self, crn: str) -> list:
        """The user tags attached to a resource (IBM allows at most 1000, one page)."""
        result = (
            self.session.call(
                lambda: self.client.list_tags(attached_to=crn, tag_type="user", limit=1000),
                method="GET",
                what="list tags",
            )
            or {}
        )
        return [item["name"] for item in result.get("items") or []]

    def attach(self, crn: str, names: list) -> None:
        """Attach user tags (attaching a tag twice changes nothing, so a retry is safe)."""
        self.session.call(
            lambda: self.client.attach_tag(resources=[Resource(resource_id=crn)], tag_names=names, tag_type="user"),
            method="POST",
            what="attach tags",
            hint=EDITOR_HINT,
            idempotent=True,
        )
