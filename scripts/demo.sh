#!/usr/bin/env bash
# Sets everything up, starts the local IBM Cloud emulator and runs the main job against it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_venv
activate
sync_collection
trap 'stop_emulator' EXIT
start_emulator
export_emulator_env
export ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_INVENTORY_UNPARSED_WARNING=False
say "Emulator listening on $EMULATOR_URL (API key emulator-admin-key)"

say "Main job: ansible-playbook ibmcloud.kms.instance (first run creates)"
ansible-playbook ibmcloud.kms.instance
say "Main job again: a second run changes nothing"
ansible-playbook ibmcloud.kms.instance
