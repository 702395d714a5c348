"""The built collection: the tarball (contents, install, ansible-doc), galaxy-importer, the execution environment."""

from __future__ import annotations

import collections
import json
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

from .. import prepare
from ..context import BIN, BUILD, ROOT, StepFailed, run, say, tool_env

RUNTIME_REQUIREMENTS = ("ibm-cloud-sdk-core", "ibm-platform-services", "requests")
EE_EXAMPLE = ROOT / "examples" / "execution-environment"
IMPORTER_CONFIG = ROOT / "tests" / "importer" / "galaxy-importer.cfg"


def check_clean(what: str, tarball: Path) -> None:
    bad = prepare.forbidden_members(tarball)
    if bad:
        raise StepFailed(f"{what} holds files that must stay out of it: {' '.join(bad)}")
    print(f"  ok: {what} holds no emulator, harness, cache, test configuration or build output")


def build() -> None:
    """The tarball holds nothing it must not, installs into an empty path, and ansible-doc lists every module."""
    tarball = prepare.tarball()
    check_clean("the tarball", tarball)
    with tarfile.open(tarball) as archive:
        print(f"built {tarball} ({len(archive.getnames())} entries)")
    target = BUILD / "dist" / "installed"
    shutil.rmtree(target, ignore_errors=True)
    env = tool_env(collections_root=target)
    run(
        ["ansible-galaxy", "collection", "install", tarball, "-p", target],
        env=env,
        capture=True,
        what="ansible-galaxy collection install",
    )
    listed = run(["ansible-doc", "-t", "module", "-l", "ibmcloud.kms"], env=env, capture=True, what="ansible-doc -l")
    names = set(re.findall(r"^(ibmcloud\.kms\.\w+)\s", listed, re.MULTILINE))
    modules = {f"ibmcloud.kms.{p.stem}" for p in (ROOT / "plugins" / "modules").glob("*.py") if p.stem != "__init__"}
    if modules - names:
        raise StepFailed(f"ansible-doc does not list {', '.join(sorted(modules - names))}")
    print(f"installed into an empty path; ansible-doc lists {len(names)} modules")


def importer() -> None:
    """galaxy-importer (Galaxy's and Automation Hub's import checks, ansible-test off: it needs a container engine)
    accepts the tarball with no warning, no error and nothing on stderr; every module and role has a description."""
    tarball = prepare.tarball()
    folder = BUILD / "importer"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "tmp").mkdir(parents=True)
    (folder / "ansible-tmp").mkdir()
    env = tool_env(
        {
            "GALAXY_IMPORTER_CONFIG": str(IMPORTER_CONFIG),
            "GALAXY_IMPORTER_TMP_ROOT_DIR": str(folder / "tmp"),
            "GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP": str(folder / "ansible-tmp"),
            # Its ansible-lint --offline writes module stubs under ANSIBLE_HOME and deletes them at the end: a home
            # of its own, apart from the lint step's (see python_checks.lint).
            "ANSIBLE_HOME": str(folder / "ansible-home"),
        }
    )
    env.pop("ANSIBLE_COLLECTIONS_PATH")  # nothing but the tarball is seen (the importer sets its own)
    with (folder / "importer.log").open("w") as log, (folder / "importer.err").open("w") as err:
        status = subprocess.run(
            [BIN / "python", "-m", "galaxy_importer.main", tarball],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=err,
            stdin=subprocess.DEVNULL,
            check=False,
        ).returncode
    log_text, err_text = (folder / "importer.log").read_text(), (folder / "importer.err").read_text()
    # INFO lines are bare; every other level is "LEVEL: message".
    problems = re.findall(r"^(?:WARNING|ERROR|CRITICAL):.*$", log_text, re.MULTILINE)
    if status or problems or err_text.strip() or "Importer processing completed successfully" not in log_text:
        print(f"--- galaxy-importer log ({folder / 'importer.log'}):\n{log_text}\n--- stderr:\n{err_text}---")
        raise StepFailed(
            f"galaxy-importer does not accept {tarball.name} (exit status {status}): "
            + ("; ".join(problems) or "see its log above")
        )
    if "Linting collection via ansible-lint" not in log_text:
        raise StepFailed(f"ansible-lint did not run in galaxy-importer (see {folder / 'importer.log'})")
    check_import_result(json.loads((folder / "importer_result.json").read_text()))


def check_import_result(result: dict) -> None:
    counts = collections.Counter(item["content_type"] for item in result["contents"])
    documented = sum(1 for item in result["docs_blob"]["contents"] if item.get("doc_strings"))
    if not counts.get("module") or documented < counts["module"]:
        raise StepFailed(
            f"only {documented} content item(s) with ansible-doc docs for {counts.get('module', 0)} modules"
        )
    blank = [
        f"{item['content_type']} {item['name']}"
        for item in result["contents"]
        if item["content_type"] in ("module", "role") and not (item.get("description") or "").strip()
    ]
    if blank:  # the importer accepts them silently; Galaxy would list them with no description
        raise StepFailed("no description (short_description, galaxy_info.description) for: " + ", ".join(blank))
    meta = result["metadata"]
    print(
        f"galaxy-importer accepts {meta['namespace']}.{meta['name']} {meta['version']}, no warning and no error: "
        + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
        + f"; {documented} documented by ansible-doc; requires_ansible {result['requires_ansible']}"
    )


def ee() -> None:
    """The execution environment, offline: the tarball holds the EE metadata; ansible-builder introspect finds the
    Python requirements; ansible-builder create makes a context that installs the collection from its tarball; the
    context's galaxy and builder stages, replayed here, install it and list its requirements."""
    tarball = prepare.tarball()
    folder = BUILD / "ee"
    shutil.rmtree(folder, ignore_errors=True)
    for sub in ("collections", "work", "stages"):
        (folder / sub).mkdir(parents=True)
    with tarfile.open(tarball) as archive:
        members = set(archive.getnames())
    for member in (
        "meta/execution-environment.yml",
        "requirements.txt",
        "examples/execution-environment/execution-environment.yml",
        "examples/execution-environment/requirements.yml",
    ):
        if member not in members:
            raise StepFailed(f"the tarball lacks {member}")
    say("[ee] introspect the collection installed from the tarball")
    env = tool_env(collections_root=folder / "collections")
    run(
        ["ansible-galaxy", "collection", "install", tarball, "-p", folder / "collections"],
        env=env,
        capture=True,
        what="ansible-galaxy collection install",
    )
    introspected = run(
        ["ansible-builder", "introspect", "--sanitize", folder / "collections"],
        env=env,
        capture=True,
        what="ansible-builder introspect",
    )
    print(introspected)
    for name in RUNTIME_REQUIREMENTS:
        if not re.search(
            rf"^- '?{re.escape(name)}[^a-z0-9_.-].*# from collection ibmcloud\.kms",
            introspected,
            re.MULTILINE | re.IGNORECASE,
        ):
            raise StepFailed(f"ansible-builder introspect does not list {name} from ibmcloud.kms")
    check_example_pins(tarball.name)
    context = ee_create(tarball, folder)
    ee_replay(context, tarball.name, folder / "stages")
    print(f"ee: all checks passed; build context: {context}")


def check_example_pins(tarball_name: str) -> None:
    for name in ("execution-environment.yml", "requirements.yml"):
        if tarball_name not in (EE_EXAMPLE / name).read_text():
            raise StepFailed(f"examples/execution-environment/{name} does not name {tarball_name} (version changed?)")
    core = re.search(r"^ansible-core==(\d+\.\d+)\.", (ROOT / "requirements-dev.txt").read_text(), re.MULTILINE)
    example = (EE_EXAMPLE / "execution-environment.yml").read_text()
    if not core or not re.search(rf"package_pip: ansible-core>={re.escape(core.group(1))}(\.\d+)?,<", example):
        raise StepFailed("the example's ansible_core package_pip is not the ansible-core line of requirements-dev.txt")


def ee_create(tarball: Path, folder: Path) -> Path:
    say("[ee] ansible-builder create on examples/execution-environment")
    for name in ("execution-environment.yml", "requirements.yml"):
        shutil.copy2(EE_EXAMPLE / name, folder / "work" / name)
    shutil.copy2(tarball, folder / "work" / tarball.name)
    context = folder / "context"
    run(
        [
            "ansible-builder",
            "create",
            "--file",
            "execution-environment.yml",
            "--context",
            context,
            "--output-filename",
            "Containerfile",
        ],
        cwd=folder / "work",
        what="ansible-builder create",
    )
    containerfile = (context / "Containerfile").read_text()
    expected = {
        "copies _build into /build": r"^COPY _build /build$",
        "installs the galaxy requirements": r"^RUN .*ansible-galaxy collection install .*-r requirements\.yml",
        "introspects the collections": r"^RUN .*introspect\.py introspect .*--write-pip=",
        "assembles the image": r"^RUN /output/scripts/assemble",
    }
    for what, pattern in expected.items():
        if not re.search(pattern, containerfile, re.MULTILINE):
            raise StepFailed(f"the Containerfile does not show that it {what} ({pattern})")
    inside = context / "_build" / "collections" / tarball.name
    if not inside.is_file() or inside.read_bytes() != tarball.read_bytes():
        raise StepFailed(f"the context lacks the collection tarball at _build/collections/{tarball.name}")
    check_clean("the context's tarball", inside)
    return context


def ee_replay(context: Path, tarball_name: str, stages: Path) -> None:
    """The galaxy stage (in _build, as the image's /build) and the builder stage's introspection."""
    say("[ee] replay the context's galaxy and builder stages")
    collections_path = stages / "collections"
    env = tool_env({"ANSIBLE_GALAXY_DISABLE_GPG_VERIFY": "1"}, collections_root=collections_path)
    run(
        ["ansible-galaxy", "collection", "install", "-r", "requirements.yml", "--collections-path", collections_path],
        cwd=context / "_build",
        env=env,
        capture=True,
        what="the galaxy stage",
    )
    if not (collections_path / "ansible_collections" / "ibmcloud" / "kms" / "MANIFEST.json").is_file():
        raise StepFailed(f"the galaxy stage did not install ibmcloud.kms from collections/{tarball_name}")
    pip_file, bindep = stages / "requirements.txt", stages / "bindep.txt"
    run(
        [
            BIN / "python",
            context / "_build" / "scripts" / "introspect.py",
            "introspect",
            collections_path,
            f"--write-pip={pip_file}",
            f"--write-bindep={bindep}",
        ],
        env=env,
        capture=True,
        what="the builder stage",
    )
    written = pip_file.read_text() if pip_file.exists() else ""
    print("  the builder stage's Python requirements:\n" + "\n".join("    " + line for line in written.splitlines()))
    for name in RUNTIME_REQUIREMENTS:
        if not re.search(rf"^[-\s']*{re.escape(name)}([\s<>=!~;#']|$)", written, re.MULTILINE | re.IGNORECASE):
            raise StepFailed(f"the builder stage's requirements file does not list {name}")
    if bindep.exists() and bindep.read_text().strip():
        raise StepFailed(f"the collection now needs system packages (bindep): {bindep.read_text().split()}")
