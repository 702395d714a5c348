"""The emulated account state: one JSON-able dict, guarded by one lock.

Every service module keeps its records in ``World.data`` and registers a ticker that applies
time-driven transitions (provisioning finishes, keys expire, master updates complete). Tickers run
at the start of each request, before the state fingerprint is taken, so a read never counts as a change.
"""

from __future__ import annotations

import copy
import hashlib
import json
import secrets
import threading
import uuid
from typing import Any, Callable

from .clock import Clock
from .contracts import DEFAULTS
from .seed import default_seed

Ticker = Callable[["World"], None]
SeedLoader = Callable[["World", dict], None]

_tickers: list[Ticker] = []
_seed_loaders: list[SeedLoader] = []


def ticker(fn: Ticker) -> Ticker:
    """Register a time-driven transition (decorator used by service modules)."""
    _tickers.append(fn)
    return fn


def seed_loader(fn: SeedLoader) -> SeedLoader:
    """Register a function that loads a service's part of the seed (decorator)."""
    _seed_loaders.append(fn)
    return fn


class World:
    def __init__(
        self,
        seed: dict | None = None,
        *,
        provision_seconds: float = 2.0,
        enable_seconds: float = 3.0,
        rewrap_seconds: float = 0.0,
        base_url: str = "http://127.0.0.1",
        contract: dict[str, str] | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = Clock()
        self.secret = secrets.token_hex(32)
        self.provision_seconds = provision_seconds
        self.enable_seconds = enable_seconds
        self.rewrap_seconds = rewrap_seconds  # after a root key rotation, until its registrations show the new version
        self._start_timings = (provision_seconds, enable_seconds, rewrap_seconds)  # POST /_emulator/reset restores
        self._start_contract = {**DEFAULTS, **(contract or {})}
        self.contract = dict(self._start_contract)  # the choice played for each unpublished contract (contracts.py)
        self.base_url = base_url
        self._seed = copy.deepcopy(seed) if seed is not None else default_seed()
        self.data: dict[str, Any] = {}
        self.reset()

    # -- lifecycle -----------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.clock.reset()
            self.provision_seconds, self.enable_seconds, self.rewrap_seconds = self._start_timings
            self.contract = dict(self._start_contract)
            self.data = {
                "accounts": {},
                "identities": {},
                "api_keys": {},
                "resource_groups": {},
                "instances": {},
                "kms": {},
                "policies": {},
                "access_groups": {},
                "clusters": {},
                "tags": {},
                "trusted_profiles": {},
                "instance_identity_tokens": {},
                "vpc_instance": self._seed.get("vpc_instance", ""),
            }
            for load in _seed_loaders:
                load(self, copy.deepcopy(self._seed))

    def tick(self) -> None:
        with self.lock:
            for fn in _tickers:
                fn(self)

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.data, sort_keys=True, default=str).encode()).hexdigest()

    # -- helpers shared by the services -------------------------------------------------
    @staticmethod
    def new_id() -> str:
        return str(uuid.uuid4())

    def now_iso(self) -> str:
        return self.clock.iso()

    def public_url(self, path: str = "") -> str:
        return self.base_url.rstrip("/") + path

    def private_url(self, path: str = "") -> str:
        return self.base_url.rstrip("/") + "/private" + path

    def kms_store(self, guid: str) -> dict[str, Any]:
        """The key-management state of a Key Protect or HPCS instance (created on first use).

        HPCS instances start uninitialized; Key Protect instances are always initialized.
        """
        store = self.data["kms"].get(guid)
        if store is None:
            instance = self.data["instances"].get(guid, {})
            store = self.data["kms"][guid] = {
                "initialized": instance.get("_service") != "hs-crypto",
                "keys": {},
                "key_rings": {"default": {"id": "default", "creationDate": self.now_iso(), "createdBy": "system"}},
                "instance_policies": {},
                "registrations": [],
            }
        return store

    def account_of_key(self, apikey: str) -> dict | None:
        return self.data["api_keys"].get(apikey)

    def default_resource_group(self, account_id: str) -> dict | None:
        for group in self.data["resource_groups"].values():
            if group["account_id"] == account_id and group.get("default"):
                return group
        return None

    def resource_group_by_name(self, account_id: str, name: str) -> dict | None:
        for group in self.data["resource_groups"].values():
            if group["account_id"] == account_id and group["name"] == name:
                return group
        return None


def crn(
    service: str, region: str, account_id: str, instance: str = "", resource_type: str = "", resource: str = ""
) -> str:
    return f"crn:v1:bluemix:public:{service}:{region}:a/{account_id}:{instance}:{resource_type}:{resource}"
