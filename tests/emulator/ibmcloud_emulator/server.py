"""Running the emulator on a real socket (used by the CLI and by tests that need real HTTP)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from werkzeug.serving import BaseWSGIServer, make_server

from .app import create_app
from .faults import FaultInjector
from .world import World


@dataclass
class RunningEmulator:
    server: BaseWSGIServer
    world: World
    base_url: str
    thread: threading.Thread | None = None

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)


def start(
    world: World | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    ssl_context=None,
    latency_ms: int = 0,
    faults: FaultInjector | None = None,
    background: bool = True,
) -> RunningEmulator:
    world = world or World()
    app = create_app(world, latency_ms=latency_ms, faults=faults)
    server = make_server(host, port, app, threaded=True, ssl_context=ssl_context)
    scheme = "https" if ssl_context is not None else "http"
    shown_host = "localhost" if ssl_context is not None and host in ("127.0.0.1", "localhost") else host
    world.base_url = f"{scheme}://{shown_host}:{server.server_port}"
    running = RunningEmulator(server=server, world=world, base_url=world.base_url)
    if background:
        running.thread = threading.Thread(target=server.serve_forever, name="ibmcloud-emulator", daemon=True)
        running.thread.start()
    return running
