"""The main job as `make demo` runs it, and the AWX job templates through ansible-runner."""

from __future__ import annotations

from .. import emulator, prepare
from ..context import BIN, BUILD, ROOT, StepFailed, run, say, tool_env

DEMO_CLUSTER = "demo-vpc"


def demo() -> None:
    """Set up KMS encryption of demo-vpc, verify it, rotate its root key, verify again; nothing deleted or disabled.

    The emulator keeps its default timings, as a user's `make demo` sees them.
    """
    prepare.collection_copy()
    report = BUILD / "kms-verify-report.json"
    with emulator.running(BUILD / "demo") as running:
        env = tool_env(
            {**running.env, "ANSIBLE_LOCALHOST_WARNING": "False", "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False"}
        )
        say(f"Emulator listening on {running.url} (API key {running.env['IC_API_KEY']})")
        plays = [
            ("1/4 Set up", ["ibmcloud.kms.setup"]),
            ("2/4 Verify", ["ibmcloud.kms.verify", "-e", f"report_path={report}"]),
            ("3/4 Rotate the root key in place", ["ibmcloud.kms.rotate", "-e", "mode=rotate"]),
            ("4/4 Verify again", ["ibmcloud.kms.verify", "-e", f"report_path={report}"]),
        ]
        for title, play in plays:
            command = ["ansible-playbook", play[0], "-e", f"clusters={DEMO_CLUSTER}", *play[1:]]
            say(f"{title}: {' '.join(command)}")
            run(command, env=env, what=f"{title} ({play[0]})")
        changing = running.admin("GET", "requests?changed=true")
        entries = changing.get("requests", []) if isinstance(changing, dict) else []
        harmful = [e for e in entries if e.get("method") == "DELETE" or "/actions/disable" in e.get("path", "")]
        if harmful:
            raise StepFailed(f"the demo deleted or disabled something: {harmful}")
    say(f"Done: {DEMO_CLUSTER}'s secrets are encrypted with a root key in Key Protect, rotated once; report: {report}")


def awx() -> None:
    """tests/awx: ansible-runner jobs in an AWX-style private_data_dir whose environment comes from the credential
    type; the emulator's endpoint settings reach the job only through that credential type. A second emulator
    serves HTTPS with a throwaway CA for the CA bundle test."""
    prepare.collection_copy()
    with emulator.running(BUILD / "awx") as running, emulator.running(BUILD / "awx-tls", tls=True) as https:
        env = {"EMULATOR_URL": running.url, "TLS_EMULATOR_URL": https.url, "TLS_EMULATOR_CA_FILE": str(https.ca_file)}
        run(
            [BIN / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/awx"],
            env=tool_env(env),
            cwd=ROOT,
            what="the AWX job tests",
        )
