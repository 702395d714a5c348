#!/usr/bin/env bash
# The oldest supported line: ansible-test units and sanity (every test, no ignore files) with ansible-core 2.19 on
# Python 3.11, in a venv of their own, on a copy of the collection.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

COMPAT_CORE="ansible-core==2.19.14"
COMPAT_PY="3.11"

ensure_venv
activate
sync_collection

compat_venv="$BUILD/venv-2.19"
python311="$(PY_VERSION="$COMPAT_PY" find_python)"
if [ ! -x "$compat_venv/bin/ansible-test" ]; then
  say "Creating $compat_venv with $python311 and $COMPAT_CORE"
  "$python311" -m venv "$compat_venv"
  mapfile -t test_tools < <(grep -E '^(pytest|pytest-mock|pytest-xdist|PyJWT)==' requirements-dev.txt)
  "$compat_venv/bin/python" -m pip install --quiet --disable-pip-version-check "$COMPAT_CORE" -r requirements.txt \
    "${test_tools[@]}"
fi
VENV="$compat_venv" install_pip_shim

copy="$BUILD/compat/collections/ansible_collections/ibmcloud/kms"
clone_collection_copy "$copy"
cd "$copy"
"$compat_venv/bin/ansible-test" --version
"$compat_venv/bin/ansible-test" units --local --python "$COMPAT_PY" --color no
"$compat_venv/bin/ansible-test" sanity --venv --python "$COMPAT_PY" --color no
