#!/usr/bin/env bash
# Sets everything up and runs every test of the collection; prints "N passed, N failed" last.
# Usage: scripts/test.sh [step ...]   (steps: emulator units sanity integration demo lint docs changelog build)
# INTEGRATION_TARGETS="a b" limits the integration step to those targets.
set -u
source "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1

ensure_venv || exit 1
ensure_system_tools
activate
install_pip_shim
sync_collection

ALL_STEPS=(emulator units sanity integration demo lint docs changelog build)
STEPS=("${@:-${ALL_STEPS[@]}}")
PASSED=()
FAILED=()
trap 'stop_emulator' EXIT

run_step() {
  local name="$1"; shift
  local started=$SECONDS
  say "[$name] $*"
  if "$@"; then
    PASSED+=("$name ($((SECONDS - started))s)")
  else
    FAILED+=("$name ($((SECONDS - started))s)")
  fi
}

in_copy() { (cd "$COLLECTION_COPY" && "$@"); }

step_emulator() { python -m pytest -q -p no:cacheprovider -n 2 tests/emulator/tests; }

step_units() { in_copy ansible-test units --local --python "$PY_VERSION" --color no; }

step_sanity() { in_copy ansible-test sanity --venv --python "$PY_VERSION" --color no; }

step_integration() {
  start_emulator --provision-seconds 1 --enable-seconds 1.5 || return 1
  cat > "$COLLECTION_COPY/tests/integration/integration_config.yml" <<CONFIG
---
emulator_url: $EMULATOR_URL
emulator_command: $VENV/bin/ibmcloud-emulator
ibmcloud_api_key: emulator-admin-key
CONFIG
  local status=0
  # shellcheck disable=SC2086  # the target list is meant to be split into words
  in_copy ansible-test integration --local --python "$PY_VERSION" --color no ${INTEGRATION_TARGETS:-} || status=$?
  stop_emulator
  return $status
}

# The README's main job, exactly as `make demo` runs it (its own emulator; a second run must change nothing).
step_demo() { bash "$ROOT/scripts/demo.sh"; }

step_lint() { in_copy ansible-lint --profile production --offline --nocolor; }

step_docs() { in_copy antsibull-docs lint-collection-docs --plugin-docs .; }

step_changelog() { in_copy antsibull-changelog lint; }

step_build() {
  local out="$BUILD/dist"
  rm -rf "$out" && mkdir -p "$out"
  in_copy ansible-galaxy collection build --force --output-path "$out" . || return 1
  local tarball
  tarball="$(ls "$out"/ibmcloud-kms-*.tar.gz)"
  if tar -tzf "$tarball" | grep -E '(^|/)(tests/emulator|tests/output|\.venv|build|__pycache__)/' ; then
    echo "the tarball contains files that must stay out of it (above)" >&2
    return 1
  fi
  echo "built $tarball ($(tar -tzf "$tarball" | wc -l) entries)"
}

for step in "${STEPS[@]}"; do
  if ! declare -F "step_$step" >/dev/null; then
    echo "unknown step: $step (known: ${ALL_STEPS[*]})" >&2
    FAILED+=("$step (unknown)")
    continue
  fi
  run_step "$step" "step_$step"
done

say "Summary"
for item in "${PASSED[@]}"; do echo "  passed: $item"; done
for item in "${FAILED[@]}"; do echo "  FAILED: $item"; done
echo "${#PASSED[@]} passed, ${#FAILED[@]} failed"
[ "${#FAILED[@]}" -eq 0 ]
