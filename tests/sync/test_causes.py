"""Target ids and the exact one-line rendering of every cause."""

from __future__ import annotations

import pytest

from craftology.errors import BadInput
from craftology.sync import (
    CodeCause,
    CodeVersion,
    DataCause,
    MissingCause,
    SeedCause,
    Status,
    TargetKind,
    TargetStatus,
    UpstreamCause,
    parse_target,
)
from craftology.sync.causes import data_causes


def test_parse_target_accepts_the_four_shapes() -> None:
    assert parse_target("card/mia/sheet") == (TargetKind.SHEET, "mia")
    assert parse_target("shot/s1/keyframe") == (TargetKind.KEYFRAME, "s1")
    assert parse_target("shot/s1/clip") == (TargetKind.CLIP, "s1")
    assert parse_target("project/p1/cut") == (TargetKind.CUT, "p1")


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "card/mia",
        "card//sheet",
        "card/mia/sheet/x",
        "shot/mia/sheet",
        "card/mia/poster",
        "project/p/clip",
    ],
)
def test_parse_target_rejects_malformed_ids(bad: str) -> None:
    with pytest.raises(BadInput):
        parse_target(bad)


def test_data_cause_renders_path_and_json_values() -> None:
    cause = DataCause("cards/mia.attributes.appearance.hair", "brown", "red")
    assert cause.render() == 'DATA cards/mia.attributes.appearance.hair "brown"→"red"'
    assert DataCause("shots/s1.duration", 3.0, 4.0).render() == "DATA shots/s1.duration 3.0→4.0"
    assert DataCause("cards/mia.attributes.age", None, 30).render() == "DATA cards/mia.attributes.age null→30"


def test_long_values_are_elided_in_the_line() -> None:
    line = DataCause("projects/p1.shots", [f"shot-{i}" for i in range(100)], []).render()
    assert line.startswith('DATA projects/p1.shots ["shot-0","shot-1"')
    assert line.endswith("…→[]")
    assert len(line) < 100


def test_code_cause_names_what_changed() -> None:
    old = CodeVersion("preview-clip", "1.0", "1", {"steps": 4})
    assert (
        CodeCause(old, CodeVersion("preview-clip", "1.1", "1", {"steps": 4})).render()
        == "CODE preview-clip 1.0→1.1"
    )
    assert (
        CodeCause(old, CodeVersion("sdxl", "2.0", "1", {"steps": 4})).render()
        == "CODE preview-clip 1.0→sdxl 2.0"
    )
    assert CodeCause(old, CodeVersion("preview-clip", "1.0", "2", {"steps": 8})).render() == (
        'CODE preview-clip template 1→2 params {"steps":4}→{"steps":8}'
    )


def test_upstream_missing_and_seed_causes() -> None:
    assert UpstreamCause("card/mia/sheet").render() == "UPSTREAM card/mia/sheet"
    assert MissingCause("shot/s1/keyframe").render() == "MISSING shot/s1/keyframe"
    assert SeedCause(1, 2).render() == "SEED 1→2"


def test_pinned_status_renders_its_would_be_status() -> None:
    status = TargetStatus("card/mia/sheet", TargetKind.SHEET, Status.STALE, (), pinned=True)
    assert status.render() == "STALE card/mia/sheet (pinned, would be stale)"
    assert status.usable
    assert not TargetStatus("card/mia/sheet", TargetKind.SHEET, Status.STALE, ()).usable


def test_data_causes_diff_leaf_by_leaf() -> None:
    old = {"cards/mia.attributes.appearance": {"hair": "brown", "eyes": "green", "scar": "left"}}
    new = {"cards/mia.attributes.appearance": {"hair": "red", "eyes": "green", "hat": "cap"}}
    assert [c.render() for c in data_causes(old, new)] == [
        'DATA cards/mia.attributes.appearance.hair "brown"→"red"',
        'DATA cards/mia.attributes.appearance.hat null→"cap"',
        'DATA cards/mia.attributes.appearance.scar "left"→null',
    ]


def test_data_causes_see_json_types_not_python_equality() -> None:
    # 1 == 1.0 == True in Python, but they hash to different fingerprints.
    assert data_causes({"a": 1}, {"a": 1.0}) == [DataCause("a", 1, 1.0)]
    assert data_causes({"a": 1}, {"a": True}) == [DataCause("a", 1, True)]
    assert data_causes({"a": {"b": 1}}, {"a": {"b": 1}}) == []
