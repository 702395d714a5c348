"""The emulator's own admin API under /_emulator/ (not part of any IBM API; never faulted or logged)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from . import contracts
from .context import current_world
from .errors import platform_error

blueprint = Blueprint("emulator_admin", __name__, url_prefix="/_emulator")


def _log():
    return current_app.extensions["ibmcloud_emulator.log"]


@blueprint.get("/health")
def health():
    return jsonify({"status": "ok", "base_url": current_world().base_url})


@blueprint.get("/requests")
def list_requests():
    since = request.args.get("since", default=0, type=int)
    entries = _log().entries(since)
    if request.args.get("changed") in ("true", "1"):
        entries = [e for e in entries if e["changed"]]
    return jsonify({"requests": entries})


@blueprint.delete("/requests")
def clear_requests():
    _log().clear()
    return "", 204


@blueprint.get("/state")
def state():
    world = current_world()
    with world.lock:
        world.tick()
        return jsonify({"clock_offset_seconds": world.clock.offset, "now": world.clock.iso(), **world.data})


@blueprint.post("/reset")
def reset():
    world = current_world()
    world.reset()
    _log().clear()
    current_app.extensions["ibmcloud_emulator.faults"].configure(0.0)
    return jsonify({"status": "reset"})


@blueprint.post("/clock")
def clock():
    body = request.get_json(silent=True) or {}
    seconds = body.get("advance_seconds")
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
        return platform_error(400, "bad_request", "advance_seconds must be a number >= 0")
    world = current_world()
    with world.lock:
        world.clock.advance(float(seconds))
        world.tick()
    return jsonify({"clock_offset_seconds": world.clock.offset, "now": world.clock.iso()})


TIMINGS = ("provision_seconds", "enable_seconds", "rewrap_seconds")


@blueprint.post("/timings")
def timings():
    """Change how long the asynchronous transitions take (the --provision/enable/rewrap-seconds options), from now on.

    A test that needs a transition not to finish while it runs sets a long time here and then moves the clock past
    it, instead of relying on how much real time passes between two requests.
    """
    body = request.get_json(silent=True) or {}
    unknown = sorted(set(body) - set(TIMINGS))
    if unknown:
        return platform_error(
            400, "bad_request", f"unknown timing(s) {', '.join(unknown)}; known: {', '.join(TIMINGS)}"
        )
    for name, value in body.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            return platform_error(400, "bad_request", f"{name} must be a number >= 0")
    world = current_world()
    with world.lock:
        for name, value in body.items():
            setattr(world, name, float(value))
        return jsonify({name: getattr(world, name) for name in TIMINGS})


@blueprint.post("/contract")
def contract():
    """Play other choices where IBM publishes no contract (contracts.py), from now on; the answer is every choice."""
    body = request.get_json(silent=True) or {}
    try:
        for name, choice in body.items():
            contracts.check(name, str(choice))
    except ValueError as error:
        return platform_error(400, "bad_request", str(error))
    world = current_world()
    with world.lock:
        world.contract.update({name: str(choice) for name, choice in body.items()})
        return jsonify(world.contract)


@blueprint.post("/faults")
def faults():
    body = request.get_json(silent=True) or {}
    injector = current_app.extensions["ibmcloud_emulator.faults"]
    try:
        limit = body.get("limit")
        injector.configure(
            float(body.get("rate", 0.0)),
            int(body.get("seed", 0)),
            body.get("kinds"),
            methods=body.get("methods"),
            path_prefix=str(body.get("path_prefix", "")),
            limit=None if limit is None else int(limit),
        )
    except (TypeError, ValueError) as exc:
        return platform_error(400, "bad_request", str(exc))
    return jsonify(injector.describe())


@blueprint.post("/hpcs/<guid>/initialize")
def initialize_hpcs(guid: str):
    world = current_world()
    with world.lock:
        instance = world.data["instances"].get(guid)
        if instance is None or instance.get("_service") != "hs-crypto":
            return platform_error(404, "not_found", f"No HPCS instance with guid {guid}")
        world.kms_store(guid)["initialized"] = True
    return jsonify({"guid": guid, "initialized": True})
