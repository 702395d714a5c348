# Copyright (c) 2026, ibmcloud.kms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.ibmcloud.kms.plugins.module_utils._errors import InputError
from ansible_collections.ibmcloud.kms.plugins.module_utils._validate import items_of, parse_time, problems, validate

GUID = "12043812-757f-4e1e-8436-6af3245e6a69"
ACCOUNT = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
CRN = f"crn:v1:bluemix:public:kms:us-south:a/{ACCOUNT}:{GUID}::"

# (kind, value, fragment of the problem or None when the value is good)
KINDS = [
    ("not_empty", "kms", None),
    ("not_empty", "", "is empty"),
    ("not_empty", "   ", "is empty"),
    ("guid", GUID, None),
    ("guid", GUID.upper(), None),
    ("guid", "", "is empty"),
    ("guid", "k-1", "is not a guid"),
    ("guid", GUID + "0", "is not a guid"),
    ("crn", CRN, None),
    ("crn", "not-a-crn", "is not a CRN"),
    ("crn", "crn:v1:bluemix:public:kms:us-south", "is not a CRN"),
    ("crn", "crn:v2:bluemix:public:kms:us-south:a/x:g::", "is not a CRN"),
    ("guid_or_crn", GUID, None),
    ("guid_or_crn", CRN, None),
    ("guid_or_crn", "", "is empty"),
    ("guid_or_crn", "not-a-crn", "neither an instance guid nor a CRN"),
    ("guid_or_crn", "crn:junk", "is not a CRN"),
    ("account_id", ACCOUNT, None),
    ("account_id", "", "is empty"),
    ("account_id", "garbage", "is not an account id"),
    ("account_id", ACCOUNT + "0", "is not an account id"),
    ("alias", "iks-crk_1", None),
    ("alias", "x", "is not a key alias"),
    ("alias", "a" * 91, "is not a key alias"),
    ("alias", "has space", "is not a key alias"),
    ("alias", GUID, "is a UUID"),
    ("timestamp", "2030-01-01T00:00:00Z", None),
    ("timestamp", "2030-01-01T00:00:00.5+05:30", None),
    ("timestamp", "2030-02-30T00:00:00Z", "does not exist"),
    ("timestamp", "2030-01-01T25:00:00Z", "does not exist"),
    ("timestamp", "2030-01-01T00:00:00+24:00", "offset that does not exist"),
    ("timestamp", "next tuesday", "not an RFC 3339 timestamp"),
    ("timestamp", "", "is empty"),
    ("positive", 1, None),
    ("positive", 0.5, None),
    ("positive", 0, "greater than 0"),
    ("positive", -5, "greater than 0"),
    ("not_negative", 0, None),
    ("not_negative", -3, "0 or more"),
    ("file", __file__, None),
    ("file", "/nonexistent/ca.pem", "is not a file"),
    ("file", "", "is empty"),
]


@pytest.mark.parametrize("kind, value, fragment", KINDS)
def test_kinds(kind, value, fragment):
    found = problems({"option": value}, {"option": kind})
    if fragment is None:
        assert found == []
    else:
        assert len(found) == 1 and fragment in found[0] and found[0].startswith("option=")


def test_values_not_given_are_not_checked():
    assert problems({"option": None}, {"option": "guid", "missing": "guid"}) == []


def test_lists_are_checked_per_element_and_every_problem_is_named():
    found = problems({"instances": ["kp", ""], "key_id": "x"}, {"instances": "not_empty", "key_id": "guid"})
    assert found == [
        "instances '' is empty (an unset variable?); give a value or leave the option out",
        "key_id='x' is not a guid (8-4-4-4-12 hexadecimal digits)",
    ]


def test_nested_options_are_checked_by_their_path():
    assert problems({"policy": {"interval": 0}}, {"policy": {"interval": "positive"}}) == [
        "policy.interval=0 must be greater than 0"
    ]


def test_validate_raises_one_input_error_that_says_nothing_changed():
    with pytest.raises(InputError, match=r"^Invalid input, nothing was changed: timeout=0 must be greater than 0\.$"):
        validate({"timeout": 0, "retries": 0}, {"timeout": "positive", "retries": "not_negative"})


@pytest.mark.parametrize(
    "value, seconds",
    [
        ("1970-01-01T00:00:00Z", 0.0),
        ("1970-01-01T01:00:00+01:00", 0.0),
        ("1970-01-01 00:00:01.5", 1.5),
        (None, None),
        ("", None),
    ],
)
def test_parse_time(value, seconds):
    assert parse_time(value) == seconds


def test_parse_time_refuses_a_day_that_does_not_exist():
    with pytest.raises(InputError, match="does not exist"):
        parse_time("2031-02-29T00:00:00Z")


# -- items_of: the options of each item of a list option ------------------------------------------------------------
ITEMS_BASE = {"clusters": None, "cluster": "one", "instance": "kp", "days": 30}


def items(params, **options):
    return items_of(params, "clusters", checks={"instance": "not_empty", "days": "not_negative"},
                    label=lambda one: repr(one["cluster"]), **options)


# (clusters given, the merged options expected, or the error's beginning)
ITEMS = [
    (None, [{"cluster": "one", "instance": "kp", "days": 30}], None),
    ([{"cluster": "a", "instance": None, "days": None}, {"cluster": "b", "instance": "kp2", "days": 0}],
     [{"cluster": "a", "instance": "kp", "days": 30}, {"cluster": "b", "instance": "kp2", "days": 0}], None),
    ([{"cluster": "a", "instance": None, "days": -1}], None, "clusters[1] ('a'): Invalid input, nothing was changed: days=-1"),
    ([{"cluster": "a", "instance": None, "days": None}, {"cluster": "b", "instance": "", "days": None}], None,
     "clusters[2] ('b'): Invalid input, nothing was changed: instance"),
]


@pytest.mark.parametrize("clusters, merged, error", ITEMS)
def test_items_of(clusters, merged, error):
    params = {**ITEMS_BASE, "clusters": clusters, "cluster": None if clusters else "one"}
    if error:
        with pytest.raises(InputError) as raised:
            items(params)
        assert raised.value.message.startswith(error), raised.value.message
        return
    assert [{name: one[name] for name in ("cluster", "instance", "days")} for one in items(params)] == merged


def test_items_of_runs_the_modules_own_check_and_names_the_item():
    def check(one):
        if one["instance"] == "forbidden":
            raise InputError("instance forbidden.")

    params = {**ITEMS_BASE, "cluster": None, "clusters": [{"cluster": "a", "instance": None, "days": None},
                                                          {"cluster": "b", "instance": "forbidden", "days": None}]}
    with pytest.raises(InputError, match=r"^clusters\[2\] \('b'\): instance forbidden\.$"):
        items(params, check=check)
    with pytest.raises(InputError, match=r"^instance forbidden\.$"):  # without the list option: the module's own error
        items({**ITEMS_BASE, "instance": "forbidden"}, check=check)


def test_items_of_refuses_the_same_item_twice():
    twice = [{"cluster": "a", "instance": None, "days": None}, {"cluster": "b", "instance": None, "days": None},
             {"cluster": "a", "instance": "kp2", "days": None}]
    with pytest.raises(InputError, match=r"^clusters\[3\] \('a'\): the same as clusters\[1\]: give each once\.$"):
        items({**ITEMS_BASE, "cluster": None, "clusters": twice}, same=lambda one: one["cluster"])
    assert len(items({**ITEMS_BASE, "cluster": None, "clusters": twice[:2]}, same=lambda one: one["cluster"])) == 2
