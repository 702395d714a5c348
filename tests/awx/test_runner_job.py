# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection run the AWX way, against the local IBM Cloud emulator.

Each job gets an AWX-style private_data_dir (project/, inventory/, env/) whose env/envvars is rendered from the
credential type in extensions/awx/credential_type exactly as AWX renders a custom credential type's injectors,
and runs through ansible-runner, as AWX runs it. The credentials reach the job only that way, and neither the API
key nor an IAM token may show up in what AWX keeps and shows of a job: its events and its stdout.

Run by the test harness (`nox -s awx`), which starts the emulator and exports EMULATOR_URL and
ANSIBLE_COLLECTIONS_PATH.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import stat
import sys
import tempfile
import types
import urllib.request

import ansible_runner
import jinja2
import jinja2.sandbox as jinja2_sandbox
import pytest
import yaml
from awx_survey import launch_extra_vars
from ibmcloud_emulator import endpoints

ROOT = pathlib.Path(__file__).resolve().parents[2]
CREDENTIAL_TYPE_DIR = ROOT / "extensions" / "awx" / "credential_type"
PROJECT_DIR = ROOT / "extensions" / "awx" / "project"
SURVEY_DIR = ROOT / "extensions" / "awx" / "surveys"
MODULE_UTILS = ROOT / "plugins" / "module_utils"
API_KEY = "emulator-admin-key"
# The emulator's IAM access tokens are JWTs; every JWT starts with the base64 of '{"'. Its admin API does not list
# the tokens it issued, so any JWT in the artifacts counts as a leaked token.
JWT_PREFIX = "eyJ"
CLUSTER = "demo-vpc"

# What AWX refuses or reserves in a custom credential type (awx/main/fields.py, CredentialTypeInputField and
# CredentialTypeInjectorField; ENV_BLOCKLIST in awx/main/constants.py).
FIELD_KEYS = {"id", "type", "label", "help_text", "format", "choices", "multiline", "secret", "ask_at_runtime", "default"}
ENV_BLOCKLIST = {
    "VIRTUAL_ENV", "PATH", "PYTHONPATH", "JOB_ID", "INVENTORY_ID", "INVENTORY_SOURCE_ID", "INVENTORY_UPDATE_ID",
    "AD_HOC_COMMAND_ID", "REST_API_URL", "REST_API_TOKEN", "MAX_EVENT_RES", "CALLBACK_QUEUE", "CALLBACK_CONNECTION",
    "CACHE", "JOB_CALLBACK_DEBUG", "INVENTORY_HOSTVARS", "AWX_HOST", "PROJECT_REVISION", "SUPERVISOR_CONFIG_PATH",
}
NAME = re.compile(r"^[a-zA-Z_]+[a-zA-Z0-9_]*$")

# Variables a job must not inherit from the shell that runs the tests: the job's credentials and endpoints come
# from the credential type or not at all.
IBM_ENV = re.compile(r"^(IC_|IBMCLOUD_|REQUESTS_CA_BUNDLE$|CURL_CA_BUNDLE$)")


def load_credential_type() -> tuple[dict, dict]:
    inputs = yaml.safe_load((CREDENTIAL_TYPE_DIR / "inputs.yml").read_text(encoding="utf-8"))
    injectors = yaml.safe_load((CREDENTIAL_TYPE_DIR / "injectors.yml").read_text(encoding="utf-8"))
    return inputs, injectors


def inject(injectors: dict, values: dict, private_data_dir: pathlib.Path) -> dict:
    """The environment AWX injects for a credential with these input values (awx-plugins' inject_credential).

    Empty fields stay out of the template namespace, the file injectors are rendered into files in env/ first,
    and ``tower.filename`` names them. AWX gives the in-container path (/runner/env/...); without a container the
    job sees the host path.
    """
    sandbox = jinja2_sandbox.ImmutableSandboxedEnvironment()
    tower = types.SimpleNamespace(filename=None)
    namespace = {"tower": tower}
    namespace.update({name: value for name, value in values.items() if value})
    env_dir = private_data_dir / "env"
    env_dir.mkdir(parents=True, exist_ok=True)
    single, named = None, {}
    for label, template in injectors.get("file", {}).items():
        handle, path = tempfile.mkstemp(dir=env_dir)
        with os.fdopen(handle, "w", encoding="utf-8") as handle_file:
            handle_file.write(sandbox.from_string(template).render(**namespace))
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        if "." in label:
            named[label.split(".", 1)[1]] = path
        else:
            single = path
    tower.filename = single or types.SimpleNamespace(**named)
    return {name: sandbox.from_string(template).render(**namespace) for name, template in injectors.get("env", {}).items()}


def credential_values(emulator_url: str, **extra: str) -> dict:
    """The credential's input values for the emulator at EMULATOR_URL: each endpoint of the emulator's own table
    (ibmcloud_emulator.endpoints) goes into the input field whose injector sets that environment variable. Key
    Protect and HPCS stay empty: their endpoints come from each instance."""
    _inputs, injectors = load_credential_type()
    field_of = {variable: re.fullmatch(r"\{\{\s*(\w+)\s*\}\}", template.strip())
                for variable, template in injectors["env"].items()}
    values = {"api_key": API_KEY, "region": "us-south", "endpoint_type": "public"}
    for variable, url in endpoints.environment(emulator_url).items():
        if variable.endswith("_API_ENDPOINT"):
            assert field_of.get(variable), f"the credential type injects no input field into {variable}"
            values[field_of[variable].group(1)] = url
    values.update(extra)
    return values


def make_private_data_dir(base: pathlib.Path, values: dict, extravars: dict | None = None,
                          job_playbook: str | None = None) -> pathlib.Path:
    """An AWX-style private_data_dir: project/ (the shipped AWX project, plus job.yml with the text JOB_PLAYBOOK),
    inventory/hosts, env/envvars (+ env/extravars)."""
    _inputs, injectors = load_credential_type()
    private_data_dir = base
    shutil.copytree(PROJECT_DIR, private_data_dir / "project")
    (private_data_dir / "inventory").mkdir()
    if job_playbook:
        (private_data_dir / "project" / "job.yml").write_text(job_playbook, encoding="utf-8")
    (private_data_dir / "inventory" / "hosts").write_text(
        f"[kms_clusters]\n{CLUSTER} ansible_connection=local ansible_python_interpreter={sys.executable}\n", encoding="utf-8")
    envvars = inject(injectors, values, private_data_dir)
    envvars["ANSIBLE_COLLECTIONS_PATH"] = os.environ["ANSIBLE_COLLECTIONS_PATH"]
    (private_data_dir / "env" / "envvars").write_text(json.dumps(envvars), encoding="utf-8")
    if extravars:
        (private_data_dir / "env" / "extravars").write_text(json.dumps(extravars), encoding="utf-8")
    return private_data_dir


def run_job(private_data_dir: pathlib.Path, ident: str, monkeypatch, playbook: str = "job.yml") -> object:
    for name in list(os.environ):
        if IBM_ENV.match(name):
            monkeypatch.delenv(name)
    # AWX runs a job in its project folder: files a playbook writes by default (the probe's report) land there, not
    # in the checkout the tests run from.
    monkeypatch.setenv("PWD", str(private_data_dir / "project"))
    return ansible_runner.run(private_data_dir=str(private_data_dir), playbook=playbook, ident=ident, quiet=True)


def survey_job(base: pathlib.Path, name: str, emulator_url: str, monkeypatch, **answers) -> tuple[object, pathlib.Path]:
    """A job of the job template NAME: the project's kms-NAME.yml, with the template's extra vars (the verify report
    in BASE) under the extra vars its survey gives for ANSWERS."""
    spec = json.loads((SURVEY_DIR / f"{name}.json").read_text(encoding="utf-8"))
    extravars = {"report_path": str(base / f"{name}-report.json")} if name == "verify" else {}
    extravars.update(launch_extra_vars(spec, answers))
    private_data_dir = make_private_data_dir(base / name, credential_values(emulator_url), extravars)
    job = run_job(private_data_dir, name, monkeypatch, playbook=f"kms-{name}.yml")
    stdout = (private_data_dir / "artifacts" / name / "stdout").read_text(encoding="utf-8")
    assert (job.status, job.rc) == ("successful", 0), stdout
    return job, private_data_dir


def stats_data(runner) -> dict:
    """What the playbooks handed on with set_stats (AWX's artifacts for the next workflow node)."""
    stats = [event for event in runner.events if event.get("event") == "playbook_on_stats"]
    assert stats, "no playbook_on_stats event"
    return stats[-1]["event_data"].get("artifact_data", {})


def shown_files(private_data_dir: pathlib.Path, ident: str) -> list[pathlib.Path]:
    """The files of what AWX keeps and shows of a job: its events and its stdout.

    Left out: artifacts/<ident>/command and env/, which hold the injected environment (the API key) by design,
    as AWX's own private_data_dir does; AWX deletes that directory after the job and stores the environment
    with secrets masked.
    """
    artifacts = private_data_dir / "artifacts" / ident
    events = sorted((artifacts / "job_events").glob("*.json"))
    assert events, f"no job events in {artifacts}"
    stdout = artifacts / "stdout"
    assert stdout.is_file() and stdout.stat().st_size > 0, f"no stdout in {artifacts}"
    return events + [stdout]


def assert_no_secret(private_data_dir: pathlib.Path, ident: str) -> None:
    leaks = []
    for path in shown_files(private_data_dir, ident):
        text = path.read_text(encoding="utf-8", errors="replace")
        for secret, what in ((API_KEY, "the API key"), (JWT_PREFIX, "an IAM token (JWT)")):
            where = text.find(secret)
            if where >= 0:
                leaks.append(f"{what} in {path.relative_to(private_data_dir)}: ...{text[max(0, where - 80):where + 40]}...")
    assert not leaks, "secrets in the job's events or stdout:\n" + "\n".join(leaks)


def set_timings(emulator_url: str, **timings: float) -> None:
    """Change the emulator's asynchronous transitions (POST /_emulator/timings)."""
    request = urllib.request.Request(
        emulator_url + "/_emulator/timings",
        data=json.dumps(timings).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


def token_requests(emulator_url: str) -> list:
    """The successful IAM token requests in the emulator's request log."""
    with urllib.request.urlopen(emulator_url + "/_emulator/requests", timeout=10) as answer:
        log = json.loads(answer.read().decode() or "{}")
    requests_log = log.get("requests", []) if isinstance(log, dict) else log
    return [entry for entry in requests_log if entry.get("path") == "/identity/token" and entry.get("status") == 200]


@pytest.fixture(name="emulator_url")
def fixture_emulator_url() -> str:
    url = os.environ.get("EMULATOR_URL")
    if not url or "ANSIBLE_COLLECTIONS_PATH" not in os.environ:
        pytest.fail("needs the emulator: run these tests with the test harness, `nox -s awx`")
    return url.rstrip("/")


def test_credential_type_is_valid_for_awx():
    """The two files pass the checks AWX makes when an admin saves a custom credential type."""
    inputs, injectors = load_credential_type()
    assert set(inputs) <= {"fields", "required"}
    ids = [field["id"] for field in inputs["fields"]]
    assert len(ids) == len(set(ids)) and "tower" not in ids
    for field in inputs["fields"]:
        assert set(field) <= FIELD_KEYS and {"id", "label"} <= set(field), field
        assert NAME.match(field["id"]) and field.get("type", "string") in ("string", "boolean")
        assert field.get("format", "url") in ("ssh_private_key", "url")
        if "default" in field:
            assert isinstance(field["default"], str)
            assert field["default"] in field.get("choices", [field["default"]])
    assert set(inputs["required"]) <= set(ids)
    assert [field["id"] for field in inputs["fields"] if field.get("secret")] == ["api_key"]

    assert set(injectors) <= {"env", "file", "extra_vars"}
    assert all(re.match(r"^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$", label) for label in injectors.get("file", {}))
    strict = jinja2_sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    namespace = {field_id: "EXAMPLE" for field_id in ids}
    namespace["tower"] = types.SimpleNamespace(filename="EXAMPLE_FILENAME")
    for kind, templates in injectors.items():
        for name, template in templates.items():
            if kind == "env":
                assert NAME.match(name) and not name.startswith("ANSIBLE_") and name not in ENV_BLOCKLIST, name
                assert template.isascii()
            strict.from_string(template).render(**namespace)  # only defined fields


def test_injectors_cover_what_the_modules_read():
    """Every environment variable the modules read for credentials, region, visibility and endpoints is injected."""
    _inputs, injectors = load_credential_type()
    injected = set(injectors["env"])
    endpoints = set(re.findall(r'"(IBMCLOUD_\w+_API_ENDPOINT)"', (MODULE_UTILS / "_endpoints.py").read_text(encoding="utf-8")))
    assert len(endpoints) == 9 and endpoints <= injected, endpoints - injected
    argspec = (MODULE_UTILS / "_argspec.py").read_text(encoding="utf-8")
    for option in ("api_key", "region", "endpoint_type"):
        names = re.search(r"\b" + option + r"=dict\(.*?env_fallback, \[([^\]]*)\]", argspec, re.S).group(1)
        assert injected & set(re.findall(r'"(\w+)"', names)), f"{option}: none of {names} is injected"


def test_ca_bundle_goes_to_a_file(tmp_path):
    _inputs, injectors = load_credential_type()
    bundle = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
    env = inject(injectors, credential_values("https://iam.example", ca_bundle=bundle), tmp_path / "with")
    assert pathlib.Path(env["REQUESTS_CA_BUNDLE"]).read_text(encoding="utf-8") == bundle
    env = inject(injectors, credential_values("https://iam.example"), tmp_path / "without")
    # No CA bundle: an empty REQUESTS_CA_BUNDLE, which requests treats as unset (the default trust store).
    assert env["REQUESTS_CA_BUNDLE"] == ""
    assert env["IC_VISIBILITY"] == "public" and env["IBMCLOUD_KP_API_ENDPOINT"] == ""


def test_setup_verify_rotate_as_awx_jobs(emulator_url, tmp_path, monkeypatch):
    """The job templates of a workflow, from the shipped project and surveys: setup, verify, rotate, verify.

    The surveys' unanswered text questions reach the playbooks as "" (as AWX sends them); each job hands its
    summary on with set_stats.
    """
    tokens_before = len(token_requests(emulator_url))

    # A master update long enough to be seen in progress (about 20 minutes on IBM Cloud): the job's output says what
    # it waits for while it waits, so that the AWX job does not look hung.
    set_timings(emulator_url, enable_seconds=8)
    try:
        setup, setup_dir = survey_job(tmp_path, "setup", emulator_url, monkeypatch)
    finally:
        set_timings(emulator_url, enable_seconds=1.5)
    assert CLUSTER in stats_data(setup).get("kms_setup", {}), stats_data(setup)
    stdout = (setup_dir / "artifacts" / "setup" / "stdout").read_text(encoding="utf-8")
    progress = [line for line in stdout.splitlines() if f"Waiting for the master of cluster {CLUSTER}" in line]
    assert progress and "s of at most 1800 s)" in progress[0], stdout

    verify, verify_dir = survey_job(tmp_path, "verify", emulator_url, monkeypatch)
    rows = stats_data(verify).get("kms_verify", [])
    assert [row["cluster"] for row in rows] == [CLUSTER], rows
    assert rows[0]["kms_enabled"] and rows[0]["healthy"], rows

    rotate, rotate_dir = survey_job(tmp_path, "rotate", emulator_url, monkeypatch, mode="rotate")
    rotation = stats_data(rotate).get("kms_rotation", {}).get(CLUSTER, {})
    assert (rotation.get("mode"), rotation.get("action"), rotation.get("status")) == ("rotate", "rotate", "rotated"), rotation
    assert rotation["key_version"] != rotation["previous_key_version"], rotation

    after, after_dir = survey_job(tmp_path / "after", "verify", emulator_url, monkeypatch, fail_unhealthy="true")
    rows = stats_data(after).get("kms_verify", [])
    assert rows[0]["healthy"] and rows[0]["last_rotation"], rows

    probe, probe_dir = survey_job(tmp_path, "probe", emulator_url, monkeypatch)
    probed = stats_data(probe).get("kms_probe", {}).get("clusters", [])
    assert [(c["cluster"], c["kms_enabled"], len(c["registrations"])) for c in probed] == [("<cluster-1>", True, 1)]
    assert CLUSTER not in json.dumps(stats_data(probe))

    # Tokens were issued (so there was something to leak), the environment came from env/envvars (the API key is
    # in the runner's command record), and neither the key nor a token is in the events or stdout.
    assert len(token_requests(emulator_url)) > tokens_before
    for private_data_dir, ident in ((setup_dir, "setup"), (verify_dir, "verify"), (rotate_dir, "rotate"),
                                    (after_dir, "verify"), (probe_dir, "probe")):
        assert API_KEY in (private_data_dir / "artifacts" / ident / "command").read_text(encoding="utf-8")
        assert_no_secret(private_data_dir, ident)


TLS_PLAYBOOK = """---
- name: List the KMS instances over HTTPS
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: List the KMS instances
      ibmcloud.kms.kms_instance_info:
      register: tls_instances

    - name: Check the answer
      ansible.builtin.assert:
        that: tls_instances.instances | length > 0
"""


@pytest.fixture(name="tls_emulator_url")
def fixture_tls_emulator_url() -> tuple[str, str]:
    """The second emulator the test harness starts for this step, on HTTPS with a throwaway CA: its URL and the
    CA's PEM."""
    url, ca_file = os.environ.get("TLS_EMULATOR_URL"), os.environ.get("TLS_EMULATOR_CA_FILE")
    if not url or not ca_file:
        pytest.fail("needs the HTTPS emulator: run these tests with the test harness, `nox -s awx`")
    return url.rstrip("/"), pathlib.Path(ca_file).read_text(encoding="utf-8")


def test_ca_bundle_is_trusted(tls_emulator_url, tmp_path, monkeypatch):
    """The CA bundle of the credential is what makes HTTPS to a private CA work; without it the job fails."""
    url, ca_pem = tls_emulator_url
    trusted_dir = make_private_data_dir(tmp_path / "trusted", credential_values(url, ca_bundle=ca_pem), job_playbook=TLS_PLAYBOOK)
    trusted = run_job(trusted_dir, "trusted", monkeypatch)
    assert (trusted.status, trusted.rc) == ("successful", 0), (trusted_dir / "artifacts" / "trusted" / "stdout").read_text(encoding="utf-8")
    assert_no_secret(trusted_dir, "trusted")

    untrusted_dir = make_private_data_dir(tmp_path / "untrusted", credential_values(url), job_playbook=TLS_PLAYBOOK)
    untrusted = run_job(untrusted_dir, "untrusted", monkeypatch)
    assert untrusted.status == "failed"
    assert "certificate" in (untrusted_dir / "artifacts" / "untrusted" / "stdout").read_text(encoding="utf-8")
