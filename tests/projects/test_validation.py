from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from craftology.errors import BadInput
from craftology.projects.models import ShotIn
from craftology.projects.validation import merge_patch, new_id, validate

ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


# The examples of RFC 7396, appendix A.
@pytest.mark.parametrize(
    ("target", "patch", "result"),
    [
        ({"a": "b"}, {"a": "c"}, {"a": "c"}),
        ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
        ({"a": "b"}, {"a": None}, {}),
        ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
        ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
        ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
        ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
        ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
        (["a", "b"], ["c", "d"], ["c", "d"]),
        ({"a": "b"}, ["c"], ["c"]),
        ({"a": "foo"}, None, None),
        ({"a": "foo"}, "bar", "bar"),
        ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
        ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
        ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
    ],
)
def test_merge_patch_follows_rfc_7396(target: Any, patch: Any, result: Any) -> None:
    assert merge_patch(target, patch) == result


def test_merge_patch_does_not_modify_its_arguments() -> None:
    target = {"a": {"b": 1}}
    merge_patch(target, {"a": {"b": None}})
    assert target == {"a": {"b": 1}}


@given(st.text(max_size=300))
def test_new_ids_always_match_the_id_pattern(label: str) -> None:
    assert ID.fullmatch(new_id(label, "card"))


def test_validate_reports_every_field_on_one_line() -> None:
    with pytest.raises(BadInput) as error:
        validate(ShotIn, {"description": "x", "camera": "crane", "duration": 9})
    assert error.value.detail.count(";") == 1
    assert error.value.detail.startswith("camera: ")
    assert [e["loc"] for e in error.value.extra["errors"]] == ["camera", "duration"]
