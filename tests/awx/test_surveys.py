# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The AWX project and surveys shipped in extensions/awx: valid for AWX, and matching the playbooks they drive."""

from __future__ import annotations

import json
import pathlib
import re

import pytest
import yaml

from awx_survey import launch_extra_vars, spec_errors

ROOT = pathlib.Path(__file__).resolve().parents[2]
AWX_DIR = ROOT / "extensions" / "awx"
SURVEYS = sorted(path.stem for path in (AWX_DIR / "surveys").glob("*.json"))


def survey(name: str) -> dict:
    return json.loads((AWX_DIR / "surveys" / f"{name}.json").read_text(encoding="utf-8"))


def test_a_survey_and_a_project_playbook_per_collection_playbook():
    playbooks = sorted(path.stem for path in (ROOT / "playbooks").glob("*.yml"))
    assert SURVEYS == playbooks == ["probe", "rotate", "setup", "verify"]
    for name in SURVEYS:
        plays = yaml.safe_load((AWX_DIR / "project" / f"kms-{name}.yml").read_text(encoding="utf-8"))
        assert [play.get("ansible.builtin.import_playbook") for play in plays] == [f"ibmcloud.kms.{name}"]
    templates = yaml.safe_load((AWX_DIR / "configure_job_templates.yml").read_text(encoding="utf-8"))[0]["vars"]
    assert sorted((t["playbook"], t["survey"]) for t in templates["awx_templates"]) == [
        (f"kms-{name}.yml", f"{name}.json") for name in SURVEYS]


@pytest.mark.parametrize("name", SURVEYS)
def test_survey_is_valid_and_read_by_its_playbook(name):
    spec = survey(name)
    assert spec_errors(spec) == []
    text = (ROOT / "playbooks" / f"{name}.yml").read_text(encoding="utf-8")
    text += (ROOT / "playbooks" / "shared" / "clusters.yml").read_text(encoding="utf-8")
    for question in spec["spec"]:
        assert re.search(r"\b" + question["variable"] + r"\b", text), f"{name}.yml does not read {question['variable']}"
    # An unanswered survey is a valid launch: every required question has a default.
    launch_extra_vars(spec, {})


QUESTION = {"question_name": "Mode", "variable": "mode", "type": "multiplechoice", "required": True,
            "choices": ["auto", "rotate"], "default": "auto"}


@pytest.mark.parametrize("spec, error", [
    ({"description": "", "spec": [QUESTION]}, "'name' missing"),
    ({"name": "", "description": "", "spec": []}, "'spec' has no question"),
    ({"name": "", "description": "", "spec": [QUESTION, QUESTION]}, "variable mode twice"),
    ({"name": "", "description": "", "spec": [dict(QUESTION, required="yes")]}, "'required' missing or not a bool"),
    ({"name": "", "description": "", "spec": [dict(QUESTION, type="boolean")]}, "type boolean is not one of"),
    ({"name": "", "description": "", "spec": [dict(QUESTION, default="switch")]}, "a default that is not a choice"),
    ({"name": "", "description": "", "spec": [dict(QUESTION, choices=None)]}, "no choices"),
    ({"name": "", "description": "", "spec": [dict(QUESTION, type="integer", default="30")]}, "default '30' is not a int"),
    ({"name": "", "description": "", "spec": [dict(QUESTION, type="text", max="9")]}, "max is not an integer"),
])
def test_spec_errors(spec, error):
    assert any(error in found for found in spec_errors(spec)), spec_errors(spec)


@pytest.mark.parametrize("answers, expected", [
    ({}, {"clusters": "", "mode": "auto", "instance": ""}),
    ({"mode": "switch", "clusters": "a,b", "max_key_age_days": 30},
     {"clusters": "a,b", "mode": "switch", "instance": "", "max_key_age_days": 30}),
    ({"mode": "later"}, "'later' for 'mode' is not one of"),
    ({"max_key_age_days": "30"}, "'30' for 'max_key_age_days' is not a integer"),
    ({"max_key_age_days": 0}, "0 for 'max_key_age_days' is too small"),
    ({"cluster_encryption_instance": "x"}, "not allowed on launch: cluster_encryption_instance"),
])
def test_rotate_survey_launch(answers, expected):
    if isinstance(expected, dict):
        assert launch_extra_vars(survey("rotate"), answers) == expected
    else:
        with pytest.raises(ValueError, match=re.escape(expected)):
            launch_extra_vars(survey("rotate"), answers)
