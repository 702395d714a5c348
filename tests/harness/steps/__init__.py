"""The steps of `make test`, in the order the README lists them. Each is a function that raises StepFailed."""

from __future__ import annotations

from collections.abc import Callable

from .docs_site import changelog, docs
from .integration_shards import integration
from .jobs import awx, demo
from .molecule_scenarios import molecule
from .package import build, ee, importer
from .python_checks import compat, emulator, lint, sanity, units
from .reliability import reliability

STEPS: dict[str, Callable[[], None]] = {
    "emulator": emulator,
    "units": units,
    "sanity": sanity,
    "compat": compat,
    "integration": integration,
    "molecule": molecule,
    "demo": demo,
    "awx": awx,
    "reliability": reliability,
    "lint": lint,
    "docs": docs,
    "changelog": changelog,
    "build": build,
    "importer": importer,
    "ee": ee,
}
