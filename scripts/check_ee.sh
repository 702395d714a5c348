#!/usr/bin/env bash
# Checks that ibmcloud.kms goes into an execution environment, offline (no container engine needed):
#   1. the collection tarball (built from the synced copy) holds the EE metadata and no test emulator or build output;
#   2. installed from the tarball into an empty collections path, `ansible-builder introspect` finds its Python
#      requirements (meta/execution-environment.yml -> requirements.txt);
#   3. `ansible-builder create` on examples/execution-environment/ (with the tarball) makes a build context whose
#      Containerfile installs the collection from the galaxy requirements, with the tarball inside;
#   4. the context's galaxy and builder stages, replayed here with the context's own files and scripts, install the
#      collection and write a Python requirements file with its requirements.
# Everything goes to $BUILD/ee. Exits non-zero, naming each failed check.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1

ensure_venv || exit 1
activate
sync_collection

EE_DIR="$BUILD/ee"
EXAMPLE_DIR="$ROOT/examples/execution-environment"
REQUIRED=(ibm-cloud-sdk-core ibm-platform-services requests)
# Paths that must stay out of the tarball (as in scripts/test.sh step_build, plus test configuration and bytecode).
FORBIDDEN='(^|/)(tests/emulator|tests/output|\.venv|build|__pycache__|\.pytest_cache|\.ansible)/|(^|/)integration_config\.yml$|\.pyc$|\.tar\.gz$'
FAILED=0

ok() { echo "  ok: $*"; }
fail() { echo "  FAILED: $*" >&2; FAILED=$((FAILED + 1)); }
die() { echo "  FAILED: $*" >&2; echo "check_ee: stopped after a failed step" >&2; exit 1; }

# Every name of REQUIRED must be a requirement line of FILE (optionally with a version specifier or comment).
check_requirements() {
  local what="$1" file="$2" name
  for name in "${REQUIRED[@]}"; do
    if grep -Eiq "^[-[:space:]']*${name}([[:space:]]*[<>=!~;#']|[[:space:]]*$)" "$file"; then
      ok "$what lists $name"
    else
      fail "$what does not list $name ($file)"
    fi
  done
}

# The tarball at $1 must not contain test emulator or build output.
check_tarball_clean() {
  local what="$1" tarball="$2" bad
  bad="$(tar -tzf "$tarball" | grep -E "$FORBIDDEN")"
  if [ -z "$bad" ]; then
    ok "$what holds no test emulator or build output"
  else
    fail "$what holds files that must stay out of it: $(tr '\n' ' ' <<<"$bad")"
  fi
}

rm -rf "$EE_DIR"
mkdir -p "$EE_DIR/dist" "$EE_DIR/collections" "$EE_DIR/work" "$EE_DIR/stages"

say "[ee] 1/4 Build the collection tarball"
(cd "$COLLECTION_COPY" && ansible-galaxy collection build --output-path "$EE_DIR/dist" .) \
  || die "ansible-galaxy collection build failed"
shopt -s nullglob
tarballs=("$EE_DIR"/dist/ibmcloud-kms-*.tar.gz)
shopt -u nullglob
[ "${#tarballs[@]}" -eq 1 ] || die "expected one ibmcloud-kms-*.tar.gz in $EE_DIR/dist, found ${#tarballs[@]}"
TARBALL="${tarballs[0]}"
TARBALL_NAME="$(basename "$TARBALL")"
check_tarball_clean "the tarball" "$TARBALL"
tar -tzf "$TARBALL" > "$EE_DIR/tarball-files.txt" || die "cannot list $TARBALL"
for member in meta/execution-environment.yml requirements.txt examples/execution-environment/execution-environment.yml \
              examples/execution-environment/requirements.yml; do
  if grep -qx "$member" "$EE_DIR/tarball-files.txt"; then ok "the tarball has $member"; else fail "the tarball lacks $member"; fi
done

say "[ee] 2/4 Install the tarball into an empty collections path and introspect it"
# ANSIBLE_COLLECTIONS_PATH = the new path: with activate's value (the synced copy), ansible-galaxy finds
# ibmcloud.kms already installed there and installs nothing into the new path.
ANSIBLE_COLLECTIONS_PATH="$EE_DIR/collections" ansible-galaxy collection install "$TARBALL" -p "$EE_DIR/collections" \
  || die "ansible-galaxy collection install $TARBALL_NAME failed"
[ -f "$EE_DIR/collections/ansible_collections/ibmcloud/kms/MANIFEST.json" ] \
  || die "ibmcloud.kms was not installed into $EE_DIR/collections"
ansible-builder introspect --sanitize "$EE_DIR/collections" > "$EE_DIR/introspect.txt" 2>&1 \
  || { cat "$EE_DIR/introspect.txt" >&2; die "ansible-builder introspect failed"; }
cat "$EE_DIR/introspect.txt"
for name in "${REQUIRED[@]}"; do
  if grep -Eiq "^- '?${name}[^a-z0-9_.-].*# from collection ibmcloud\.kms" "$EE_DIR/introspect.txt"; then
    ok "introspect lists $name from ibmcloud.kms"
  else
    fail "ansible-builder introspect does not list $name from collection ibmcloud.kms (meta/execution-environment.yml?)"
  fi
done

say "[ee] 3/4 ansible-builder create on examples/execution-environment"
for file in execution-environment.yml requirements.yml; do
  if grep -q "$TARBALL_NAME" "$EXAMPLE_DIR/$file"; then
    ok "examples/execution-environment/$file names $TARBALL_NAME"
  else
    fail "examples/execution-environment/$file does not name $TARBALL_NAME (the version in galaxy.yml changed?)"
  fi
done
core_line="$(sed -n 's/^ansible-core==\([0-9]*\.[0-9]*\)\..*/\1/p' "$ROOT/requirements-dev.txt")"
if [ -n "$core_line" ] && grep -Eq "package_pip: ansible-core>=${core_line//./\\.}(\.[0-9]+)?,<" "$EXAMPLE_DIR/execution-environment.yml"; then
  ok "the example installs ansible-core $core_line (as requirements-dev.txt)"
else
  fail "the example's ansible_core package_pip is not pinned to the ansible-core line of requirements-dev.txt (${core_line:-none})"
fi
cp "$EXAMPLE_DIR/execution-environment.yml" "$EXAMPLE_DIR/requirements.yml" "$TARBALL" "$EE_DIR/work/"
CONTEXT="$EE_DIR/context"
(cd "$EE_DIR/work" && ansible-builder create --file execution-environment.yml --context "$CONTEXT" \
   --output-filename Containerfile) || die "ansible-builder create failed"
CONTAINERFILE="$CONTEXT/Containerfile"
[ -f "$CONTAINERFILE" ] || die "no Containerfile in $CONTEXT"
ok "the context has a Containerfile"
if grep -q '^COPY _build /build$' "$CONTAINERFILE" && grep -q '^WORKDIR /build$' "$CONTAINERFILE"; then
  ok "the Containerfile copies _build into /build"
else
  fail "the Containerfile does not copy _build into /build"
fi
if grep -Eq '^RUN .*ansible-galaxy collection install .*-r requirements\.yml' "$CONTAINERFILE"; then
  ok "the Containerfile installs collections from the galaxy requirements"
else
  fail "the Containerfile does not run 'ansible-galaxy collection install -r requirements.yml'"
fi
if grep -Eq '^RUN .*introspect\.py introspect .*--write-pip=' "$CONTAINERFILE" \
   && grep -q '^RUN /output/scripts/assemble' "$CONTAINERFILE"; then
  ok "the Containerfile introspects the installed collections and installs their Python requirements"
else
  fail "the Containerfile does not introspect the collections (introspect.py ... --write-pip) and assemble"
fi
CONTEXT_TARBALL="$CONTEXT/_build/collections/$TARBALL_NAME"
if [ -f "$CONTEXT_TARBALL" ] && cmp -s "$CONTEXT_TARBALL" "$TARBALL"; then
  ok "the context has the collection tarball (_build/collections/$TARBALL_NAME)"
  check_tarball_clean "the context's tarball" "$CONTEXT_TARBALL"
else
  fail "the context lacks the collection tarball at _build/collections/$TARBALL_NAME (additional_build_files?)"
fi
if grep -Eq "^[[:space:]-]*name: collections/${TARBALL_NAME//./\\.}$" "$CONTEXT/_build/requirements.yml" 2>/dev/null; then
  ok "the context's galaxy requirements install collections/$TARBALL_NAME"
else
  fail "the context's _build/requirements.yml does not install collections/$TARBALL_NAME"
fi

say "[ee] 4/4 Replay the context's galaxy and builder stages"
# Galaxy stage: in _build (the image's /build), the same ansible-galaxy command into an empty collections path.
STAGE_COLLECTIONS="$EE_DIR/stages/collections"
if (cd "$CONTEXT/_build" && ANSIBLE_COLLECTIONS_PATH="$STAGE_COLLECTIONS" ANSIBLE_GALAXY_DISABLE_GPG_VERIFY=1 \
      ansible-galaxy collection install -r requirements.yml --collections-path "$STAGE_COLLECTIONS") \
   && [ -f "$STAGE_COLLECTIONS/ansible_collections/ibmcloud/kms/MANIFEST.json" ]; then
  ok "the galaxy stage installs ibmcloud.kms from the context"
  # Builder stage: the context's introspect.py writes the Python requirements file that the image installs.
  STAGE_PIP="$EE_DIR/stages/requirements.txt"
  if python "$CONTEXT/_build/scripts/introspect.py" introspect "$STAGE_COLLECTIONS" \
       --write-pip="$STAGE_PIP" --write-bindep="$EE_DIR/stages/bindep.txt" > "$EE_DIR/stages/introspect.txt" 2>&1 \
     && [ -f "$STAGE_PIP" ]; then
    echo "  introspected Python requirements (the builder stage's /tmp/src/requirements.txt):"
    sed 's/^/    /' "$STAGE_PIP"
    check_requirements "the builder stage's requirements file" "$STAGE_PIP"
  else
    cat "$EE_DIR/stages/introspect.txt" >&2
    fail "the builder stage's introspection wrote no Python requirements file"
  fi
  if [ -s "$EE_DIR/stages/bindep.txt" ]; then
    fail "the collection now needs system packages (bindep): $(tr '\n' ' ' < "$EE_DIR/stages/bindep.txt"); revisit the example's base image"
  else
    ok "no system packages needed (no bindep requirements)"
  fi
else
  fail "the galaxy stage could not install ibmcloud.kms from the context (_build/requirements.yml and _build/collections/)"
fi

if [ "$FAILED" -gt 0 ]; then
  say "check_ee: $FAILED check(s) FAILED (see above)"
  exit 1
fi
say "check_ee: all checks passed; build context: $CONTEXT"
