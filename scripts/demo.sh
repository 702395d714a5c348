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

say "Main job: ansible-playbook ibmcloud.kms.enable_kms -e cluster=demo-vpc"
ansible-playbook ibmcloud.kms.enable_kms -e cluster=demo-vpc

say "The same job again: it must report no change and send no changing request"
log="$BUILD/demo-second-run.log"
emulator_admin DELETE requests >/dev/null
ansible-playbook ibmcloud.kms.enable_kms -e cluster=demo-vpc | tee "$log"
if ! grep -Eq 'localhost +: ok=[0-9]+ +changed=0 ' "$log" || [ "$(emulator_admin GET 'requests?changed=true')" != "[]" ]; then
  echo "error: the second run changed something" >&2
  exit 1
fi
say "The same job in check mode: the emulator's request log must show no request that changed anything"
emulator_admin DELETE requests >/dev/null
ansible-playbook ibmcloud.kms.enable_kms -e cluster=demo-vpc --check > "$BUILD/demo-check-run.log"
changed_requests="$(emulator_admin GET 'requests?changed=true')"
if [ "$changed_requests" != "[]" ]; then
  echo "error: check mode changed something: $changed_requests" >&2
  exit 1
fi
say "Done: demo-vpc's secrets are encrypted with a root key in Key Protect; a second run and a check-mode run changed nothing."
