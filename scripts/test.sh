#!/usr/bin/env bash
# Sets everything up and runs every test of the collection; prints "N passed, N failed" last.
# Usage: scripts/test.sh [step ...]   (steps: emulator units sanity compat integration molecule demo awx lint docs
# changelog build importer ee)
# INTEGRATION_TARGETS="a b" limits the integration step to those targets; it runs them in INTEGRATION_SHARDS
# (default 2) parallel shards, each with its own copy of the collection and its own emulator.
set -u
source "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1

ensure_venv || exit 1
ensure_system_tools
activate
install_pip_shim
sync_collection

ALL_STEPS=(emulator units sanity compat integration molecule demo awx lint docs changelog build importer ee)
STEPS=("${@:-${ALL_STEPS[@]}}")
PASSED=()
FAILED=()
trap 'stop_shards; stop_emulator' EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM  # Ctrl-C stops the run; the EXIT trap stops what still runs

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

# Units and sanity again on the oldest supported line, ansible-core 2.19 with Python 3.11.
step_compat() { bash "$ROOT/scripts/check_compat.sh"; }

# --- integration: the targets run in parallel shards, each with its own collection copy, emulator and log.
INTEGRATION_SHARDS="${INTEGRATION_SHARDS:-2}"
# Seconds each target takes, relative to the others (ansible-test's run_time_seconds; each shard prints its targets'
# times), to give the shards about the same work. A target missing here counts as INTEGRATION_DEFAULT_SECONDS.
declare -A INTEGRATION_SECONDS=(
  [root_key]=110 [cluster_kms]=95 [iam_policy]=90 [prerequisites_info]=65 [kms_instance]=60
  [connection_options]=45 [root_key_info]=35 [iam_policy_info]=32 [kms_instance_info]=32
  [cluster_kms_info]=28 [iam_token]=15
)
INTEGRATION_DEFAULT_SECONDS=40
declare -A SHARD_PIDS=()  # shard number by the pid (and process group) of its background job

step_integration() {
  local -a targets shards words
  local n=0 line
  mapfile -t targets < <(integration_targets)
  [ "${#targets[@]}" -gt 0 ] || { echo "no integration target to run" >&2; return 1; }
  [[ "$INTEGRATION_SHARDS" =~ ^[1-9][0-9]*$ ]] || { echo "INTEGRATION_SHARDS must be a number >= 1" >&2; return 1; }
  mapfile -t shards < <(assign_shards "$INTEGRATION_SHARDS" "${targets[@]}")
  rm -rf "$BUILD/integration"
  for line in "${shards[@]}"; do
    n=$((n + 1))
    read -ra words <<< "$line"
    [ "${#words[@]}" -eq 0 ] || start_shard "$n" "${words[@]}"
  done
  wait_for_shards
}

# INTEGRATION_TARGETS, else every target ansible-test runs by default: not hidden (setup_emulator is hidden;
# the targets pull it in through their meta/main.yml), disabled, unsupported or unstable.
integration_targets() {
  local dir name
  if [ -n "${INTEGRATION_TARGETS:-}" ]; then
    # shellcheck disable=SC2086  # a list of words
    printf '%s\n' $INTEGRATION_TARGETS
    return 0
  fi
  for dir in "$COLLECTION_COPY"/tests/integration/targets/*/; do
    name="$(basename "$dir")"
    case "$name" in setup_* | prepare_*) continue ;; esac
    if ! grep -Eqx '[[:space:]]*(hidden|disabled|unsupported|unstable)[[:space:]]*(#.*)?' "$dir/aliases" 2>/dev/null; then
      echo "$name"
    fi
  done
}

# Prints COUNT lines, each the targets of one shard: longest target first, each to the least loaded shard.
assign_shards() {
  local count="$1"; shift
  local -a load=() lines=()
  local i best seconds target
  for ((i = 0; i < count; i++)); do load[i]=0; lines[i]=""; done
  while read -r seconds target; do
    best=0
    for ((i = 1; i < count; i++)); do
      if ((load[i] < load[best])); then best=$i; fi
    done
    load[best]=$((load[best] + seconds))
    lines[best]+="$target "
  done < <(for target in "$@"; do echo "${INTEGRATION_SECONDS[$target]:-$INTEGRATION_DEFAULT_SECONDS} $target"; done \
             | sort -k1,1nr -k2,2)
  printf '%s\n' "${lines[@]}"
}

# Starts shard N in the background, in a process group of its own (so that stop_shards can end all of it).
start_shard() {
  local n="$1"; shift
  local dir="$BUILD/integration/shard-$n"
  mkdir -p "$dir"
  echo "shard $n: $* (log: $dir/shard.log)"
  set -m
  run_shard "$dir" "$@" > "$dir/shard.log" 2>&1 < /dev/null &
  SHARD_PIDS[$!]="$n"
  set +m
}

# One shard (in a subshell): its own copy of the collection, emulator and integration_config.yml.
run_shard() {
  local dir="$1"; shift
  local copy="$dir/collections/ansible_collections/ibmcloud/kms"
  trap 'stop_emulator' EXIT
  clone_collection_copy "$copy" || return 1
  start_emulator_in "$dir" --provision-seconds 1 --enable-seconds 1.5 --rewrap-seconds 1 || return 1
  write_integration_config "$copy/tests/integration/integration_config.yml"
  cd "$copy" || return 1
  ANSIBLE_COLLECTIONS_PATH="$dir/collections" ansible-test integration --local --python "$PY_VERSION" --color no "$@"
}

write_integration_config() {
  cat > "$1" <<CONFIG
---
emulator_url: $EMULATOR_URL
emulator_command: $VENV/bin/ibmcloud-emulator
ibmcloud_api_key: emulator-admin-key
CONFIG
}

# Waits for every shard, printing each one's log as it ends; fails when any shard failed.
wait_for_shards() {
  local pid status failed=0
  while [ "${#SHARD_PIDS[@]}" -gt 0 ]; do
    pid="" status=0
    wait -n -p pid "${!SHARD_PIDS[@]}" || status=$?
    [ -n "$pid" ] || { echo "lost track of the integration shards" >&2; return 1; }
    report_shard "${SHARD_PIDS[$pid]}" "$status"
    unset 'SHARD_PIDS[$pid]'
    [ "$status" -eq 0 ] || failed=1
  done
  return "$failed"
}

# Prints shard N's log, the time each of its targets took and, when it failed, the target that failed.
report_shard() {
  local dir="$BUILD/integration/shard-$1" status="$2"
  say "[integration] shard $1 ended with status $status; its log, $dir/shard.log:"
  cat "$dir/shard.log"
  "$VENV/bin/python" - "$dir"/collections/ansible_collections/ibmcloud/kms/tests/output/data/integration-*.json <<'PY'
import json, sys
for path in sys.argv[1:]:
    targets = json.load(open(path)).get("targets", {}) if path.endswith(".json") else {}
    print("target times: " + (" ".join(f"{n}={t['run_time_seconds']}s" for n, t in targets.items()) or "none"))
PY
  if [ "$status" -ne 0 ]; then
    echo "shard $1 FAILED in target: $(failed_target "$dir/shard.log")"
  fi
}

# The target a failed ansible-test run was running: the last one it started (it stops at the first failure).
failed_target() {
  sed -n 's/^Running \([^ ]*\) integration test role$/\1/p' "$1" | tail -n1 | grep . || echo "(none started)"
}

# Ends every shard still running (its ansible-test and its emulator) and waits for it.
stop_shards() {
  local pid
  for pid in "${!SHARD_PIDS[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null
  done
  for pid in "${!SHARD_PIDS[@]}"; do
    wait "$pid" 2>/dev/null
  done
  SHARD_PIDS=()
}

# Every molecule scenario of extensions/molecule/ (a folder with a molecule.yml), all at once, each with an
# emulator on its own port (create.yml starts it on KMS_EMULATOR_PORT) and its own state folder under $BUILD (runs from two build folders
# do not share molecule's state); the log of a failed scenario is printed.
step_molecule() {
  local dir="$BUILD/molecule" scenario config failed=0
  local -A pids=()
  rm -rf "$dir" && mkdir -p "$dir"
  for config in "$COLLECTION_COPY"/extensions/molecule/*/molecule.yml; do
    scenario="$(basename "$(dirname "$config")")"
    mkdir -p "$dir/state/$scenario"
    (cd "$COLLECTION_COPY" && KMS_EMULATOR_PORT="$(free_port)" MOLECULE_EPHEMERAL_DIRECTORY="$dir/state/$scenario" \
      molecule test -s "$scenario") > "$dir/$scenario.log" 2>&1 &
    pids[$scenario]=$!
  done
  for scenario in "${!pids[@]}"; do
    if wait "${pids[$scenario]}"; then say "[molecule] $scenario passed"; else failed=1; say "[molecule] $scenario FAILED:"; cat "$dir/$scenario.log"; fi
  done
  return "$failed"
}

# The README's main job, exactly as `make demo` runs it (its own emulator): setup, verify, rotate, verify.
step_demo() { bash "$ROOT/scripts/demo.sh"; }

# The setup and verify playbooks through ansible-runner, as AWX runs them, with the credential type's injectors.
step_awx() { bash "$ROOT/scripts/check_awx.sh"; }

# The collection's execution-environment metadata and the example EE definition (ansible-builder create, offline).
step_ee() { bash "$ROOT/scripts/check_ee.sh"; }

step_lint() { in_copy ansible-lint --profile production --offline --nocolor; }

# The modules' and role's docs and the guides' references are valid; then the docs site builds without a warning.
step_docs() {
  in_copy antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs . \
    && bash "$ROOT/scripts/build_docs.sh" --no-setup
}

# The fragments and changelog.yaml are valid, and CHANGELOG.rst is exactly what antsibull-changelog makes of
# changelog.yaml (regenerated in the copy, compared with the committed file).
step_changelog() {
  in_copy antsibull-changelog lint || return 1
  [ -f "$ROOT/CHANGELOG.rst" ] || { echo "CHANGELOG.rst is missing: run 'antsibull-changelog generate'" >&2; return 1; }
  in_copy antsibull-changelog generate || return 1
  if ! diff -u "$ROOT/CHANGELOG.rst" "$COLLECTION_COPY/CHANGELOG.rst"; then
    echo "CHANGELOG.rst is not what changelogs/changelog.yaml gives: run 'antsibull-changelog generate'" >&2
    return 1
  fi
  echo "changelog fragments valid; CHANGELOG.rst matches changelogs/changelog.yaml"
}

step_build() {
  local out="$BUILD/dist"
  rm -rf "$out" && mkdir -p "$out"
  in_copy ansible-galaxy collection build --force --output-path "$out" . || return 1
  local tarball
  tarball="$(ls "$out"/ibmcloud-kms-*.tar.gz)"
  if tar -tzf "$tarball" \
       | grep -E '(^|/)(tests/emulator|tests/output|tests/importer|\.venv|build|__pycache__|\.pytest_cache|\.cache|\.ansible|molecule/state)/|\.(pyc|tar\.gz)$'; then
    echo "the tarball contains files that must stay out of it (above)" >&2
    return 1
  fi
  echo "built $tarball ($(tar -tzf "$tarball" | wc -l) entries)"
  installs_and_documents "$tarball"
}

# galaxy-importer (Galaxy's and Automation Hub's import checks, ansible-test off) accepts the tarball of the build step.
step_importer() { bash "$ROOT/scripts/check_importer.sh" "$BUILD"/dist/ibmcloud-kms-*.tar.gz; }

# The tarball installs into an empty collections path, and ansible-doc then lists every module of plugins/modules/.
installs_and_documents() {
  local target="$BUILD/dist/installed" listed module missing=0
  rm -rf "$target" && mkdir -p "$target"
  ANSIBLE_COLLECTIONS_PATH="$target" ansible-galaxy collection install "$1" -p "$target" >/dev/null || return 1
  listed="$(ANSIBLE_COLLECTIONS_PATH="$target" ansible-doc -t module -l ibmcloud.kms)" || return 1
  for module in "$COLLECTION_COPY"/plugins/modules/*.py; do
    module="ibmcloud.kms.$(basename "$module" .py)"
    if ! grep -q "^$module " <<<"$listed"; then echo "ansible-doc does not list $module" >&2; missing=1; fi
  done
  [ "$missing" -eq 0 ] && echo "installed into an empty path; ansible-doc lists $(grep -c '^ibmcloud.kms\.' <<<"$listed") modules"
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
