# Shared helpers for scripts/test.sh and scripts/demo.sh (sourced, not run).
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
BUILD="${KMS_BUILD_DIR:-$ROOT/build}"  # KMS_BUILD_DIR lets parallel runs use separate copies
COLLECTIONS_ROOT="$BUILD/collections"
COLLECTION_COPY="$COLLECTIONS_ROOT/ansible_collections/ibmcloud/kms"
PY_VERSION="3.12"

say() { printf '\n==> %s\n' "$*"; }

# Python 3.12: python3.12 on PATH, else pyenv's newest 3.12.x.
find_python() {
  local candidate
  if command -v "python$PY_VERSION" >/dev/null 2>&1 && "python$PY_VERSION" -c 'import sys' >/dev/null 2>&1; then
    command -v "python$PY_VERSION"
    return 0
  fi
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in $(find "$(pyenv root)/versions" -maxdepth 1 -name "$PY_VERSION.*" 2>/dev/null | sort -V -r); do
      if [ -x "$candidate/bin/python" ]; then
        echo "$candidate/bin/python"
        return 0
      fi
    done
  fi
  echo "error: Python $PY_VERSION is needed and was not found." >&2
  echo "       Install it (for example 'pyenv install $PY_VERSION' or your OS package python$PY_VERSION)" >&2
  echo "       and make sure 'python$PY_VERSION' is on PATH." >&2
  return 1
}

# .venv with the pinned tools and the emulator; reinstalled only when the requirement files change.
ensure_venv() {
  local python stamp want
  want="$(cat "$ROOT/requirements.txt" "$ROOT/requirements-dev.txt" "$ROOT/tests/emulator/pyproject.toml" \
          | sha256sum | cut -d' ' -f1)"
  stamp="$VENV/.requirements-sha256"
  if [ -x "$VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  python="$(find_python)" || return 1
  say "Creating $VENV with $python"
  rm -rf "$VENV"
  "$python" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -r "$ROOT/requirements-dev.txt" -e "$ROOT/tests/emulator"
  echo "$want" > "$stamp"
}

# System tools some checks need (ansible-test's shellcheck sanity test); installed when we may.
ensure_system_tools() {
  command -v shellcheck >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "Installing shellcheck (for ansible-test sanity)"
    apt-get install -y -qq shellcheck >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq shellcheck >/dev/null 2>&1; } \
      || echo "warning: could not install shellcheck; its sanity test will be skipped" >&2
  else
    echo "warning: shellcheck is not installed; its sanity test will be skipped" >&2
  fi
}

activate() {
  export PATH="$VENV/bin:$PATH"
  export VIRTUAL_ENV="$VENV"
  export ANSIBLE_COLLECTIONS_PATH="$COLLECTIONS_ROOT"
  export ANSIBLE_PYTHON_INTERPRETER="$VENV/bin/python"
}

# ansible-test needs the collection at .../ansible_collections/ibmcloud/kms (a real directory, not a symlink).
# The emulator is its own package with its own tests, so it stays out of the copy, as it stays out of the tarball.
sync_collection() {
  rm -rf "$COLLECTION_COPY"
  mkdir -p "$COLLECTION_COPY"
  tar -C "$ROOT" -cf - \
      --exclude=./.git --exclude=./.venv --exclude=./build --exclude=./tests/output \
      --exclude=./tests/emulator --exclude=./.ansible --exclude='__pycache__' --exclude='*.pyc' \
      --exclude=./.pytest_cache --exclude='*.tar.gz' --exclude='*.egg-info' . \
    | tar -C "$COLLECTION_COPY" -xf -
  # The copy sits inside this repo's ignored build/ folder, so ansible-test (which asks git for the file
  # list) would see no file at all: give the copy a git repository of its own.
  git -C "$COLLECTION_COPY" init --quiet
}

# Another copy of the collection at DEST (.../ansible_collections/ibmcloud/kms), taken from $COLLECTION_COPY
# without its test results, for an ansible-test run that must not share tests/output with another.
clone_collection_copy() {
  local dest="$1"
  rm -rf "$dest"
  mkdir -p "$dest"
  tar -C "$COLLECTION_COPY" -cf - --exclude=./.git --exclude=./tests/output . | tar -C "$dest" -xf -
  git -C "$dest" init --quiet  # as in sync_collection
}

# ansible-test downloads a pip bootstrap script, which is unreachable offline: put a shim in its cache.
install_pip_shim() {
  local version cache
  version="$("$VENV/bin/python" - <<'PY'
import re, ansible_test, pathlib
text = (pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py").read_text()
print(re.search(r"pip='([0-9.]+)'", text).group(1).replace(".", "_"))
PY
)"
  cache="$HOME/.ansible/test/cache"
  mkdir -p "$cache"
  cp "$ROOT/scripts/get_pip_shim.py" "$cache/get_pip_${version}.py"
}

EMULATOR_PID=""
EMULATOR_URL=""

# Start the emulator on a free port; sets EMULATOR_URL and EMULATOR_PID.
# A TCP port nobody listens on right now.
free_port() { "$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_emulator() { start_emulator_in "$BUILD" "$@"; }

# The same with its emulator.out and emulator.log in DIR (each emulator of a parallel run has its own DIR).
start_emulator_in() {
  local dir="$1"; shift
  local log="$dir/emulator.log" out="$dir/emulator.out"
  mkdir -p "$dir"
  : > "$out"
  "$VENV/bin/ibmcloud-emulator" --port 0 --quiet "$@" > "$out" 2> "$log" &
  EMULATOR_PID=$!
  for _ in $(seq 1 100); do
    if grep -q '^listening on ' "$out"; then
      EMULATOR_URL="$(sed -n 's/^listening on //p' "$out" | head -n1)"
      export EMULATOR_URL
      return 0
    fi
    if ! kill -0 "$EMULATOR_PID" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "error: the emulator did not start; its log:" >&2
  cat "$log" >&2
  return 1
}

stop_emulator() {
  if [ -n "$EMULATOR_PID" ] && kill -0 "$EMULATOR_PID" 2>/dev/null; then
    kill "$EMULATOR_PID" 2>/dev/null || true
    wait "$EMULATOR_PID" 2>/dev/null || true
  fi
  EMULATOR_PID=""
}

# Call the emulator's admin API: emulator_admin METHOD PATH; prints the "requests" list or the JSON answer.
emulator_admin() {
  "$VENV/bin/python" - "$EMULATOR_URL/_emulator/$2" "$1" <<'PY'
import json, sys, urllib.request
with urllib.request.urlopen(urllib.request.Request(sys.argv[1], method=sys.argv[2])) as answer:
    text = answer.read().decode() or "{}"
body = json.loads(text)
print(json.dumps(body.get("requests", body) if isinstance(body, dict) else body))
PY
}

# Point every IBM Cloud endpoint at the emulator (the IBM Terraform provider's variables).
export_emulator_env() {
  export IC_API_KEY="${IC_API_KEY:-emulator-admin-key}"
  export IC_REGION="us-south"
  export IBMCLOUD_IAM_API_ENDPOINT="$EMULATOR_URL"
  export IBMCLOUD_IAMPAP_API_ENDPOINT="$EMULATOR_URL"
  export IBMCLOUD_RESOURCE_CONTROLLER_API_ENDPOINT="$EMULATOR_URL"
  export IBMCLOUD_RESOURCE_MANAGEMENT_API_ENDPOINT="$EMULATOR_URL"
  export IBMCLOUD_CS_API_ENDPOINT="$EMULATOR_URL/global"
  export IBMCLOUD_GT_API_ENDPOINT="$EMULATOR_URL"
}
