"""A local, offline emulator of the IBM Cloud APIs that the ibmcloud.kms collection calls.

Test and demo infrastructure only: it is not part of the built collection.
"""

import importlib

from . import accounts  # noqa: F401  (registers the seed loader for accounts, keys and groups)
from .app import SERVICE_MODULES, create_app
from .world import World

# Import every service module up front: they register their seed loaders and tickers.
for _name in SERVICE_MODULES:
    importlib.import_module(f".{_name}", __name__)

__all__ = ["World", "create_app"]
