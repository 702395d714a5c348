#!/usr/bin/env bash
# The main job against the local IBM Cloud emulator: set up KMS encryption of demo-vpc, verify it, rotate its root
# key, verify again. Sets everything up first; stops the emulator at the end.
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

say "1/4 Set up: ansible-playbook ibmcloud.kms.setup -e clusters=demo-vpc"
ansible-playbook ibmcloud.kms.setup -e clusters=demo-vpc

say "2/4 Verify: ansible-playbook ibmcloud.kms.verify -e clusters=demo-vpc"
ansible-playbook ibmcloud.kms.verify -e clusters=demo-vpc -e report_path="$BUILD/kms-verify-report.json"

say "3/4 Rotate the root key in place: ansible-playbook ibmcloud.kms.rotate -e clusters=demo-vpc -e mode=rotate"
ansible-playbook ibmcloud.kms.rotate -e clusters=demo-vpc -e mode=rotate

say "4/4 Verify again"
ansible-playbook ibmcloud.kms.verify -e clusters=demo-vpc -e report_path="$BUILD/kms-verify-report.json"

changing="$(emulator_admin GET 'requests?changed=true')"
if grep -Eq '"method": ?"DELETE"|/actions/disable' <<<"$changing"; then
  echo "error: the demo deleted or disabled something: $changing" >&2
  exit 1
fi
say "Done: demo-vpc's secrets are encrypted with a root key in Key Protect, rotated once; report: $BUILD/kms-verify-report.json"
