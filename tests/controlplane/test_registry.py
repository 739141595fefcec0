from __future__ import annotations

import pytest
from sqlalchemy import Engine

from craftology.errors import BadInput, NotFound
from craftology.registry.models import CostUnit, ModelKind, ModelRecord, version_key
from craftology.registry.service import ModelRegistry


def _sdxl(version: str, cost: float = 4.0) -> ModelRecord:
    return ModelRecord(
        "sdxl", version, ModelKind.KEYFRAME, "diffusers", "2", {"steps": 30}, cost, CostUnit.IMAGE
    )


def test_seed_preview_models(engine: Engine) -> None:
    registry = ModelRegistry(engine)
    seeded = registry.seed_preview_models()
    assert registry.seed_preview_models() == seeded  # idempotent
    records = registry.list()
    assert [(r.id, r.version) for r in records] == [
        ("preview-clip", "1.0"),
        ("preview-cut", "1.0"),
        ("preview-keyframe", "1.0"),
        ("preview-sheet", "1.0"),
    ]
    costs = {r.kind: (r.cost_per_unit, r.unit) for r in records}
    assert costs == {
        ModelKind.SHEET: (0.5, CostUnit.IMAGE),
        ModelKind.KEYFRAME: (1.0, CostUnit.IMAGE),
        ModelKind.CLIP: (2.0, CostUnit.SECOND),
        ModelKind.CUT: (0.1, CostUnit.SECOND),
    }
    assert registry.get("preview-clip", "1.0").params == {"codec": "h264"}
    assert all(r.backend == "preview" and r.template_version == "1" for r in records)
    for kind in ModelKind:
        assert registry.current(kind).id == f"preview-{kind.value}"


def test_register_is_an_idempotent_upsert(engine: Engine) -> None:
    registry = ModelRegistry(engine)
    registry.register(_sdxl("1.0"))
    registry.register(_sdxl("1.0"))
    registry.register(_sdxl("1.0", cost=5.0))
    assert [r.cost_per_unit for r in registry.list()] == [5.0]
    assert registry.get("sdxl", "1.0") == _sdxl("1.0", cost=5.0)
    with pytest.raises(NotFound):
        registry.get("sdxl", "9.9")
    with pytest.raises(BadInput):  # an id keeps its kind across versions
        registry.register(ModelRecord("sdxl", "2.0", ModelKind.CLIP, "x", "1", {}, 1.0, CostUnit.SECOND))


def test_current_follows_default_model_and_newest_version(engine: Engine) -> None:
    registry = ModelRegistry(engine)
    with pytest.raises(NotFound):
        registry.current(ModelKind.KEYFRAME)
    registry.seed_preview_models()
    registry.register(_sdxl("1.9"))
    assert registry.current(ModelKind.KEYFRAME).id == "preview-keyframe"  # seeding chose the default
    registry.set_default(ModelKind.KEYFRAME, "sdxl")
    assert registry.current(ModelKind.KEYFRAME).version == "1.9"
    registry.register(_sdxl("1.10"))
    assert registry.current(ModelKind.KEYFRAME).version == "1.10"  # numeric, not string, ordering
    registry.seed_preview_models()  # re-seeding does not override an operator's choice
    assert registry.current(ModelKind.KEYFRAME).id == "sdxl"
    with pytest.raises(NotFound):
        registry.set_default(ModelKind.CLIP, "sdxl")


def test_record_validation() -> None:
    assert version_key("1.10") > version_key("1.9") > version_key("1.0")
    assert ModelRecord("m", "1", "sheet", "b", "1", {}, 0, "image").kind is ModelKind.SHEET  # type: ignore[arg-type]
    for bad in (
        {"id": "Bad Id"},
        {"version": ""},
        {"cost_per_unit": -1.0},
        {"cost_per_unit": float("nan")},
        {"backend": ""},
    ):
        fields = {"id": "m", "version": "1", "kind": ModelKind.CUT, "backend": "b", "template_version": "1"}
        with pytest.raises(BadInput):
            ModelRecord(**{**fields, **bad})  # type: ignore[arg-type]
    with pytest.raises(BadInput, match="video"):
        ModelRecord("m", "1", "video", "b", "1")  # type: ignore[arg-type]
