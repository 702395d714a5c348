"""Run commands side by side: each in a process group of its own (so that all of it can be stopped), its output in
a log file, at most ``limit`` at a time, with a line when each starts and ends and a heartbeat while they run."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HEARTBEAT_SECONDS = 60.0


@dataclass
class Job:
    name: str
    command: Sequence[str]
    log: Path
    cwd: Path | None = None
    env: Mapping[str, str] | None = None
    # filled in while running
    process: subprocess.Popen | None = None
    started: float = 0.0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # user + system time of the job and everything it waited for
    status: int | None = None
    extra: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.status == 0


def _clock() -> str:
    return time.strftime("%H:%M:%S")


def _start(job: Job) -> None:
    job.log.parent.mkdir(parents=True, exist_ok=True)
    with job.log.open("w") as log:
        job.process = subprocess.Popen(
            list(job.command),
            cwd=job.cwd,
            env=dict(job.env) if job.env is not None else None,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    job.started = time.monotonic()
    print(f"[{_clock()}] started {job.name} (log: {job.log})", flush=True)


def _ended(job: Job) -> bool:
    """Whether JOB has ended; when it has, its status, time and CPU time are filled in."""
    process = job.process
    assert process is not None
    pid, wait_status, usage = os.wait4(process.pid, os.WNOHANG)
    if pid == 0:
        return False
    process.returncode = job.status = os.waitstatus_to_exitcode(wait_status)
    job.seconds = time.monotonic() - job.started
    job.cpu_seconds = usage.ru_utime + usage.ru_stime
    return True


def stop(jobs: Sequence[Job]) -> None:
    """End every job still running, with everything it started."""
    running = [job for job in jobs if job.process is not None and job.process.poll() is None]
    for job in running:
        try:
            os.killpg(job.process.pid, signal.SIGTERM)  # type: ignore[union-attr]
        except ProcessLookupError:
            pass
    for job in running:
        try:
            job.process.wait(timeout=20)  # type: ignore[union-attr]
        except subprocess.TimeoutExpired:
            os.killpg(job.process.pid, signal.SIGKILL)  # type: ignore[union-attr]


def run_all(jobs: Sequence[Job], *, limit: int, on_end: Callable[[Job], None] | None = None) -> list[Job]:
    """Run JOBS, in their order, at most LIMIT at a time; ON_END is called as each one ends. Returns JOBS."""
    waiting, running = list(jobs), list[Job]()
    last_beat = time.monotonic()
    try:
        while waiting or running:
            while waiting and len(running) < max(1, limit):
                job = waiting.pop(0)
                _start(job)
                running.append(job)
            for job in list(running):
                if not _ended(job):
                    continue
                status = job.status
                running.remove(job)
                print(
                    f"[{_clock()}] {'passed' if status == 0 else 'FAILED'}: {job.name} ({job.seconds:.0f} s)",
                    flush=True,
                )
                if on_end:
                    on_end(job)
            if running and time.monotonic() - last_beat >= HEARTBEAT_SECONDS:
                last_beat = time.monotonic()
                busy = ", ".join(f"{job.name} ({time.monotonic() - job.started:.0f} s)" for job in running)
                print(
                    f"[{_clock()}] still running: {busy}" + (f"; waiting: {len(waiting)}" if waiting else ""),
                    flush=True,
                )
            time.sleep(0.2)
    except BaseException:
        stop(running)
        raise
    return list(jobs)


def tail(path: Path, lines: int) -> str:
    text = path.read_text(errors="replace").splitlines() if path.exists() else []
    return "\n".join(text[-lines:])
