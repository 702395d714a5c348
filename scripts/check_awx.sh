#!/usr/bin/env bash
# The AWX way: runs tests/awx (ansible-runner jobs in an AWX-style private_data_dir whose environment comes from
# the credential type in extensions/awx/credential_type) against the local IBM Cloud emulator.
# The credentials reach the job only through that credential type: this script does not export them.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_venv
activate
sync_collection
trap 'stop_emulator' EXIT
start_emulator
export EMULATOR_URL ANSIBLE_COLLECTIONS_PATH
say "Emulator listening on $EMULATOR_URL; running tests/awx"
python -m pytest -q -p no:cacheprovider tests/awx
