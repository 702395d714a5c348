"""Create the development venv (.venv) with the pinned tools; standard library only, any Python 3.

The venv is made again only when requirements.txt, requirements-dev.txt or the emulator's pyproject.toml change.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv"
PY_VERSION = "3.12"
STAMP = VENV / ".requirements-sha256"
REQUIREMENT_FILES = ("requirements.txt", "requirements-dev.txt", "tests/emulator/pyproject.toml")


def find_python(version: str) -> str:
    """pythonX.Y on PATH, else pyenv's newest X.Y.z; exits with what to install when there is none."""
    on_path = shutil.which(f"python{version}")
    candidates = [on_path] if on_path else []
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True, check=False).stdout.strip()
        found = glob.glob(os.path.join(root, "versions", f"{version}.*", "bin", "python"))
        candidates += sorted(found, key=_version_key, reverse=True)
    for candidate in candidates:
        if subprocess.run([candidate, "-c", "import venv"], capture_output=True).returncode == 0:
            return candidate
    sys.exit(
        f"error: Python {version} is needed and was not found.\n"
        f"       Install it (for example 'pyenv install {version}' or your OS package python{version})\n"
        f"       and make sure 'python{version}' is on PATH."
    )


def _version_key(path: str) -> tuple[int, ...]:
    name = Path(path).parents[1].name
    return tuple(int(part) if part.isdigit() else -1 for part in name.split("."))


def requirements_digest() -> str:
    digest = hashlib.sha256()
    for name in REQUIREMENT_FILES:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def ensure_venv() -> Path:
    """The venv's python, after creating or refreshing the venv when its requirements changed."""
    python = VENV / "bin" / "python"
    want = requirements_digest()
    if python.exists() and STAMP.exists() and STAMP.read_text().strip() == want:
        return python
    base = find_python(PY_VERSION)
    print(f"\n==> Creating {VENV} with {base}", flush=True)
    shutil.rmtree(VENV, ignore_errors=True)
    subprocess.run([base, "-m", "venv", str(VENV)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run(pip + ["--upgrade", "pip"], check=True)
    subprocess.run(pip + ["-r", str(ROOT / "requirements-dev.txt"), "-e", str(ROOT / "tests" / "emulator")], check=True)
    STAMP.write_text(want + "\n")
    return python
