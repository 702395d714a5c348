"""Access to the world of the current request."""

from __future__ import annotations

from flask import current_app, g, request

from .auth import Principal, bearer_principal
from .errors import fail, platform_error, platform_unauthorized
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


def int_query(name: str, default: int, top: int) -> int:
    """An integer query parameter from 0 to TOP (the platform 400 otherwise), DEFAULT when absent."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) > top:
        raise fail(platform_error, 400, "invalid_query", f"{name} must be an integer from 0 to {top}.")
    return int(raw)
