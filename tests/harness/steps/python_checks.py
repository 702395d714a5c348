"""Steps on the Python code: the emulator's tests, ansible-test units and sanity (on 2.21 and on 2.19), lint."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .. import prepare
from ..bootstrap import PY_VERSION, find_python, requirements_digest
from ..context import BIN, BUILD, ROOT, run, say, tool_env

COMPAT_CORE = "ansible-core==2.19.14"
COMPAT_PY = "3.11"
# Test tools the compat venv takes from requirements-dev.txt (same pins).
COMPAT_TEST_TOOLS = ("pytest", "pytest-mock", "pytest-xdist", "PyJWT")
# Python that the lint step checks with ruff and mypy, besides the plugins.
LINTED = (
    "plugins/module_utils",
    "plugins/modules",
    "plugins/doc_fragments",
    "tests/emulator/ibmcloud_emulator",
    "tests/reliability",
    "tests/benchmarks",
    "tests/harness",
    "noxfile.py",
)


def emulator() -> None:
    """The emulator's own tests, through IBM's Python clients, and the harness's own tests."""
    run(
        [
            BIN / "python",
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-n",
            "2",
            "tests/emulator/tests",
            "tests/harness/tests",
        ],
        env=tool_env({"PYTHONPATH": str(ROOT / "tests")}),
        what="the emulator's and the harness's tests",
    )


def units() -> None:
    """The unit tests with pytest itself (ansible-core 2.21, Python 3.12), as a contributor runs them.

    ansible-test units runs each test in a forked process, which costs about ten times the CPU of the tests; the
    compat step runs the same tests through ansible-test units (ansible-core 2.19), so both ways stay green.
    """
    copy = prepare.own_copy("units")
    pytest: list[str | Path] = [BIN / "python", "-m", "pytest", "-q", "-n", "auto", "-p", "no:cacheprovider"]
    run(
        [*pytest, "--strict-markers", "tests/unit"],
        cwd=copy,
        env=tool_env({"PYTHONPATH": str(copy.parents[2])}),
        what="pytest (units)",
    )


def sanity() -> None:
    """ansible-test sanity, every test, no ignore files (ansible-core 2.21, Python 3.12)."""
    prepare.system_tools()
    copy = prepare.own_copy("sanity")
    run(
        ["ansible-test", "sanity", "--venv", "--python", PY_VERSION, "--color", "no"],
        cwd=copy,
        what="ansible-test sanity",
    )


# The sanity tests whose answer depends on the ansible-core version (they load the collection with it or check it
# against its rules); the style tests (pep8, pylint, yamllint, shellcheck, ...) run once, in the sanity step.
COMPAT_SANITY_TESTS = ("action-plugin-docs", "ansible-doc", "compile", "import", "runtime-metadata", "validate-modules")


def compat() -> None:
    """Units and the version-dependent sanity tests again on the oldest supported line, ansible-core 2.19 with
    Python 3.11, in their own copy. The module tests run through ansible-test units (its collection loader and one
    fork per test, as a contributor may run them); the other unit tests with pytest itself, since a fork per test
    costs about ten times their CPU."""
    prepare.system_tools()
    venv = compat_venv()
    copy = prepare.clone_copy(BUILD / "compat" / "collections" / "ansible_collections" / "ibmcloud" / "kms")
    env = tool_env(
        {"PATH": f"{venv / 'bin'}:{tool_env()['PATH']}", "VIRTUAL_ENV": str(venv)}, collections_root=copy.parents[2]
    )
    run([venv / "bin" / "ansible-test", "--version"], cwd=copy, env=env)
    run(
        [
            venv / "bin" / "ansible-test",
            "units",
            "--local",
            "--python",
            COMPAT_PY,
            "--color",
            "no",
            "tests/unit/plugins/modules/",
        ],
        cwd=copy,
        env=env,
        what="ansible-test units (2.19)",
    )
    pytest: list[str | Path] = [venv / "bin" / "python", "-m", "pytest", "-q", "-n", "auto", "-p", "no:cacheprovider"]
    run(
        [*pytest, "--strict-markers", "tests/unit/plugins/module_utils", "tests/unit/plugins/plugin_utils"],
        cwd=copy,
        env={**env, "PYTHONPATH": str(copy.parents[2])},
        what="pytest (2.19)",
    )
    tests = [word for test in COMPAT_SANITY_TESTS for word in ("--test", test)]
    run(
        [venv / "bin" / "ansible-test", "sanity", "--venv", "--python", COMPAT_PY, "--color", "no", *tests],
        cwd=copy,
        env=env,
        what="ansible-test sanity (2.19)",
    )


def compat_venv() -> Path:
    """BUILD/venv-2.19 with ansible-core 2.19, the runtime requirements and the test tools; made again when the
    requirement files change."""
    venv = BUILD / "venv-2.19"
    stamp, want = venv / ".requirements-sha256", requirements_digest()
    if not (stamp.exists() and stamp.read_text().strip() == want):
        base = find_python(COMPAT_PY)
        say(f"Creating {venv} with {base} and {COMPAT_CORE}")
        subprocess.run(["rm", "-rf", str(venv)], check=True)
        run([base, "-m", "venv", venv], what="python3.11 -m venv")
        pins = [
            line.strip()
            for line in (ROOT / "requirements-dev.txt").read_text().splitlines()
            if line.split("==")[0].strip() in COMPAT_TEST_TOOLS
        ]
        run(
            [
                venv / "bin" / "python",
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                COMPAT_CORE,
                "-r",
                ROOT / "requirements.txt",
                *pins,
            ],
            what="pip install (compat venv)",
        )
        stamp.write_text(want + "\n")
    prepare.pip_shim(venv / "bin" / "python")
    return venv


def lint() -> None:
    """ansible-lint (production profile) on the copy; ruff (lint and format) and mypy on the Python."""
    copy = prepare.own_copy("lint")
    collections = copy.parents[2]
    # ansible-lint --offline keeps its module stubs (mock_modules) under ANSIBLE_HOME and deletes them when it ends;
    # one of its own, so that the importer's ansible-lint running beside it does not lose its stubs mid-run.
    env = tool_env({"ANSIBLE_HOME": str(BUILD / "lint" / "ansible-home")}, collections_root=collections)
    run(["ansible-lint", "--profile", "production", "--offline", "--nocolor"], cwd=copy, env=env, what="ansible-lint")
    run(["ruff", "check", "--no-cache", *LINTED], what="ruff check")
    run(["ruff", "format", "--no-cache", "--check", *LINTED], what="ruff format --check (run 'ruff format' to fix)")
    config = ROOT / "pyproject.toml"
    mypy: list[str | Path] = ["mypy", "--config-file", config, "--cache-dir", BUILD / "mypy-cache"]
    run([*mypy, "-p", "ansible_collections.ibmcloud.kms.plugins"], cwd=collections, what="mypy (plugins)")
    run([*mypy, "ibmcloud_emulator"], cwd=ROOT / "tests" / "emulator", what="mypy (emulator)")
    run([*mypy, "harness", "../noxfile.py"], cwd=ROOT / "tests", what="mypy (harness)")
