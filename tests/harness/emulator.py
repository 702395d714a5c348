"""The one way the harness starts the IBM Cloud emulator: on a free port (``--port 0``), its output in a folder of
its own, its endpoint settings from the emulator's own table (``ibmcloud_emulator.endpoints``)."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ibmcloud_emulator import endpoints

from .context import BIN, StepFailed

# Quick asynchronous transitions for the tests (each can be changed at run time with POST /_emulator/timings).
TEST_TIMINGS = ("--provision-seconds", "1", "--enable-seconds", "1.5", "--rewrap-seconds", "1")
START_TIMEOUT = 60.0  # seconds; generous, for a loaded machine


@dataclass
class Emulator:
    url: str
    process: subprocess.Popen
    folder: Path
    ca_file: Path | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def module_endpoints(self) -> dict[str, str]:
        """The modules' ``endpoints`` option for this emulator."""
        return endpoints.module_endpoints(self.url)

    def admin(self, method: str, path: str) -> object:
        """Call the admin API (``/_emulator/PATH``); returns the decoded JSON answer."""
        request = urllib.request.Request(f"{self.url}/_emulator/{path}", method=method)
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read().decode() or "{}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(folder: Path, *options: str, tls: bool = False) -> Emulator:
    """Start an emulator with OPTIONS; its first output line says where it listens. With TLS, HTTPS and a CA file."""
    folder.mkdir(parents=True, exist_ok=True)
    out, log = folder / "emulator.out", folder / "emulator.log"
    ca_file = folder / "ca.pem" if tls else None
    command = [str(BIN / "ibmcloud-emulator"), "--port", "0", "--quiet", *options]
    if ca_file:
        command += ["--tls", "--ca-file", str(ca_file)]
    with out.open("w") as stdout, log.open("w") as stderr:
        # In the caller's process group: whatever stops the step's group stops its emulators too.
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        for line in out.read_text().splitlines():
            if line.startswith("listening on "):
                url = line.split()[-1]
                return Emulator(
                    url=url, process=process, folder=folder, ca_file=ca_file, env=endpoints.environment(url)
                )
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    raise StepFailed(f"the emulator did not start within {START_TIMEOUT:.0f} s; its log:\n{log.read_text()}")


@contextmanager
def running(folder: Path, *options: str, tls: bool = False):
    emulator = start(folder, *options, tls=tls)
    try:
        yield emulator
    finally:
        emulator.stop()
