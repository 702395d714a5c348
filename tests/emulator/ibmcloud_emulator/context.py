"""Access to the world of the current request."""

from __future__ import annotations

from flask import current_app, g

from .auth import Principal
from .world import World


def current_world() -> World:
    return current_app.extensions["ibmcloud_emulator.world"]


def current_principal() -> Principal:
    """Set by each service blueprint's authentication hook."""
    return g.principal
