"""The role's molecule scenarios (extensions/molecule/*/molecule.yml), side by side, each with its own emulator and
its own molecule state; the log of a scenario that failed is printed whole."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .. import emulator, parallel, prepare
from ..context import BIN, BUILD, StepFailed, exit_on_sigterm, harness_env, say, tool_env


def scenarios(copy: Path, chosen: list[str]) -> list[str]:
    found = sorted(config.parent.name for config in (copy / "extensions" / "molecule").glob("*/molecule.yml"))
    unknown = sorted(set(chosen) - set(found))
    if unknown:
        raise StepFailed(f"no molecule scenario {', '.join(unknown)} (known: {', '.join(found)})")
    return chosen or found


def molecule(chosen: list[str] | None = None) -> None:
    """The role's molecule scenarios, each with its own emulator (`nox -s molecule -- rotation`: one of them)."""
    copy = prepare.collection_copy()
    folder = BUILD / "molecule"
    jobs = [
        parallel.Job(
            name=f"molecule {name}",
            log=folder / f"{name}.log",
            command=[str(BIN / "python"), "-m", "harness.steps.molecule_scenarios", str(folder / "state" / name), name],
            cwd=copy,
            env=harness_env(),
        )
        for name in scenarios(copy, chosen or [])
    ]
    parallel.run_all(jobs, limit=len(jobs))
    for job in jobs:
        if not job.passed:
            say(f"[molecule] {job.name} FAILED; its log, {job.log}:")
            print(job.log.read_text(errors="replace"), flush=True)
    failed = [job.name for job in jobs if not job.passed]
    if failed:
        raise StepFailed("failed: " + ", ".join(failed))


def run_scenario(state: Path, name: str) -> int:
    """One scenario, in a process of its own (cwd: the collection copy): its emulator, then `molecule test`."""
    state.mkdir(parents=True, exist_ok=True)
    with emulator.running(state / "emulator", *emulator.TEST_TIMINGS) as running:
        env = tool_env({**running.env, "KMS_EMULATOR_URL": running.url, "MOLECULE_EPHEMERAL_DIRECTORY": str(state)})
        command = ["molecule", "test", "-s", name]
        print("$ " + " ".join(command), flush=True)
        return subprocess.run(command, env=env, stdin=subprocess.DEVNULL, check=False).returncode


if __name__ == "__main__":
    exit_on_sigterm()
    os.environ.setdefault("PY_COLORS", "0")
    sys.exit(run_scenario(Path(sys.argv[1]), sys.argv[2]))
