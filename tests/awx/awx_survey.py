# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What AWX does with a job template's survey, for the surveys in extensions/awx/surveys.

``spec_errors`` makes the checks AWX makes when an admin saves a survey spec (awx/api/views,
JobTemplateSurveySpec._validate_spec_data); ``launch_extra_vars`` gives the extra vars of a job launched with
some answers: first every default that passes the question's own validation, then the answers, each validated
(awx/main/models/mixins.py, SurveyJobTemplateMixin). So an unanswered text question with the default "" reaches
the playbook as "".
"""

from __future__ import annotations

TYPES = {"text": str, "textarea": str, "password": str, "multiplechoice": str, "multiselect": str,
         "integer": int, "float": float}


def spec_errors(spec: dict) -> list[str]:
    errors = []
    for field, kind in (("name", str), ("description", str), ("spec", list)):
        if not isinstance(spec.get(field), kind):
            errors.append(f"'{field}' missing from the survey spec or not a {kind.__name__}")
    questions = spec.get("spec") if isinstance(spec.get("spec"), list) else []
    if not questions:
        errors.append("'spec' has no question")
    seen = set()
    for index, question in enumerate(questions):
        errors += [f"question {index}: {error}" for error in question_errors(question, seen)]
    return errors


def question_errors(question: dict, seen: set) -> list[str]:
    if not isinstance(question, dict):
        return ["not an object"]
    for field, kind in (("type", str), ("question_name", str), ("variable", str), ("required", bool)):
        if not isinstance(question.get(field), kind):
            return [f"'{field}' missing or not a {kind.__name__}"]
    errors = []
    if question["variable"] in seen:
        errors.append(f"variable {question['variable']} twice")
    seen.add(question["variable"])
    kind = TYPES.get(question["type"])
    if kind is None:
        return errors + [f"type {question['type']} is not one of {', '.join(TYPES)}"]
    default = question.get("default", "")
    if default != "" and not isinstance(default, kind):
        errors.append(f"default {default!r} is not a {kind.__name__}")
    for limit in ("min", "max"):
        if question.get(limit) is not None and not isinstance(question[limit], int):
            errors.append(f"{limit} is not an integer")
    if question["type"] in ("multiplechoice", "multiselect"):
        choices = choice_list(question)
        if choices is None:
            errors.append("no choices")
        elif "default" in question:
            defaults = question["default"].splitlines() if isinstance(question["default"], str) else question["default"]
            if question["type"] == "multiplechoice" and len(defaults) > 1:
                errors.append("more than one default")
            if any(item not in choices for item in defaults):
                errors.append("a default that is not a choice")
    return errors


def choice_list(question: dict) -> list | None:
    choices = question.get("choices")
    return [choice for choice in choices.splitlines() if choice.strip()] if isinstance(choices, str) else choices


def answer_errors(question: dict, answers: dict) -> list[str]:
    """AWX's validation of one question's answer (absent answers only matter when the question is required)."""
    variable = question["variable"]
    if variable not in answers:
        return [f"'{variable}' value missing"] if question["required"] else []
    value = answers[variable]
    kind = question["type"]
    if kind in ("text", "textarea", "password", "integer", "float"):
        wanted = (int, float) if kind == "float" else TYPES[kind]
        if not isinstance(value, wanted) or isinstance(value, bool):
            return [f"{value!r} for '{variable}' is not a {kind}"]
        size = len(value) if isinstance(value, str) else value
        if question.get("min") not in ("", None) and size < question["min"]:
            return [f"{value!r} for '{variable}' is too small"]
        if question.get("max") not in ("", None) and size > question["max"]:
            return [f"{value!r} for '{variable}' is too large"]
    elif kind == "multiplechoice" and value not in choice_list(question):
        return [f"{value!r} for '{variable}' is not one of {choice_list(question)}"]
    elif kind == "multiselect" and (not isinstance(value, list) or any(v not in choice_list(question) for v in value)):
        return [f"{value!r} for '{variable}' is not a list of {choice_list(question)}"]
    return []


def launch_extra_vars(spec: dict, answers: dict) -> dict:
    """The job's extra vars: the defaults that pass validation, then the answers (ValueError when one is refused)."""
    extra_vars = {}
    for question in spec["spec"]:
        default = question.get("default")
        if default is not None and not answer_errors(question, {question["variable"]: default}):
            extra_vars[question["variable"]] = default
    extra_vars.update(answers)
    # The UI fills each answer in with its default, so a required question counts as answered by its default.
    errors = [error for question in spec["spec"] for error in answer_errors(question, extra_vars)]
    unknown = set(answers) - {question["variable"] for question in spec["spec"]}
    if unknown:
        errors.append(f"not allowed on launch: {', '.join(sorted(unknown))}")
    if errors:
        raise ValueError("; ".join(errors))
    return extra_vars
