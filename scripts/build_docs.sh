#!/usr/bin/env bash
# Builds the collection's docs site offline into $BUILD/docsite (HTML in $BUILD/docsite/build/html):
#   1. `antsibull-docs sphinx-init` writes the Sphinx project; its intersphinx reads a local inventory only, so the
#      build never needs the network;
#   2. `antsibull-docs collection` writes the module and role pages and the guides of docs/docsite/ (extra-docs.yml)
#      as reStructuredText; the guides' images and other non-.rst files of docs/docsite/rst/ are copied next to them;
#   3. `sphinx-build -W --keep-going` builds the HTML: any warning fails the build;
#   4. checks that there is a page for every module of plugins/modules/, the role and every guide, and that the
#      architecture page shows the flow diagram (an <img> whose file is in the build).
# Usage: scripts/build_docs.sh [--no-setup]
#   Alone, it sets up .venv, activates it and syncs the collection copy, like scripts/check_ee.sh.
#   --no-setup (scripts/test.sh): the caller has done that; antsibull-docs and sphinx-build are used from PATH.
# Prints one summary line last; exits non-zero on a failed build or check.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1

if [ "${1:-}" != "--no-setup" ]; then
  ensure_venv || exit 1
  activate
  sync_collection
fi
# Document the synced copy, and nothing else that may be installed.
export ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS_ROOT"
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false

DOCS="$BUILD/docsite"
HTML="$DOCS/build/html"
STARTED=$SECONDS

die() { echo "build_docs: FAILED: $*" >&2; exit 1; }

for tool in antsibull-docs sphinx-build python; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not on PATH (pip install -r requirements-dev.txt)"
done
python -c 'import sphinx_ansible_theme, sphinx_antsibull_ext' 2>/dev/null \
  || die "sphinx-ansible-theme or antsibull-docs is missing in $(command -v python) (pip install -r requirements-dev.txt)"
[ -f "$COLLECTION_COPY/galaxy.yml" ] || die "no collection copy at $COLLECTION_COPY (run without --no-setup)"

say "[docs] 1/4 Sphinx project in $DOCS"
rm -rf "$DOCS"
mkdir -p "$DOCS" && chmod 700 "$DOCS"  # antsibull-docs wants its destination writable by its owner only
antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error --dest-dir "$DOCS" \
    --project ibmcloud.kms --copyright 'ibmcloud.kms contributors' --title 'ibmcloud.kms collection' \
    ibmcloud.kms >/dev/null \
  || die "antsibull-docs sphinx-init failed"

# Offline: the pages link to the Ansible documentation through intersphinx; instead of downloading its inventory,
# Sphinx reads a local one with the labels that antsibull-docs' pages use.
python - "$DOCS" <<'PY' || die "could not write the local intersphinx inventory"
import pathlib, sys, zlib
docs = pathlib.Path(sys.argv[1])
labels = [  # name, page and anchor on docs.ansible.com, title
    ("common_return_values", "reference_appendices/common_return_values.html#common-return-values",
     "Return Values"),
    ("ansible_configuration_settings", "reference_appendices/config.html#ansible-configuration-settings",
     "Ansible Configuration Settings"),
]
header = "# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n" \
         "# The remainder of this file is compressed using zlib.\n"
body = "".join(f"{name} std:label -1 {uri} {title}\n" for name, uri, title in labels)
(docs / "ansible_devel.inv").write_bytes(header.encode() + zlib.compress(body.encode()))
with open(docs / "conf.py", "a", encoding="utf-8") as conf:
    conf.write("\n# scripts/build_docs.sh: offline, intersphinx reads only the local inventory next to conf.py.\n"
               "intersphinx_mapping = {\n"
               "    'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/', '../ansible_devel.inv'),\n"
               "}\n")
PY

say "[docs] 2/4 reStructuredText of the modules, the role and the guides"
mkdir -p "$DOCS/rst" && chmod og-w "$DOCS/rst"
(cd "$DOCS" && antsibull-docs --config-file antsibull-docs.cfg collection --cleanup everything --fail-on-error \
    --use-current --squash-hierarchy --dest-dir rst ibmcloud.kms) \
  || die "antsibull-docs collection failed"
# antsibull-docs copies only the .rst files of docs/docsite/rst/ (to rst/docsite/): copy the rest (images).
(cd "$COLLECTION_COPY/docs/docsite/rst" && find . -type f ! -name '*.rst' -print0 \
   | xargs -0 -r cp --parents -t "$DOCS/rst/docsite") \
  || die "could not copy the images of docs/docsite/rst"

say "[docs] 3/4 sphinx-build (warnings are errors)"
(cd "$DOCS" && sphinx-build -M html rst build -c . -W --keep-going -q -j auto) \
  || die "sphinx-build failed (warnings above)"

say "[docs] 4/4 Check the pages"
missing=()
shopt -s nullglob
modules=("$ROOT"/plugins/modules/*.py)
guides=("$ROOT"/docs/docsite/rst/*.rst)
module_count=0
for module in "${modules[@]}"; do
  name="$(basename "$module" .py)"
  [ "$name" = "__init__" ] && continue
  module_count=$((module_count + 1))
  [ -f "$HTML/${name}_module.html" ] || missing+=("module $name (${name}_module.html)")
done
roles=()
for role in "$ROOT"/roles/*/; do
  name="$(basename "$role")"
  roles+=("$name")
  [ -f "$HTML/${name}_role.html" ] || missing+=("role $name (${name}_role.html)")
done
for guide in "${guides[@]}"; do
  name="$(basename "$guide" .rst)"
  [ -f "$HTML/docsite/$name.html" ] || missing+=("guide $name (docsite/$name.html)")
done
[ "${#missing[@]}" -eq 0 ] || die "no HTML page for: ${missing[*]}"

# The architecture page shows the flow diagram: an <img> whose file is in the build.
python - "$HTML/docsite/architecture.html" <<'PY' || die "the architecture page does not show the flow diagram"
import html.parser, pathlib, sys, urllib.parse
page = pathlib.Path(sys.argv[1])
class Images(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.sources = []
    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.sources.append(dict(attrs).get("src", ""))
parser = Images()
parser.feed(page.read_text(encoding="utf-8"))
found = [src for src in parser.sources
         if "flow" in src and (page.parent / urllib.parse.unquote(src.split("#")[0])).is_file()]
if not found:
    print(f"{page}: no <img> of the flow diagram whose file exists (images: {parser.sources})", file=sys.stderr)
    sys.exit(1)
PY

echo "docs site built in $((SECONDS - STARTED))s: $module_count module pages, ${#roles[@]} role page(s)," \
     "${#guides[@]} guides, flow diagram on the architecture page; $HTML/index.html"
