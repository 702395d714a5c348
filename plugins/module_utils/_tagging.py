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

import re
import traceback
from typing import Any, Optional

from ansible_collections.ibmcloud.kms.plugins.module_utils._client import Session
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import IBMCloudError

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
INSTANCE_EDITOR_HINT = "Tagging a KMS instance needs the Editor platform role on it."
# Global Tagging's user tag names: 1 to 128 letters, digits, spaces, _ - . and : (``key:value``); stored lower-case.
TAG_NAME = re.compile(r"^[A-Za-z0-9 _.:-]{1,128}$")


def bad_tags(tags: list) -> list:
    """The tag names Global Tagging would refuse."""
    return [str(tag) for tag in tags if not TAG_NAME.match(str(tag).strip())]


def tag_changes(current: list, wanted: list, *, purge: bool) -> tuple:
    """(tags to attach, tags to detach) so that a resource with CURRENT user tags has WANTED, and only those with
    PURGE; tag names compare as Global Tagging stores them, trimmed and lower-case."""
    have = {str(tag).strip().lower() for tag in current}
    want = list(dict.fromkeys(str(tag).strip().lower() for tag in wanted))
    attach = [tag for tag in want if tag not in have]
    detach = sorted(tag for tag in have if tag not in want) if purge else []
    return attach, detach


def tags_after(current: list, attach: list, detach: list) -> list:
    return sorted(({str(tag).strip().lower() for tag in current} | set(attach)) - set(detach))


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

    def attach(self, crn: str, names: list, hint: str = EDITOR_HINT) -> None:
        """Attach user tags (attaching a tag twice changes nothing, so a retry is safe)."""
        self._change("attach", self.client.attach_tag, crn, names, hint)

    def detach(self, crn: str, names: list, hint: str = EDITOR_HINT) -> None:
        """Detach user tags (detaching a tag the resource does not have changes nothing, so a retry is safe)."""
        self._change("detach", self.client.detach_tag, crn, names, hint)

    def _change(self, verb: str, call: Any, crn: str, names: list, hint: str) -> None:
        result = self.session.call(
            lambda: call(resources=[Resource(resource_id=crn)], tag_names=names, tag_type="user"),
            method="POST",
            what=f"{verb} tags",
            hint=hint,
            idempotent=True,
        )
        refused(result, verb, crn, hint)


def refused(result: Any, verb: str, crn: str, hint: str) -> None:
    """Global Tagging answers 200 with ``results[].is_error`` for a resource it did not tag: that is a failure too."""
    for one in (result or {}).get("results") or [] if isinstance(result, dict) else []:
        if one.get("is_error"):
            message = one.get("message") or "no reason given"
            raise IBMCloudError(f"Global Tagging did not {verb} the tags of {crn}: {message}", hint=hint)
