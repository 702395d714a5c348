#!/usr/bin/env bash
# Checks that galaxy-importer, the import step of Ansible Galaxy and Automation Hub, accepts the collection tarball
# with no warning and no error: the manifest and file checksums, the metadata (tags, license, version), ansible-doc
# on every plugin, a README for the collection and each role, the changelog, ansible-lint (production profile,
# offline) and the files meta/execution-environment.yml names; plus a description for every module and role. Its
# ansible-test step is switched off (it needs a container engine); everything runs offline.
# Options: tests/importer/galaxy-importer.cfg.
# Usage: scripts/check_importer.sh [TARBALL]   (without TARBALL: builds one from the synced copy)
# Output in $BUILD/importer: importer.log (its log), importer_result.json (its result). Exits non-zero when the
# importer fails or logs any WARNING, ERROR or CRITICAL line (or anything on stderr), printing those lines.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1

ensure_venv || exit 1
activate

DIR="$BUILD/importer"
CONFIG="$ROOT/tests/importer/galaxy-importer.cfg"

die() { echo "check_importer: $*" >&2; exit 1; }

[ "$#" -le 1 ] || die "expected at most one tarball, got $# arguments: $*"
"$VENV/bin/python" -c 'import galaxy_importer' 2>/dev/null \
  || die "galaxy-importer is not installed in $VENV (it is pinned in requirements-dev.txt; run scripts/test.sh once)"
[ -f "$CONFIG" ] || die "no importer configuration at $CONFIG"

if [ "$#" -eq 1 ]; then
  [ -f "$1" ] || die "no tarball at $1"
  TARBALL="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
else
  sync_collection
  rm -rf "$DIR/dist" && mkdir -p "$DIR/dist"
  ansible-galaxy collection build --output-path "$DIR/dist" "$COLLECTION_COPY" >/dev/null \
    || die "ansible-galaxy collection build failed"
  TARBALL="$(ls "$DIR"/dist/*.tar.gz)"
fi
rm -rf "$DIR/tmp" "$DIR/ansible-tmp" "$DIR/importer.log" "$DIR/importer.err" "$DIR/importer_result.json"
mkdir -p "$DIR/tmp" "$DIR/ansible-tmp"

say "[importer] galaxy-importer $("$VENV/bin/python" -c 'import galaxy_importer; print(galaxy_importer.__version__)') on $(basename "$TARBALL")"
# In $DIR: the importer writes importer_result.json into its working folder. ANSIBLE_COLLECTIONS_PATH is dropped so
# that nothing but the tarball is seen (the importer sets it for ansible-doc and ansible-lint to its extract folder).
status=0
(cd "$DIR" && env -u ANSIBLE_COLLECTIONS_PATH \
   GALAXY_IMPORTER_CONFIG="$CONFIG" \
   GALAXY_IMPORTER_TMP_ROOT_DIR="$DIR/tmp" \
   GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP="$DIR/ansible-tmp" \
   python -m galaxy_importer.main "$TARBALL") > "$DIR/importer.log" 2> "$DIR/importer.err" || status=$?

# The importer logs INFO lines bare and every other level as "LEVEL: message"; a multi-line message (a traceback)
# goes on unprefixed, so the whole log is printed whenever something is wrong.
problems="$(grep -E '^(WARNING|ERROR|CRITICAL):' "$DIR/importer.log")"
if [ "$status" -ne 0 ] || [ -n "$problems" ] || [ -s "$DIR/importer.err" ] \
   || ! grep -qx 'Importer processing completed successfully' "$DIR/importer.log"; then
  echo "--- galaxy-importer log ($DIR/importer.log):"
  cat "$DIR/importer.log"
  if [ -s "$DIR/importer.err" ]; then
    echo "--- galaxy-importer stderr ($DIR/importer.err):"
    cat "$DIR/importer.err"
  fi
  echo "---"
  [ -z "$problems" ] || { echo "galaxy-importer reported:"; grep -E '^(WARNING|ERROR|CRITICAL):' "$DIR/importer.log" | sed 's/^/  /'; }
  [ ! -s "$DIR/importer.err" ] || echo "galaxy-importer wrote $(wc -l < "$DIR/importer.err") line(s) on stderr (above)"
  die "galaxy-importer does not accept $(basename "$TARBALL") (exit status $status)"
fi

# Every check ran: ansible-doc found the modules, ansible-lint ran (it is skipped, with a warning, when missing).
grep -q '^Linting collection via ansible-lint' "$DIR/importer.log" || die "ansible-lint did not run (see $DIR/importer.log)"
"$VENV/bin/python" - "$DIR/importer_result.json" <<'PY' || exit 1
import collections, json, sys

result = json.load(open(sys.argv[1]))
counts = collections.Counter(item["content_type"] for item in result["contents"])
documented = sum(1 for item in result["docs_blob"]["contents"] if item.get("doc_strings"))
if not counts.get("module") or documented < counts["module"]:
    sys.exit(f"check_importer: only {documented} content item(s) with ansible-doc docs for {counts.get('module', 0)} module(s)")
# The importer accepts a module without short_description (or a role without a galaxy_info description) silently;
# Galaxy would list it with no description.
blank = [f"{item['content_type']} {item['name']}" for item in result["contents"]
         if item["content_type"] in ("module", "role") and not (item.get("description") or "").strip()]
if blank:
    sys.exit("check_importer: no description in the importer's result (short_description, galaxy_info.description) for: "
             + ", ".join(blank))
meta = result["metadata"]
print(
    f"galaxy-importer accepts {meta['namespace']}.{meta['name']} {meta['version']}, no warning and no error: "
    + ", ".join(f"{n} {kind}{'s' if n > 1 and not kind.endswith('s') else ''}" for kind, n in sorted(counts.items()))
    + f"; {documented} documented by ansible-doc; requires_ansible {result['requires_ansible']};"
    + f" readme {result['docs_blob']['collection_readme']['name']}"
    + f" and {len(result['docs_blob']['documentation_files'])} docs/ file(s) rendered"
)
PY
