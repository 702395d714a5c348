"""The test harness of ibmcloud.kms: what `make demo` and `make test` run.

One Python program instead of shell scripts. `python -m harness` (with tests/ on the import path, as the Makefile
does) creates the development venv, prepares once what the steps share (the collection copy, the tarball,
ansible-test's SSH key and pip shims) and runs the steps, some side by side, each as a nox session of the root
noxfile.py; the last line it prints is "N passed, N failed". Modules:

- bootstrap: find Python 3.12 and create .venv with the pinned tools (standard library only)
- context: paths, the environment the tools run in, running a command
- prepare: the collection copy, the tarball and what must never be in it, the SSH key, pip shims, shellcheck
- emulator: the one way to start the emulator (its endpoint settings come from ibmcloud_emulator.endpoints)
- parallel: running commands side by side, each with its own log and process group
- steps_*: the steps; orchestrator: their order, progress, durations and the summary line
"""
