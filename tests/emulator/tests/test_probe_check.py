"""check-probe: which contract choice each answer of a probe report matches (probe_check.py)."""

from __future__ import annotations

import json

import pytest

from ibmcloud_emulator import cli, probe_check

CRN = "crn:v1:bluemix:public:containers-kubernetes:us-south:a/<account>:<cluster-id-1>"


def report(registrations=(), owner=None, hpcs=(), enabled=True):
    cluster = {"cluster": "<cluster-1>", "found": True, "kms_enabled": enabled, "registrations": list(registrations),
               "key_owner": owner}
    return {"version": 1, "clusters": [cluster], "hpcs_instances": list(hpcs),
            "not_probed": {"previous-key-error": "needs a change"}}


def registration(crn=CRN + "::", version="current", hours=None):
    return {"resource_crn": crn, "key": "<key-1>", "key_version": version, "hours_since_rotation": hours}


# (report, unknown, choice it matches)
CASES = [
    (report([registration()]), "registration-crn", "cluster-crn"),
    (report([registration(CRN + ":secret:kms")]), "registration-crn", "cluster-id-scoped"),
    (report([]), "registration-crn", "none"),
    (report([registration(CRN + ":worker:<id>")]), "registration-crn", probe_check.NO_MATCH),
    (report([], enabled=False), "registration-crn", "no evidence"),
    (report([registration(hours=2.0)]), "rotation-rewrap", "follows"),
    (report([registration(version="older", hours=30.0)]), "rotation-rewrap", "never"),
    (report([registration(version="older", hours=2.0)]), "rotation-rewrap", "no evidence"),   # may still follow
    (report([registration()]), "rotation-rewrap", "no evidence"),                             # never rotated
    (report(owner={"status": 200, "fields": ["email", "id", "name"], "id_kind": "IBMid"}), "key-owner",
     "clusterkeyowner"),
    (report(owner={"status": 200, "fields": ["Email", "ID", "Name"], "id_kind": "IBMid"}), "key-owner",
     "go-field-names"),
    (report(owner={"status": 200, "fields": ["email", "name"], "id_kind": None}), "key-owner", "name-only"),
    (report(owner={"status": 404, "fields": None, "id_kind": None}), "key-owner", "not-served"),
    (report(owner={"status": 200, "fields": ["id", "owner"], "id_kind": "IBMid"}), "key-owner", probe_check.NO_MATCH),
    (report(hpcs=[{"instance": "<instance-1>", "key_read": {"status": 400, "codes": ["X"], "not_initialized": True}}]),
     "hpcs-uninitialized", "reads-fail"),
    (report(hpcs=[{"instance": "<instance-1>", "key_read": {"status": 200, "codes": [], "not_initialized": False}}]),
     "hpcs-uninitialized", "no evidence"),
    (report(), "previous-key-error", "not probed"),
]


@pytest.mark.parametrize("answers, unknown, choice", CASES)
def test_each_answer_is_matched_to_a_choice(answers, unknown, choice):
    assert probe_check.check(answers)[unknown][0].startswith(choice)


def test_two_clusters_that_disagree_match_no_single_choice():
    answers = report([registration()])
    answers["clusters"].append({**answers["clusters"][0], "registrations": []})
    assert probe_check.check(answers)["registration-crn"][0].startswith(probe_check.NO_MATCH)


@pytest.mark.parametrize("answers, status", [(report([registration()]), 0), (report([registration("crn:x")]), 1)])
def test_the_command_prints_a_line_per_unknown_and_fails_only_on_an_unmatched_answer(tmp_path, capsys, answers,
                                                                                   status):
    path = tmp_path / "probe.json"
    path.write_text(json.dumps(answers))
    assert cli.main(["check-probe", str(path)]) == status
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["registration-crn", "rotation-rewrap", "key-owner",
                                                       "hpcs-uninitialized", "previous-key-error"]


def test_a_file_that_is_not_a_report_is_refused(tmp_path):
    path = tmp_path / "probe.json"
    path.write_text("{}")
    with pytest.raises(SystemExit):
        cli.main(["check-probe", str(path)])
