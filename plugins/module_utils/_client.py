# -*- coding: utf-8 -*-
# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE to the collection; may change in any release.
"""The shared client layer: IAM authentication, endpoints, error translation and retries.

Nothing here depends on AnsibleModule, so it can be used and unit tested on its own.
"""

from __future__ import annotations

import json
import time
import traceback
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Dict, Optional, TypeVar

from ansible_collections.ibmcloud.kms.plugins.module_utils import _auth
from ansible_collections.ibmcloud.kms.plugins.module_utils._endpoints import check_overrides, service_url
from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import (
    CertificateError,
    ForbiddenError,
    IBMCloudError,
    InputError,
    TransportError,
    UnauthorizedError,
    error_from_response,
)
from ansible_collections.ibmcloud.kms.plugins.module_utils._retry import RetryPolicy

SDK_IMPORT_ERROR: Optional[str]
try:
    import jwt
    import requests
    from ibm_cloud_sdk_core import ApiException, BaseService
    from ibm_cloud_sdk_core import http_adapter as sdk_http_adapter
    from requests.adapters import HTTPAdapter
except ImportError:
    HAS_SDK = False
    SDK_IMPORT_ERROR = traceback.format_exc()
    BaseService = object
else:
    HAS_SDK = True
    SDK_IMPORT_ERROR = None


def share_tls_context() -> None:
    """Let the sdk-core clients of one module run share one SSL context per verification setting.

    Every sdk-core client mounts a new ``SSLHTTPAdapter``, which loads the CA bundle into a new SSL context: about 30 ms
    of CPU each, more than most calls, and one module run makes up to eight clients. The first adapter of each setting
    builds its context as sdk-core does; later ones reuse it. Where sdk-core has no such adapter, nothing changes."""
    adapter = getattr(sdk_http_adapter, "SSLHTTPAdapter", None) if HAS_SDK else None
    if adapter is None or getattr(adapter, "shared_context", False):
        return
    build = adapter.init_poolmanager
    contexts: dict = {}

    def init_poolmanager(self: Any, *args: Any, **kwargs: Any) -> None:
        key = bool(getattr(self, "_disable_ssl_verification", False))
        if key in contexts:
            HTTPAdapter.init_poolmanager(self, *args, ssl_context=contexts[key], **kwargs)
            return
        build(self, *args, **kwargs)
        context = getattr(self, "poolmanager", None) and self.poolmanager.connection_pool_kw.get("ssl_context")
        if context is not None:
            contexts[key] = context

    adapter.init_poolmanager = init_poolmanager
    adapter.shared_context = True


share_tls_context()
T = TypeVar("T")
USER_AGENT = "ibmcloud.kms-ansible-collection"
# A given iam_token counts as expired this long before its exp claim, so that it does not expire between the
# check and the call (sdk-core adds its own 10-second window on top).
TOKEN_EXPIRY_MARGIN = 60


@dataclass
class ConnectionSettings:
    api_key: Optional[str] = None
    iam_token: Optional[str] = None
    region: str = "us-south"
    endpoint_type: str = "public"
    endpoints: dict = field(default_factory=dict)
    validate_certs: bool = True
    ca_path: Optional[str] = None
    timeout: int = 60
    retries: int = 5
    auth_type: Optional[str] = None  # _auth.auth_type() derives it when not given
    trusted_profile: Optional[str] = None  # by id, name or CRN (_auth.profile_by)
    cr_token_filename: Optional[str] = None

    @property
    def renewable(self) -> bool:
        """Whether a new token can be had (an API key or a trusted profile), not only the given iam_token."""
        return _auth.auth_type(self) != _auth.TOKEN_ONLY

    @classmethod
    def from_params(cls, params: dict) -> "ConnectionSettings":
        return cls(**{name: params[name] for name in cls.__dataclass_fields__ if params.get(name) is not None})


def decode_result(result: Any) -> Any:
    """sdk-core decodes only application/json; Key Protect answers application/vnd.ibm.kms.*+json."""
    if HAS_SDK and isinstance(result, requests.Response):
        return json.loads(result.text) if result.text else None
    return result


def translate(exc: Exception) -> IBMCloudError:
    """Turn an sdk-core or requests exception into the collection's error family."""
    if isinstance(exc, IBMCloudError):
        return exc
    if HAS_SDK and isinstance(exc, ApiException):
        response = exc.http_response
        request = getattr(response, "request", None)
        return error_from_response(
            exc.status_code,
            getattr(response, "text", "") or "",
            getattr(response, "headers", {}) or {},
            method=getattr(request, "method", None),
            url=_safe_url(getattr(request, "url", None)),
        )
    if HAS_SDK and isinstance(exc, requests.exceptions.RequestException):
        request = getattr(exc, "request", None)
        where: Dict[str, Any] = dict(
            method=getattr(request, "method", None), url=_safe_url(getattr(request, "url", None))
        )
        if isinstance(exc, requests.exceptions.SSLError):
            hint = "Set ca_path to the CA bundle that signed it (validate_certs=false only for testing)."
            return CertificateError("the server's TLS certificate could not be verified", hint=hint, **where)
        return TransportError(f"no answer from the server ({type(exc).__name__})", **where)
    raise exc


def _safe_url(url: Optional[str]) -> Optional[str]:
    """The URL without its query string (queries may carry names, never secrets, but keep messages short)."""
    return url.split("?", 1)[0] if url else url


def _token_claims(token: str, option: str = "iam_token") -> dict:
    try:
        return jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise InputError(f"{option} is not a valid IAM access token (JWT).") from None


def preload_token(manager: Any, token: str) -> None:
    """Make an sdk-core IAM token manager use ``token`` until it expires, then fetch one with the API key.

    ``expire_time`` comes from the token's exp claim (less a margin) against this host's clock; a token without
    exp cannot be judged, so the API key is used at once. ``refresh_time`` is set to the same moment: otherwise
    sdk-core's get_token() refreshes a token past 80 % of its life (in sdk-core 3.28, with a request made inside
    get_token()), which would ask IAM for a token while the given one is still valid.
    """
    try:
        expires = int(_token_claims(token).get("exp") or 0)
    except (TypeError, ValueError):
        expires = 0
    if not expires:
        return
    manager.access_token = token
    manager.token_info = {"access_token": token}
    manager.expire_time = expires - TOKEN_EXPIRY_MARGIN
    manager.refresh_time = manager.expire_time


def forget_token(manager: Any) -> None:
    """Make the next get_token() ask IAM for a new token (after a 401, or when a fresh token is wanted)."""
    manager.expire_time = 0
    manager.refresh_time = 0
    manager.access_token = None


def token_facts(token: str) -> dict:
    """An access token with its issue and expiry times (ISO 8601 UTC), account and identity, read from its claims."""
    claims = _token_claims(token)
    return {
        "iam_token": token,
        "expires_at": _claim_time(claims, "exp"),
        "issued_at": _claim_time(claims, "iat"),
        "account_id": (claims.get("account") or {}).get("bss"),
        "iam_id": claims.get("iam_id"),
    }


def _claim_time(claims: dict, name: str) -> Optional[str]:
    """A time claim (seconds since the epoch) as ISO 8601 UTC; None when missing or unreadable."""
    try:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(claims[name])))
    except (KeyError, TypeError, ValueError, OverflowError):
        return None


def new_token(settings: ConnectionSettings, **session_options: Any) -> dict:
    """A new IAM access token from the API key or the trusted profile (a given iam_token is not used), with
    token_facts()."""
    if not settings.renewable:
        raise InputError(
            "Getting an IAM token needs an API key (api_key, or the IC_API_KEY / IBMCLOUD_API_KEY environment"
            " variable) or a trusted profile (trusted_profile, with auth_type container or vpc)."
        )
    return token_facts(Session(replace(settings, iam_token=None), **session_options).access_token())


def _key_protect_refusal(error: IBMCloudError) -> bool:
    """Key Protect's 401 (reason UNAUTHORIZED_ERR): an invalid or expired token, or no access to the instance."""
    return isinstance(error, UnauthorizedError) and error.code == "UNAUTHORIZED_ERR"


def access_denied(error: IBMCloudError) -> ForbiddenError:
    """A 401 answered to a valid token: the caller lacks access, the credentials are fine.

    Key Protect answers 401 UNAUTHORIZED_ERR "The user does not have access to the specified resource" when the
    caller lacks a service role on the instance (and when the instance is unknown or not active), not 403 (Key
    Protect's error-messages doc). The status stays 401; the role hint of the call is added like to a 403.
    """
    denied = ForbiddenError(
        error.message,
        status=error.status,
        code=error.code,
        trace=error.trace,
        method=error.method,
        url=error.url,
        reasons=error.reasons,
        details=error.details,
    )
    denied.hint = error.hint
    return denied


def _with_hint(error: IBMCloudError, role_hint: Optional[str], prefix: str = "") -> IBMCloudError:
    if isinstance(error, ForbiddenError):
        return error.with_hint(role_hint)
    if isinstance(error, UnauthorizedError):
        return error.with_hint(
            f"IBM Cloud did not accept the credentials: check {prefix}api_key, or renew "
            f"{prefix}iam_token (IAM tokens expire after an hour; with {prefix}api_key set too, "
            "they are renewed automatically). Key Protect and Hyper Protect Crypto Services also answer 401 for an "
            "instance that is still provisioning: wait until it is active (kms_instance with wait=true does)."
        )
    return error


# The paths of token requests: IAM's (API key and compute resource token grants) and the VPC Instance Metadata
# Service's (ibm-cloud-sdk-core VPCInstanceTokenManager, both API versions).
TOKEN_PATHS = ("/identity/token", "/oidc/token", "/identity/v1/token", "/identity/v1/iam_tokens")


class Session:
    """One authenticated connection to IBM Cloud, shared by every client of a module run.

    ``prefix`` is put before the names of the credential options in messages: a second session made from other
    options (``kms_api_key`` and ``kms_iam_token`` for the KMS account) says which credentials to check.
    """

    def __init__(
        self,
        settings: ConnectionSettings,
        *,
        log: Optional[Callable[[str], None]] = None,
        sleep: Callable[[float], None] = time.sleep,
        prefix: str = "",
    ) -> None:
        self.prefix = prefix
        _auth.check(settings)
        if settings.endpoint_type not in ("public", "private"):
            raise InputError(f"endpoint_type must be public or private, not {settings.endpoint_type!r}.")
        check_overrides(settings.endpoints)
        if settings.iam_token:
            _token_claims(settings.iam_token, f"{prefix}iam_token")
        self.settings = settings
        self.log = log or (lambda _msg: None)
        self.retry = RetryPolicy(attempts=settings.retries + 1, sleep=sleep, log=self.log)
        self.http_config: dict[str, Any] = {"timeout": settings.timeout}
        if settings.ca_path and settings.validate_certs:
            self.http_config["verify"] = settings.ca_path
        self.authenticator = self._authenticator()
        self._services: dict = {}

    def _authenticator(self) -> Any:
        authenticator = _auth.authenticator(self.settings, iam_url=self.url("iam"), vpc_url=self.url("vpc_metadata"))
        if not self.settings.renewable:
            return authenticator
        authenticator.token_manager.http_config = dict(self.http_config)
        if self.settings.iam_token:
            preload_token(authenticator.token_manager, self.settings.iam_token)
        return authenticator

    # -- endpoints and clients ------------------------------------------------------
    def url(self, service: str) -> str:
        return service_url(
            service,
            region=self.settings.region,
            endpoint_type=self.settings.endpoint_type,
            overrides=self.settings.endpoints,
        )

    def service(self, factory: Callable[..., Any], url: str) -> Any:
        """The sdk-core service FACTORY makes, for URL, configured: one per session, made when first asked for (each
        one made loads the CA bundle, which costs more than most calls)."""
        key = (factory, url)
        if key not in self._services:
            self._services[key] = self.configure(factory(authenticator=self.authenticator), url)
        return self._services[key]

    def shared(self, factory: Callable[..., T], *args: Any) -> T:
        """FACTORY(self, *args), one per session: the collection's clients, which are sdk-core services too."""
        key = (factory, *args)
        if key not in self._services:
            self._services[key] = factory(self, *args)
        return self._services[key]

    def configure(self, client: Any, url: str) -> Any:
        client.set_service_url(url)
        client.set_http_config(dict(self.http_config))
        client.set_disable_ssl_verification(not self.settings.validate_certs)
        client.set_default_headers({"User-Agent": USER_AGENT})
        return client

    # -- identity -------------------------------------------------------------------
    def access_token(self) -> str:
        if not self.settings.renewable:
            return self.settings.iam_token or ""
        return self.retry.run(self._fetch_token, idempotent=True, what="IAM token")

    def _fetch_token(self) -> str:
        try:
            return self.authenticator.token_manager.get_token()
        except Exception as exc:  # sdk-core raises ApiException, requests exceptions, or Exception (a CR token file)
            self._token_request_over()
            raise self._failure(exc, token_request=True) from None

    def _failure(self, exc: Exception, *, token_request: bool = False) -> IBMCloudError:
        """EXC in the collection's error family. A token request that failed (made here, or by sdk-core inside a
        call) says what to check of the credentials; sdk-core's plain Exception for an unreadable CR token file
        becomes an error too, never a traceback."""
        hint = _auth.refusal_hint(_auth.auth_type(self.settings), self.prefix)
        if HAS_SDK and not isinstance(exc, (ApiException, requests.exceptions.RequestException, IBMCloudError)):
            return IBMCloudError(f"No IAM token: {exc}", hint=hint)
        error = translate(exc)
        if (token_request or self._from_token_service(error)) and error.status in (400, 401):
            error.hint = hint
        return error

    @staticmethod
    def _from_token_service(error: IBMCloudError) -> bool:
        """Whether ERROR is the answer of IAM's token endpoint or of the VPC Instance Metadata Service (by path: one
        host may serve every service, as behind a proxy)."""
        return (error.url or "").endswith(TOKEN_PATHS) or "/instance_identity/v1/" in (error.url or "")

    def claims(self) -> dict:
        return _token_claims(self.access_token(), f"{self.prefix}iam_token")

    def now(self) -> float:
        """Now, by the later of this host's clock and the IAM token's issue time.

        Key Protect decides expiry and the rotation limit by IBM's clock; a fresh IAM token carries that
        clock, which protects predictions (days until expiration, next rotation) from a host clock that runs late.
        """
        try:
            issued = float(self.claims().get("iat") or 0)
        except (InputError, TypeError, ValueError):
            issued = 0.0
        return max(time.time(), issued)

    @property
    def account_id(self) -> str:
        return (self.claims().get("account") or {}).get("bss", "")

    # -- calls ----------------------------------------------------------------------
    def call(
        self,
        fn: Callable[[], Any],
        *,
        method: str,
        what: str,
        hint: Optional[str] = None,
        idempotent: Optional[bool] = None,
    ) -> Any:
        """Run one API call under the retry policy; the result is decoded JSON (or None).

        ``hint`` names the IAM role the call needs; it is added to a 403. Calls other than POST are idempotent
        unless ``idempotent`` says otherwise (a POST that repeats harmlessly may say so).
        """
        repeatable = method.upper() != "POST" if idempotent is None else idempotent
        try:
            return self.retry.run(lambda: self._invoke(fn), idempotent=repeatable, what=what)
        except IBMCloudError as error:
            raise _with_hint(error, hint, self.prefix) from None

    def create(
        self, fn: Callable[[], Any], find: Callable[[], Optional[Any]], *, what: str, hint: Optional[str] = None
    ) -> Any:
        """A create: never retried blind; after an ambiguous failure ``find`` looks first."""
        try:
            return self.retry.create(lambda: self.call(fn, method="POST", what=what), find, what=what)
        except IBMCloudError as error:
            raise _with_hint(error, hint, self.prefix) from None

    def _invoke(self, fn: Callable[[], Any]) -> Any:
        try:
            return decode_result(fn().get_result())
        except Exception as exc:  # noqa: BLE001 - translated into the error family below
            self._token_request_over()
            error = self._failure(exc)
        if isinstance(error, UnauthorizedError) and self.settings.renewable and not self._from_token_service(error):
            # The token expired or was revoked between calls: fetch a new one once, then try again.
            self.log("401 from the API: refreshing the IAM token once")
            forget_token(self.authenticator.token_manager)
            self._fetch_token()  # a refused API key fails here, with its own hint
            try:
                return decode_result(fn().get_result())
            except Exception as exc:  # noqa: BLE001
                error = translate(exc)
            if _key_protect_refusal(error):  # refused a token IAM has just issued
                error = access_denied(error)
        elif _key_protect_refusal(error) and self._token_unexpired():
            error = access_denied(error)
        raise error

    def _token_request_over(self) -> None:
        """A call fetches the IAM token itself when it has none; when that request fails, sdk-core leaves it marked
        as in flight for 60 s, and the retry would wait that long in its pacing loop for an answer that never comes."""
        manager = getattr(self.authenticator, "token_manager", None)
        if manager is not None:
            manager.request_time = 0

    def _token_unexpired(self) -> bool:
        """Whether the given iam_token is still valid by its exp claim (False when that cannot be told)."""
        try:
            expires = float(self.claims().get("exp") or 0)
        except (InputError, TypeError, ValueError):
            return False
        return expires - TOKEN_EXPIRY_MARGIN > time.time()


class JsonService(BaseService):
    """A thin sdk-core client for IBM APIs without an official Python SDK (Key Protect, Kubernetes Service)."""

    def __init__(self, session: Session, url: str, default_headers: Optional[dict] = None) -> None:
        super().__init__(service_url=url, authenticator=session.authenticator)
        session.configure(self, url)
        if default_headers:
            self.set_default_headers({"User-Agent": USER_AGENT, **default_headers})
        self.session = session

    def request(
        self,
        method: str,
        path: str,
        *,
        what: str,
        params: Optional[dict] = None,
        body: Any = None,
        content_type: str = "application/json",
        headers: Optional[dict] = None,
        hint: Optional[str] = None,
    ) -> Any:
        """One call under the retry policy; ``hint`` names the IAM role it needs (added to a 403)."""
        send = self._sender(method, path, params=params, body=body, content_type=content_type, headers=headers)
        return self.session.call(send, method=method, what=what, hint=hint)

    def create(
        self,
        path: str,
        *,
        body: Any,
        find: Callable[[], Optional[Any]],
        what: str,
        content_type: str = "application/json",
        headers: Optional[dict] = None,
        hint: Optional[str] = None,
    ) -> Any:
        """A POST that creates something: never retried blind (see Session.create)."""
        send = self._sender("POST", path, params=None, body=body, content_type=content_type, headers=headers)
        return self.session.create(send, find, what=what, hint=hint)

    def _sender(
        self, method: str, path: str, *, params: Optional[dict], body: Any, content_type: str, headers: Optional[dict]
    ) -> Callable[[], Any]:
        all_headers = {"Accept": "application/json", **(headers or {})}
        data = None
        if body is not None:
            all_headers["Content-Type"] = content_type
            data = json.dumps(body)
        clean = {k: v for k, v in (params or {}).items() if v is not None}

        def send() -> Any:
            prepared = self.prepare_request(method=method, url=path, headers=all_headers, params=clean, data=data)
            return self.send(prepared)

        return send
