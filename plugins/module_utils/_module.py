# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""IBMCloudModule: AnsibleModule with the shared options, one session, and one error boundary."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Callable, Dict, NoReturn, Optional, Union

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.ibmcloud.kms.plugins.module_utils._argspec import with_auth
from ansible_collections.ibmcloud.kms.plugins.module_utils._client import (
    HAS_SDK,
    SDK_IMPORT_ERROR,
    ConnectionSettings,
    Session,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._endpoints import check_overrides
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import IBMCloudError
from ansible_collections.ibmcloud.kms.plugins.module_utils._validate import AUTH_CHECKS, KMS_ACCOUNT_CHECKS, validate
from ansible_collections.ibmcloud.kms.plugins.module_utils._wait import run_each

# Shown once per run: ansible-core shows a warning text it has shown before only once.
NO_CERT_CHECK_WARNING = (
    "validate_certs=false: the TLS certificates of the IBM Cloud endpoints are not verified, so the API key and "
    "tokens can be read by whoever sits between this host and IBM Cloud. Set ca_path to a CA bundle instead."
)
Checks = Union[Dict[str, Any], Callable[[Any], Dict[str, Any]]]


class IBMCloudModule(AnsibleModule):
    def __init__(
        self, argument_spec: dict, *, needs: Optional[dict] = None, checks: Optional[Checks] = None, **kwargs: Any
    ) -> None:
        """``needs`` maps extra Python packages the module uses to (available, import traceback); ``checks`` maps
        options to the kind of value they take (_validate.KINDS), or is a function of the module that does;
        they and the shared options are checked before anything else happens."""
        super().__init__(argument_spec=with_auth(argument_spec), **kwargs)
        requirements = {"ibm-cloud-sdk-core": (HAS_SDK, SDK_IMPORT_ERROR)}
        requirements.update(needs or {})
        for package, (available, error) in requirements.items():
            if not available:
                self.fail_json(msg=missing_required_lib(package), exception=error)
        own = (checks(self) if callable(checks) else checks) or {}
        shared = {**AUTH_CHECKS, **(KMS_ACCOUNT_CHECKS if "kms_account_id" in self.params else {})}
        try:
            validate(self.params, {**shared, **own})
            check_overrides(self.params["endpoints"])
        except IBMCloudError as error:
            self.fail_from_error(error)
        if not self.params["validate_certs"]:
            self.warn(NO_CERT_CHECK_WARNING)
        self._session: Optional[Session] = None
        self._kms_session: Optional[Session] = None

    if TYPE_CHECKING:  # ansible-core ships no type information; its fail_json never returns

        def fail_json(self, msg: str, **kwargs: Any) -> NoReturn: ...

    @property
    def session(self) -> Session:
        """The connection to IBM Cloud (created on first use; raises InputError on bad settings)."""
        if self._session is None:
            self._session = Session(ConnectionSettings.from_params(self.params), log=self.log)
        return self._session

    @property
    def kms_session(self) -> Optional[Session]:
        """The KMS account's own connection (O(kms_api_key) / O(kms_iam_token)); None when neither is given.

        The same connection settings as the caller's session, with the KMS account's credentials only: the
        caller's api_key and iam_token are not used for it.
        """
        api_key, iam_token = self.params.get("kms_api_key"), self.params.get("kms_iam_token")
        if self._kms_session is None and (api_key or iam_token):
            settings = replace(
                ConnectionSettings.from_params(self.params),
                api_key=api_key,
                iam_token=iam_token,
                auth_type=None,  # the KMS account's own key or token, never the caller's trusted profile
                trusted_profile=None,
                cr_token_filename=None,
            )
            self._kms_session = Session(settings, log=self.log, prefix="kms_")
        return self._kms_session

    def fail_from_error(self, error: IBMCloudError, **result: Any) -> NoReturn:
        """The one place an IBMCloudError becomes a task failure (``changed`` when a change was accepted before it)."""
        details = error.as_result()
        if details:
            result["error"] = details
        self.fail_json(msg=error.describe(), changed=error.changed or result.pop("changed", False), **result)


def run_many(
    module: IBMCloudModule,
    items: list,
    work: Callable[[dict, list], dict],
    *,
    option: str,
    label: Callable[[dict], str],
    noun: str,
    at_once: int,
    start: Optional[Callable[[dict], dict]] = None,
) -> tuple:
    """A list option (several clusters or keys in one run): WORK(params, warnings) for each of ITEMS, up to AT_ONCE at
    once, each with its own outcome, or its failure (the others go on). (result, the failure message when an item
    failed, else None): the result has ``changed`` and OPTION (each item's outcome, with its ``id``, ``failed``, ``msg``
    when failed, and START's keys); a ``diff`` WORK returns becomes one of the task's diffs, headed by LABEL; warnings
    are prefixed by LABEL."""

    def one(params: dict) -> tuple:
        warnings: list = []
        outcome: Dict[str, Any] = {"id": params.get("id"), **(start(params) if start else {}), "failed": False}
        try:
            outcome.update(work(params, warnings))
        except IBMCloudError as error:
            outcome.update(failed=True, changed=error.changed, msg=error.describe())
            if error.as_result():
                outcome["error"] = error.as_result()
        return outcome, warnings

    outcomes, diffs = [], []
    for params, (outcome, warnings) in zip(items, run_each(one, items, at_once=at_once)):
        for warning in warnings:
            module.warn(f"{label(params)}: {warning}")
        diff = outcome.pop("diff", None)
        if diff:
            diffs.append({"before_header": label(params), "after_header": label(params), **diff})
        outcomes.append(outcome)
    result: Dict[str, Any] = {"changed": any(outcome["changed"] for outcome in outcomes), option: outcomes}
    if module._diff:
        result["diff"] = diffs
    failed = [(label(params), outcome["msg"]) for params, outcome in zip(items, outcomes) if outcome["failed"]]
    if not failed:
        return result, None
    reasons = "; ".join(f"{name}: {message}" for name, message in failed)
    return result, f"{len(failed)} of {len(outcomes)} {noun} failed. {reasons}"
