"""Paths, the environment the tools run in, and running one command."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from .bootstrap import ROOT, VENV

BUILD = Path(os.environ.get("KMS_BUILD_DIR") or ROOT / "build").resolve()  # another folder for a parallel run
COLLECTIONS_ROOT = BUILD / "collections"
COLLECTION_COPY = COLLECTIONS_ROOT / "ansible_collections" / "ibmcloud" / "kms"
DIST = BUILD / "dist"
LOGS = BUILD / "logs"
BIN = VENV / "bin"

# Set by the orchestrator for its steps: the copy, the tarball, the SSH key and the pip shims are ready.
PREPARED_VARIABLE = "KMS_HARNESS_PREPARED"


class StepFailed(Exception):
    """A check failed; the message says which and what to look at."""


def say(message: str) -> None:
    print(f"\n==> {message}", flush=True)


def tool_env(extra: Mapping[str, str] | None = None, *, collections_root: Path = COLLECTIONS_ROOT) -> dict[str, str]:
    """The process environment with the venv first on PATH and the collection copy as the only collection path.

    The machine's IBM Cloud variables are dropped, so no test reaches anything but the emulator it was given.
    """
    env = {name: value for name, value in os.environ.items() if not name.startswith(("IC_", "IBMCLOUD_"))}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        VIRTUAL_ENV=str(VENV),
        ANSIBLE_COLLECTIONS_PATH=str(collections_root),
        ANSIBLE_PYTHON_INTERPRETER=str(BIN / "python"),
        ANSIBLE_NOCOLOR="1",
        PY_COLORS="0",
    )
    env.update(extra or {})
    return env


def harness_env() -> dict[str, str]:
    """The environment of a harness process started by another (a step, a shard, a scenario): tool_env with the
    harness importable and the shared copy marked as made, so that it is cloned, never made again at the same
    moment."""
    return tool_env({"PYTHONPATH": str(ROOT / "tests"), PREPARED_VARIABLE: str(BUILD)})


def run(
    command: Sequence[str | Path],
    *,
    cwd: Path = ROOT,
    env: Mapping[str, str] | None = None,
    what: str | None = None,
    capture: bool = False,
) -> str:
    """Run COMMAND (echoed first); raise StepFailed naming WHAT when it fails. Returns stdout when CAPTURE."""
    words = [str(word) for word in command]
    print(f"$ {shlex.join(words)}" + (f"   (in {cwd})" if cwd != ROOT else ""), flush=True)
    completed = subprocess.run(
        words,
        cwd=cwd,
        env=dict(env) if env is not None else tool_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE if capture else None,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        if capture and completed.stdout:
            print(completed.stdout, flush=True)
        raise StepFailed(f"{what or words[0]} failed (exit status {completed.returncode})")
    return completed.stdout if capture else ""


def exit_on_sigterm() -> None:
    """SIGTERM (CI or AWX stopping the run, the harness stopping a step) unwinds like Ctrl-C, so that the steps it
    started are stopped and every emulator is shut down by its ``finally``."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
