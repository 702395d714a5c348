"""The harness's own decisions: shards, what must stay out of the tarball, the summary line, the copy."""

from __future__ import annotations

import sys
import tarfile
from pathlib import Path

import pytest

from harness import orchestrator, parallel, prepare
from harness.steps import integration_shards as integration


def test_shards_balance_the_known_times_longest_first():
    shards = integration.assign_shards(["iam_token", "root_key", "cluster_kms", "iam_policy", "kms_instance"], 2)
    assert shards == [["root_key", "kms_instance", "iam_token"], ["cluster_kms", "iam_policy"]]
    load = [sum(integration.TARGET_SECONDS[name] for name in shard) for shard in shards]
    assert abs(load[0] - load[1]) <= max(integration.TARGET_SECONDS.values())


def test_more_shards_than_targets_drops_the_empty_ones():
    assert integration.assign_shards(["a_new_target"], 3) == [["a_new_target"]]


@pytest.mark.parametrize(
    "member, forbidden",
    [
        ("ansible_collections/x/tests/emulator/ibmcloud_emulator/app.py", True),
        ("tests/emulator/README.md", True),
        ("tests/harness/prepare.py", True),
        ("plugins/module_utils/__pycache__/_client.cpython-312.pyc", True),
        ("tests/integration/integration_config.yml", True),
        ("extensions/molecule/state/default/emulator.pid", True),
        ("build/dist/ibmcloud-kms-0.1.0.tar.gz", True),
        ("noxfile.py", True),
        ("plugins/modules/root_key.py", False),
        ("tests/integration/targets/root_key/tasks/main.yml", False),
        ("docs/docsite/rst/build-a-fleet.rst", False),
        ("roles/cluster_encryption/tasks/build_report.yml", False),
    ],
)
def test_never_in_tarball(member, forbidden):
    assert bool(prepare.NEVER_IN_TARBALL.search(member)) is forbidden


def test_forbidden_members_reads_the_tarball(tmp_path):
    tarball = tmp_path / "ibmcloud-kms-0.1.0.tar.gz"
    (tmp_path / "ok.py").write_text("")
    with tarfile.open(tarball, "w:gz") as archive:
        archive.add(tmp_path / "ok.py", arcname="plugins/modules/ok.py")
        archive.add(tmp_path / "ok.py", arcname="tests/emulator/ok.py")
    assert prepare.forbidden_members(tarball) == ["tests/emulator/ok.py"]


def test_summary_ends_with_the_counts(capsys, tmp_path):
    jobs = [
        parallel.Job(name=name, command=[], log=tmp_path / name, status=status, seconds=3, cpu_seconds=5)
        for name, status in (("units", 0), ("sanity", 1), ("lint", 0))
    ]
    (tmp_path / "sanity").write_text("nox > Running session sanity\nnox > Session sanity aborted: pep8 found 2 lines\n")
    assert orchestrator.summary(jobs, 1.0, 65.0) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "2 passed, 1 failed"
    assert "  FAILED: sanity (3 s, CPU 5 s): pep8 found 2 lines" in lines
    assert any(line.startswith("  total: 1 min 5 s; CPU 15 s on ") for line in lines)


def test_a_failure_without_a_reason_points_at_its_log(tmp_path):
    job = parallel.Job(name="docs", command=[], log=tmp_path / "docs.log", status=2)
    assert orchestrator.failure_reason(job) == f"exit status 2, see {tmp_path / 'docs.log'}"
    job.log.write_text("nox > Session docs aborted: " + "x" * 500 + "\n")
    assert len(orchestrator.failure_reason(job)) == 400


def test_jobs_run_side_by_side_and_report_each_status(tmp_path):
    jobs = [
        parallel.Job(
            name=f"job {code}",
            command=[sys.executable, "-c", f"import sys; sys.exit({code})"],
            log=tmp_path / f"{code}.log",
        )
        for code in (0, 3, 0)
    ]
    ended = []
    parallel.run_all(jobs, limit=2, on_end=lambda job: ended.append(job.name))
    assert [job.status for job in jobs] == [0, 3, 0]
    assert sorted(ended) == sorted(job.name for job in jobs)


def test_a_job_reports_the_cpu_time_of_what_it_started(tmp_path):
    # The CPU time is a report; the test only asks that a child's work is counted, not how fast the machine is.
    burn = "import subprocess, sys; subprocess.run([sys.executable, '-c', 'sum(range(3_000_000))'], check=True)"
    job = parallel.Job(name="burn", command=[sys.executable, "-c", burn], log=tmp_path / "burn.log")
    parallel.run_all([job], limit=1)
    assert job.passed and 0 < job.cpu_seconds


def test_an_unknown_step_fails_before_anything_runs(capsys):
    assert orchestrator.test(["units", "no-such-step"]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "0 passed, 1 failed"


def test_the_copy_leaves_out_the_separate_packages():
    assert all(Path(name).parts[0] in ("tests", "noxfile.py") for name in prepare.NOT_IN_COPY)
