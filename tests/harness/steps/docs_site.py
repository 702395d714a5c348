"""The docs (module and role docs, the guides' references, the docs site built offline) and the changelog."""

from __future__ import annotations

import difflib
import html.parser
import shutil
import urllib.parse
import zlib
from pathlib import Path

from .. import prepare
from ..context import BUILD, ROOT, StepFailed, run, say, tool_env

DOCS = BUILD / "docsite"
# Labels of docs.ansible.com that antsibull-docs' pages link to: name, page and anchor, title. Sphinx reads them from
# a local intersphinx inventory instead of downloading Ansible's.
ANSIBLE_LABELS = (
    ("common_return_values", "reference_appendices/common_return_values.html#common-return-values", "Return Values"),
    (
        "ansible_configuration_settings",
        "reference_appendices/config.html#ansible-configuration-settings",
        "Ansible Configuration Settings",
    ),
    ("action_plugins", "plugins/action.html#action-plugins", "Action plugins"),
)


def changelog() -> None:
    """The fragments and changelog.yaml are valid, and CHANGELOG.rst is exactly what antsibull-changelog makes of
    changelog.yaml (generated in a copy, compared with the committed file)."""
    copy = prepare.own_copy("changelog")
    run(["antsibull-changelog", "lint"], cwd=copy, what="antsibull-changelog lint")
    if not (ROOT / "CHANGELOG.rst").is_file():
        raise StepFailed("CHANGELOG.rst is missing: run 'antsibull-changelog generate'")
    run(["antsibull-changelog", "generate"], cwd=copy, what="antsibull-changelog generate")
    committed, generated = (ROOT / "CHANGELOG.rst").read_text(), (copy / "CHANGELOG.rst").read_text()
    if generated != committed:
        print(
            "".join(
                difflib.unified_diff(
                    committed.splitlines(True), generated.splitlines(True), "CHANGELOG.rst", "generated"
                )
            )
        )
        raise StepFailed(
            "CHANGELOG.rst is not what changelogs/changelog.yaml gives: run 'antsibull-changelog generate'"
        )
    print("changelog fragments valid; CHANGELOG.rst matches changelogs/changelog.yaml")


def docs() -> None:
    """antsibull-docs lint, then the docs site: every module, the role and every guide get a page, warnings fail."""
    copy = prepare.own_copy("docs")
    # document this copy and nothing else
    env = tool_env({"ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false"}, collections_root=copy.parents[2])
    run(
        ["antsibull-docs", "lint-collection-docs", "--plugin-docs", "--check-extra-docs-refs", "."],
        cwd=copy,
        env=env,
        what="antsibull-docs lint-collection-docs",
    )
    say(f"[docs] Sphinx project in {DOCS}")
    shutil.rmtree(DOCS, ignore_errors=True)
    DOCS.mkdir(parents=True)
    DOCS.chmod(0o700)  # antsibull-docs wants its destination writable by its owner only
    run(
        [
            "antsibull-docs",
            "sphinx-init",
            "--use-current",
            "--squash-hierarchy",
            "--fail-on-error",
            "--dest-dir",
            DOCS,
            "--project",
            "ibmcloud.kms",
            "--copyright",
            "ibmcloud.kms contributors",
            "--title",
            "ibmcloud.kms collection",
            "ibmcloud.kms",
        ],
        env=env,
        what="antsibull-docs sphinx-init",
        capture=True,
    )
    offline_intersphinx(DOCS)
    say("[docs] reStructuredText of the modules, the role and the guides")
    (DOCS / "rst").mkdir(exist_ok=True)
    (DOCS / "rst").chmod(0o755)
    run(
        [
            "antsibull-docs",
            "--config-file",
            "antsibull-docs.cfg",
            "collection",
            "--cleanup",
            "everything",
            "--fail-on-error",
            "--use-current",
            "--squash-hierarchy",
            "--dest-dir",
            "rst",
            "ibmcloud.kms",
        ],
        cwd=DOCS,
        env=env,
        what="antsibull-docs collection",
    )
    guides = copy / "docs" / "docsite" / "rst"
    for image in (path for path in guides.rglob("*") if path.is_file() and path.suffix != ".rst"):
        target = DOCS / "rst" / "docsite" / image.relative_to(guides)  # antsibull-docs copies only the .rst files
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(image, target)
    say("[docs] sphinx-build (warnings are errors)")
    run(
        ["sphinx-build", "-M", "html", "rst", "build", "-c", ".", "-W", "--keep-going", "-q", "-j", "auto"],
        cwd=DOCS,
        env=env,
        what="sphinx-build",
    )
    check_pages(DOCS / "build" / "html", copy)


def offline_intersphinx(docs: Path) -> None:
    """Offline: intersphinx reads a local inventory of the Ansible labels the pages use."""
    header = (
        "# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    body = "".join(f"{name} std:label -1 {uri} {title}\n" for name, uri, title in ANSIBLE_LABELS)
    (docs / "ansible_devel.inv").write_bytes(header.encode() + zlib.compress(body.encode()))
    with (docs / "conf.py").open("a", encoding="utf-8") as conf:
        conf.write(
            "\n# The test harness: offline, intersphinx reads only the local inventory next to conf.py.\n"
            "intersphinx_mapping = {\n"
            "    'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/', '../ansible_devel.inv'),\n"
            "}\n"
        )


def check_pages(html_root: Path, copy: Path) -> None:
    modules = sorted(p.stem for p in (copy / "plugins" / "modules").glob("*.py") if p.stem != "__init__")
    roles = sorted(p.name for p in (copy / "roles").iterdir() if p.is_dir())
    guides = sorted(p.stem for p in (copy / "docs" / "docsite" / "rst").glob("*.rst"))
    pages = (
        [(f"module {m}", f"{m}_module.html") for m in modules]
        + [(f"role {r}", f"{r}_role.html") for r in roles]
        + [(f"guide {g}", f"docsite/{g}.html") for g in guides]
    )
    missing = [f"{what} ({page})" for what, page in pages if not (html_root / page).is_file()]
    if missing:
        raise StepFailed("no HTML page for: " + ", ".join(missing))
    architecture = html_root / "docsite" / "architecture.html"
    images = ImageSources()
    images.feed(architecture.read_text(encoding="utf-8"))
    shown = [
        src
        for src in images.sources
        if "flow" in src and (architecture.parent / urllib.parse.unquote(src.split("#")[0])).is_file()
    ]
    if not shown:
        raise StepFailed(f"{architecture}: no <img> of the flow diagram whose file exists (images: {images.sources})")
    print(
        f"docs site built: {len(modules)} module pages, {len(roles)} role page(s), {len(guides)} guides, flow diagram"
        f" on the architecture page; {html_root / 'index.html'}"
    )


class ImageSources(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources.append(dict(attrs).get("src") or "")
