"""What the steps share, made once before they start (or by a step run alone): the collection copy, the tarball,
ansible-test's SSH key and pip shims, shellcheck."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

from .context import BUILD, COLLECTION_COPY, DIST, PREPARED_VARIABLE, ROOT, StepFailed, run, say, tool_env

# The one list of what must never be in the built collection (checked on the tarball by the build and ee steps):
# the emulator and the harness, build and test output, caches, bytecode, test configuration, tarballs.
NEVER_IN_TARBALL = re.compile(
    r"(^|/)(tests/emulator|tests/harness|tests/output|tests/importer|\.venv|build|\.nox|__pycache__|\.pytest_cache"
    r"|\.mypy_cache|\.ruff_cache|\.cache|\.ansible|molecule/state)(/|$)"
    r"|(^|/)integration_config\.yml$|\.pyc$|\.tar\.gz$|(^|/)noxfile\.py$"
)

# Kept out of the collection copy that ansible-test, ansible-lint and the docs run in: separate Python packages with
# their own checks (the lint step covers them).
NOT_IN_COPY = ("tests/emulator/", "tests/harness/", "noxfile.py")


def prepared() -> bool:
    return os.environ.get(PREPARED_VARIABLE) == str(BUILD)


def collection_copy() -> Path:
    """ROOT's files (tracked or not ignored by git) at .../ansible_collections/ibmcloud/kms under BUILD.

    ansible-test needs the collection at such a path (a symlink is refused) and asks git for its file list, so the
    copy gets a git repository of its own (it sits in this repository's ignored build/ folder).
    """
    if prepared() and COLLECTION_COPY.is_dir():
        return COLLECTION_COPY
    listing = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=False,
    )
    if listing.returncode != 0:
        raise StepFailed(
            f"the tests run from a git checkout of the collection; git ls-files: {listing.stderr.decode()}"
        )
    listed = listing.stdout.decode()
    shutil.rmtree(COLLECTION_COPY, ignore_errors=True)
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if name.startswith(NOT_IN_COPY) or not source.is_file():  # not a file: deleted but not yet committed
            continue
        target = COLLECTION_COPY / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    subprocess.run(["git", "init", "--quiet", str(COLLECTION_COPY)], check=True)
    return COLLECTION_COPY


def clone_copy(destination: Path) -> Path:
    """Another copy at DESTINATION (.../ansible_collections/ibmcloud/kms) for a run that needs its own tests/output."""
    shutil.rmtree(destination, ignore_errors=True)
    source = collection_copy()
    skipped = {source / ".git", source / "tests" / "output"}
    shutil.copytree(source, destination, ignore=lambda folder, names: [n for n in names if Path(folder, n) in skipped])
    subprocess.run(["git", "init", "--quiet", str(destination)], check=True)
    return destination


def own_copy(step: str) -> Path:
    """A copy for STEP alone, so that steps running side by side never see each other's output in their tree."""
    return clone_copy(BUILD / "copies" / step / "ansible_collections" / "ibmcloud" / "kms")


def tarball() -> Path:
    """The collection tarball, built from the copy once per run."""
    found = sorted(DIST.glob("ibmcloud-kms-*.tar.gz"))
    if prepared() and len(found) == 1:
        return found[0]
    shutil.rmtree(DIST, ignore_errors=True)
    DIST.mkdir(parents=True)
    run(
        ["ansible-galaxy", "collection", "build", "--output-path", DIST, collection_copy()],
        env=tool_env(),
        what="ansible-galaxy collection build",
    )
    found = sorted(DIST.glob("ibmcloud-kms-*.tar.gz"))
    if len(found) != 1:
        raise StepFailed(f"expected one ibmcloud-kms-*.tar.gz in {DIST}, found {len(found)}")
    return found[0]


def forbidden_members(path: Path) -> list[str]:
    """The members of the tarball at PATH that must never be in it."""
    with tarfile.open(path) as archive:
        return [name for name in archive.getnames() if NEVER_IN_TARBALL.search(name)]


def ansible_test_ssh_key() -> None:
    """ansible-test's SSH key pair, made once before any parallel ansible-test run.

    ansible-test makes ~/.ansible/test/id_rsa on first use; two runs doing it at the same moment stop at
    ssh-keygen's "Overwrite (y/n)?". Same command as ansible-test's SshKey.generate_key_pair.
    """
    key = Path.home() / ".ansible" / "test" / "id_rsa"
    if key.is_file() and key.with_suffix(".pub").is_file():
        return
    key.parent.mkdir(parents=True, exist_ok=True)
    key.unlink(missing_ok=True)
    key.with_suffix(".pub").unlink(missing_ok=True)
    subprocess.run(
        ["ssh-keygen", "-m", "PEM", "-q", "-t", "rsa", "-N", "", "-f", str(key)], check=True, stdin=subprocess.DEVNULL
    )
    key.write_text(re.sub(r"(BEGIN|END) PRIVATE KEY", r"\1 RSA PRIVATE KEY", key.read_text()))


def pip_shim(python: Path) -> None:
    """ansible-test downloads a pip bootstrap script, unreachable offline: put an offline stand-in in its cache."""
    import_path = subprocess.run(
        [str(python), "-c", "import ansible_test, os; print(os.path.dirname(ansible_test.__file__))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    text = (Path(import_path) / "_internal" / "python_requirements.py").read_text()
    found = re.search(r"pip='([0-9.]+)'", text)
    if not found:
        raise StepFailed(f"cannot find the pip version ansible-test pins in {import_path}")
    cache = Path.home() / ".ansible" / "test" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(
        Path(__file__).with_name("get_pip_shim.py"), cache / f"get_pip_{found.group(1).replace('.', '_')}.py"
    )


def system_tools() -> None:
    """shellcheck, which ansible-test's sanity needs; installed with apt when running as root."""
    if shutil.which("shellcheck"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("Installing shellcheck (for ansible-test sanity)")
        install = ["apt-get", "install", "-y", "-qq", "shellcheck"]
        if subprocess.run(install, capture_output=True, stdin=subprocess.DEVNULL).returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], capture_output=True, stdin=subprocess.DEVNULL)
            subprocess.run(install, capture_output=True, stdin=subprocess.DEVNULL)
    if not shutil.which("shellcheck"):
        raise StepFailed(
            "shellcheck is missing (ansible-test sanity needs it): install it, e.g. apt-get install shellcheck"
        )
