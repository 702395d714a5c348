"""Seeded, reproducible fault injection."""

from __future__ import annotations

import random
import threading

KINDS = ("429", "500", "502", "503", "reset", "lost")


class FaultInjector:
    def __init__(self, rate: float = 0.0, seed: int = 0, kinds: list[str] | None = None) -> None:
        self._lock = threading.Lock()
        self.configure(rate, seed, kinds)

    def configure(
        self,
        rate: float,
        seed: int = 0,
        kinds: list[str] | None = None,
        *,
        methods: list[str] | None = None,
        path_prefix: str = "",
        limit: int | None = None,
    ) -> None:
        """``methods``/``path_prefix`` restrict which requests may fail; ``limit`` caps how many do."""
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        unknown = sorted(set(kinds or []) - set(KINDS))
        if unknown:
            raise ValueError(f"unknown fault kinds {unknown}; choose from {list(KINDS)}")
        with self._lock:
            self.rate = rate
            self.seed = seed
            self.kinds = list(kinds) if kinds else list(KINDS)
            self._random = random.Random(seed)
            self.methods = [m.upper() for m in methods] if methods else []
            self.path_prefix = path_prefix or ""
            self.limit = limit
            self.injected = 0

    def draw(self, method: str = "GET", path: str = "/") -> str | None:
        """The fault for the next request, or None."""
        with self._lock:
            if self.rate <= 0 or (self.limit is not None and self.injected >= self.limit):
                return None
            if (self.methods and method.upper() not in self.methods) or not path.startswith(self.path_prefix):
                return None
            if self._random.random() >= self.rate:
                return None
            self.injected += 1
            return self._random.choice(self.kinds)

    def describe(self) -> dict:
        return {
            "rate": self.rate,
            "seed": self.seed,
            "kinds": self.kinds,
            "methods": self.methods,
            "path_prefix": self.path_prefix,
            "limit": self.limit,
            "injected": self.injected,
        }
