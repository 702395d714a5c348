"""The Flask application: one port serves every emulated IBM Cloud API plus the admin API."""

from __future__ import annotations

import importlib
import socket
import threading
import time
from typing import Any, Callable, Iterable, cast

from flask import Flask, Response, g, request
from flask.json.provider import DefaultJSONProvider

from . import errors
from .errors import ServiceError
from .faults import FaultInjector
from .world import World

# Each module exposes ``blueprint`` and ``SERVICE`` (the name used in the request log).
SERVICE_MODULES = [
    "iam_token",
    "iam_identity",
    "iam_policy",
    "iam_access_groups",
    "resource_manager",
    "resource_controller",
    "global_catalog",
    "key_protect",
    "containers",
    "global_tagging",
    "trusted_profiles",
    "worker_pools",
]
ADMIN_PREFIX = "/_emulator"
PRIVATE_PREFIX = "/private"


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []
        self._seq = 0

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._seq += 1
            entry["seq"] = self._seq
            self._entries.append(entry)

    def entries(self, since: int = 0) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self._entries if e["seq"] > since]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class _EmulatorMiddleware:
    """Strips the /private prefix (private endpoints) and drops connections for network faults."""

    def __init__(self, app: Callable, faults: FaultInjector) -> None:
        self.app = app
        self.faults = faults

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        environ["emulator.endpoint"] = "public"
        if path == PRIVATE_PREFIX or path.startswith(PRIVATE_PREFIX + "/"):
            environ["PATH_INFO"] = path[len(PRIVATE_PREFIX) :] or "/"
            environ["emulator.endpoint"] = "private"
        if not environ["PATH_INFO"].startswith(ADMIN_PREFIX):
            environ["emulator.fault"] = self.faults.draw(environ.get("REQUEST_METHOD", "GET"), environ["PATH_INFO"])
        result = self.app(environ, start_response)
        if environ.get("emulator.drop"):
            if hasattr(result, "close"):
                result.close()
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            return [b""]
        return result


def _fault_response(kind: str) -> Response:
    status = int(kind)
    response = errors.platform_error(status, f"emulated_{kind}", f"Emulated fault: HTTP {kind}.")
    if status == 429:
        response.headers["Retry-After"] = "1"
    return response


def create_app(world: World | None = None, *, latency_ms: int = 0, faults: FaultInjector | None = None) -> Flask:
    app = Flask("ibmcloud_emulator")
    world = world or World()
    faults = faults or FaultInjector()
    log = RequestLog()
    app.extensions["ibmcloud_emulator.world"] = world
    app.extensions["ibmcloud_emulator.faults"] = faults
    app.extensions["ibmcloud_emulator.log"] = log
    cast(DefaultJSONProvider, app.json).sort_keys = False  # Flask's default provider

    services: dict[str, str] = {}
    for name in SERVICE_MODULES:
        module = importlib.import_module(f".{name}", __package__)
        app.register_blueprint(module.blueprint)
        services[module.blueprint.name] = module.SERVICE
    from .admin import blueprint as admin_blueprint

    app.register_blueprint(admin_blueprint)

    @app.before_request
    def _before() -> Response | None:
        if request.path.startswith(ADMIN_PREFIX):
            return None
        if latency_ms:
            time.sleep(latency_ms / 1000.0)
        world.lock.acquire()
        g.locked = True
        world.tick()
        g.fingerprint = world.fingerprint()
        fault = request.environ.get("emulator.fault")
        if fault in ("429", "500", "502", "503"):
            return _fault_response(fault)
        if fault == "reset":
            request.environ["emulator.drop"] = True
            return Response(status=500)
        return None

    @app.after_request
    def _after(response: Response) -> Response:
        if request.path.startswith(ADMIN_PREFIX):
            return response
        fault = request.environ.get("emulator.fault")
        if fault == "lost":
            request.environ["emulator.drop"] = True
        trace = getattr(g, "trace", None) or errors.new_trace()
        response.headers.setdefault("X-Global-Transaction-Id", trace)
        correlation = request.headers.get("Correlation-Id")
        if correlation:
            response.headers["Correlation-Id"] = correlation
        changed = getattr(g, "fingerprint", None) not in (None, world.fingerprint())
        log.add(
            {
                "time": world.clock.iso(),
                "method": request.method,
                "path": request.path,
                "query": request.query_string.decode("utf-8", "replace"),
                "status": response.status_code,
                "service": services.get(request.blueprint or "", "unknown"),
                "changed": changed,
                "endpoint": request.environ.get("emulator.endpoint", "public"),
                "fault": fault,
            }
        )
        return response

    @app.teardown_request
    def _teardown(_exc: BaseException | None) -> None:
        if g.pop("locked", False):
            world.lock.release()

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError) -> Response:
        return exc.response

    @app.errorhandler(404)
    def _not_found(_exc: Exception) -> Response:
        return errors.platform_error(404, "not_found", f"No such API path: {request.method} {request.path}")

    @app.errorhandler(405)
    def _not_allowed(_exc: Exception) -> Response:
        return errors.platform_error(405, "method_not_allowed", f"{request.method} is not allowed on {request.path}")

    app.wsgi_app = _EmulatorMiddleware(app.wsgi_app, faults)  # type: ignore[method-assign]
    return app
