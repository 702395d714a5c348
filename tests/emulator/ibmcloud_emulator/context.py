"""Access to the world of the current request."""

from __future__ import annotations

from flask import current_app, g

from .auth import Principal, bearer_principal
from .errors import platform_unauthorized
from .world import World


def current_world() -> World:
    return current_app.extensions["ibmcloud_emulator.world"]


def current_principal() -> Principal:
    """Set by each service blueprint's authentication hook."""
    return g.principal


def platform_caller() -> tuple[World, Principal]:
    """The world and the authenticated caller of a platform-service request (raises the platform 401)."""
    world = current_world()
    return world, bearer_principal(world, platform_unauthorized)
