"""`make test`: prepare what the steps share once, run the steps (nox sessions) side by side, report each step's
time and end with "N passed, N failed"."""

from __future__ import annotations

import os
import re
import subprocess
import time

from . import parallel, prepare
from .context import BIN, BUILD, LOGS, PREPARED_VARIABLE, ROOT, StepFailed, harness_env, say
from .steps import STEPS

# Minutes each step takes beside the others on a 2-CPU machine (the summary of a full run), roughly: the longest start
# first, so that the short ones fill the gaps and the run ends with the shortest. A step missing here counts as 1.
MINUTES = {
    "integration": 13,
    "molecule": 8,
    "compat": 6,
    "sanity": 4.5,
    "lint": 2,
    "units": 1.5,
    "awx": 1.5,
    "reliability": 4,
    "demo": 1.5,
    "docs": 1,
    "importer": 0.8,
    "emulator": 1,
    "ee": 0.1,
    "build": 0.1,
    "changelog": 0.1,
}
# How many steps run at once. Most steps wait on subprocesses and on the emulator's (short) asynchronous
# transitions, so a few more than the 2 CPUs keep them busy; KMS_TEST_JOBS changes it.
DEFAULT_JOBS = 3


def prepare_shared(chosen: list[str]) -> None:
    """What parallel steps would otherwise make at the same moment, made once: the collection copy and tarball,
    ansible-test's SSH key and pip shim, shellcheck."""
    say("Preparing what the steps share: collection copy, tarball, ansible-test's SSH key and pip shim")
    if {"sanity", "compat"} & set(chosen):
        prepare.system_tools()
    prepare.pip_shim(BIN / "python")
    prepare.ansible_test_ssh_key()
    prepare.collection_copy()
    prepare.tarball()
    os.environ[PREPARED_VARIABLE] = str(BUILD)


def jobs_setting() -> int:
    text = os.environ.get("KMS_TEST_JOBS", str(DEFAULT_JOBS))
    if not text.isdigit() or int(text) < 1:
        raise SystemExit(f"KMS_TEST_JOBS must be a number >= 1, not {text!r}")
    return int(text)


def test(chosen: list[str]) -> int:
    unknown = [name for name in chosen if name not in STEPS]
    if unknown:
        print(f"unknown step(s): {', '.join(unknown)} (known: {' '.join(STEPS)})", flush=True)
        print(f"0 passed, {len(unknown)} failed")
        return 1
    chosen = chosen or list(STEPS)
    started = time.monotonic()
    try:
        prepare_shared(chosen)
    except (StepFailed, OSError, subprocess.CalledProcessError) as failure:
        print(f"preparation FAILED: {failure}", flush=True)
        print(f"0 passed, {len(chosen)} failed")
        return 1
    prepared_seconds = time.monotonic() - started
    order = sorted(chosen, key=lambda name: -MINUTES.get(name, 1))
    jobs = [
        parallel.Job(
            name=name,
            log=LOGS / f"{name}.log",
            cwd=ROOT,
            env=harness_env(),
            command=[str(BIN / "nox"), "--no-color", "-f", str(ROOT / "noxfile.py"), "-s", name],
        )
        for name in order
    ]
    limit = jobs_setting()
    say(f"Running {len(jobs)} step(s), at most {limit} at a time: {' '.join(order)}")
    parallel.run_all(jobs, limit=limit, on_end=show_end)
    return summary(jobs, prepared_seconds, time.monotonic() - started)


def show_end(job: parallel.Job) -> None:
    if job.passed:
        print(parallel.tail(job.log, 3), flush=True)
    else:
        say(f"[{job.name}] FAILED after {job.seconds:.0f} s; its log, {job.log}:")
        print(job.log.read_text(errors="replace"), flush=True)


def failure_reason(job: parallel.Job, limit: int = 400) -> str:
    """What nox said when the step failed (its StepFailed message), shortened: the summary is the part of a CI log
    people see first."""
    text = job.log.read_text(errors="replace") if job.log.exists() else ""
    said = re.findall(rf"^nox > Session {re.escape(job.name)} (?:failed|aborted): (.*)$", text, re.MULTILINE)
    reason = " ".join(said[-1].split()) if said else f"exit status {job.status}, see {job.log}"
    return reason if len(reason) <= limit else reason[: limit - 3] + "..."


def summary(jobs: list[parallel.Job], prepared_seconds: float, total_seconds: float) -> int:
    say("Summary (each step's time and CPU time; logs in " + str(LOGS) + ")")
    print(f"  prepared in {prepared_seconds:.0f} s")
    for job in sorted(jobs, key=lambda j: list(STEPS).index(j.name)):
        verdict = "passed" if job.passed else "FAILED"
        line = f"  {verdict}: {job.name} ({job.seconds:.0f} s, CPU {job.cpu_seconds:.0f} s)"
        print(line if job.passed else f"{line}: {failure_reason(job)}")
    minutes, seconds = divmod(int(total_seconds), 60)
    cpu = sum(job.cpu_seconds for job in jobs)
    print(f"  total: {minutes} min {seconds} s; CPU {cpu:.0f} s on {os.cpu_count()} CPU(s)")
    passed = sum(job.passed for job in jobs)
    print(f"{passed} passed, {len(jobs) - passed} failed", flush=True)
    return 0 if passed == len(jobs) else 1
