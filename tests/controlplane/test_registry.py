from __future__ import annotations

import threading
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import Engine, event, update

from craftology.controlplane.schema import models
from craftology.errors import BadInput, Conflict, CraftologyError, NotFound
from craftology.registry.models import MAX_PARAMS_BYTES, CostUnit, ModelKind, ModelRecord, version_key
from craftology.registry.preview import PREVIEW_MODELS
from craftology.registry.service import ModelRegistry


def _sdxl(version: str, cost: float = 4.0, params: dict[str, object] | None = None) -> ModelRecord:
    return ModelRecord(
        "sdxl",
        version,
        ModelKind.KEYFRAME,
        "diffusers",
        "2",
        {"steps": 30} if params is None else params,
        cost,
        CostUnit.IMAGE,
    )


def test_seed_preview_models(engine: Engine) -> None:
    registry = ModelRegistry(engine)
    assert registry.seed_preview_models() == list(PREVIEW_MODELS)
    assert registry.seed_preview_models() == []  # nothing missing: nothing written
    # Stored values read back exactly (0.1 included), so registering a seeded record again is a no-op.
    assert [registry.register(record) for record in PREVIEW_MODELS] == [False] * len(PREVIEW_MODELS)
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


def test_a_registered_version_never_changes(engine: Engine) -> None:
    registry = ModelRegistry(engine)
    assert registry.register(_sdxl("1.0")) is True
    assert registry.register(_sdxl("1.0")) is False  # the same content again: nothing to do
    with pytest.raises(Conflict, match="cost_per_unit") as changed:
        registry.register(_sdxl("1.0", cost=5.0))
    assert changed.value.extra["differing"] == ["cost_per_unit"]
    # Canonical JSON: 30 and 30.0 are different params (fingerprints would differ).
    with pytest.raises(Conflict, match="params"):
        registry.register(_sdxl("1.0", params={"steps": 30.0}))
    assert registry.list() == [_sdxl("1.0")]
    with pytest.raises(NotFound):
        registry.get("sdxl", "9.9")
    with pytest.raises(Conflict, match="keyframe model"):  # an id keeps its kind across versions
        registry.register(ModelRecord("sdxl", "2.0", ModelKind.CLIP, "x", "1", {}, 1.0, CostUnit.SECOND))
    with pytest.raises(Conflict, match=r"same as the registered version 1\.0"):
        registry.register(_sdxl("1.00"))  # would tie with 1.0 when picking the newest
    assert [r.version for r in registry.list()] == ["1.0"]


def test_current_follows_default_model_and_newest_version(engine: Engine) -> None:
    registry = ModelRegistry(engine)
    with pytest.raises(NotFound):
        registry.current(ModelKind.KEYFRAME)
    assert registry.current_all() == {}
    registry.seed_preview_models()
    registry.register(_sdxl("1.9"))
    assert registry.current(ModelKind.KEYFRAME).id == "preview-keyframe"  # seeding chose the default
    assert registry.set_default(ModelKind.KEYFRAME, "sdxl") == _sdxl("1.9")
    assert registry.current(ModelKind.KEYFRAME).version == "1.9"
    registry.register(_sdxl("1.10"))
    assert registry.current(ModelKind.KEYFRAME).version == "1.10"  # numeric, not string, ordering
    registry.seed_preview_models()  # re-seeding does not override an operator's choice
    assert registry.current(ModelKind.KEYFRAME).id == "sdxl"
    with pytest.raises(Conflict, match="cannot serve clip"):
        registry.set_default(ModelKind.CLIP, "sdxl")
    with pytest.raises(NotFound):
        registry.set_default(ModelKind.CLIP, "no-such-model")
    assert registry.current(ModelKind.CLIP).id == "preview-clip"


def test_current_all_is_current_of_every_kind(engine: Engine) -> None:
    registry = ModelRegistry(engine)
    registry.register(_sdxl("1.0"))  # the first keyframe model: it becomes the default
    assert registry.current_all() == {ModelKind.KEYFRAME: _sdxl("1.0")}
    registry.seed_preview_models()
    registry.register(_sdxl("2.0"))
    registry.register(_sdxl("1.5"))  # registering an older version later does not downgrade
    current = registry.current_all()
    assert current == {kind: registry.current(kind) for kind in ModelKind}
    assert current[ModelKind.KEYFRAME] == _sdxl("2.0")
    assert current[ModelKind.SHEET].id == "preview-sheet"
    registry.set_default(ModelKind.KEYFRAME, "preview-keyframe")
    assert registry.current_all()[ModelKind.KEYFRAME].id == "preview-keyframe"


def test_current_all_is_one_query_on_a_pooled_connection(engine: Engine) -> None:
    registry = ModelRegistry(engine)
    registry.seed_preview_models()
    for version in ("1.0", "1.1", "2.0"):
        registry.register(_sdxl(version))
    registry.set_default(ModelKind.KEYFRAME, "sdxl")
    registry.current_all()  # the pool holds a connection from here on
    statements: list[str] = []
    connects: list[object] = []

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "connect", lambda *_args: connects.append(True))
    for _ in range(3):
        assert registry.current_all()[ModelKind.KEYFRAME] == _sdxl("2.0")
    queries = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(queries) == 3  # one per call (SQLite adds only its BEGIN)
    assert all("registry_generation" in q for q in queries)  # nothing changed: the answer is reused
    assert len(statements) <= 6
    assert connects == []


def test_a_registry_write_of_another_process_is_seen_at_the_next_call(engine: Engine) -> None:
    mine, theirs = ModelRegistry(engine), ModelRegistry(engine)  # separate caches, as two processes
    mine.seed_preview_models()
    theirs.register(_sdxl("1.0"))
    assert mine.current_all()[ModelKind.KEYFRAME].id == "preview-keyframe"
    theirs.set_default(ModelKind.KEYFRAME, "sdxl")
    assert mine.current_all()[ModelKind.KEYFRAME] == _sdxl("1.0")
    theirs.register(_sdxl("1.1"))
    assert mine.current_all()[ModelKind.KEYFRAME] == _sdxl("1.1")
    mine.current_all()[ModelKind.KEYFRAME] = _sdxl("9.9")  # a caller changing its copy changes no cache
    assert mine.current_all()[ModelKind.KEYFRAME] == _sdxl("1.1")


def test_seeding_keeps_what_an_operator_changed(engine: Engine) -> None:
    registry = ModelRegistry(engine)
    registry.seed_preview_models()
    registry.register(_sdxl("1.0"))
    registry.set_default(ModelKind.KEYFRAME, "sdxl")
    with engine.begin() as conn:  # a price an operator corrected in the database
        conn.execute(update(models).where(models.c.id == "preview-clip").values(cost_per_unit=3.5))
    assert registry.seed_preview_models() == []
    assert registry.get("preview-clip", "1.0").cost_per_unit == 3.5
    assert registry.current(ModelKind.KEYFRAME) == _sdxl("1.0")


def test_a_new_preview_version_in_the_code_is_added_next_to_the_old(engine: Engine) -> None:
    registry = ModelRegistry(engine)
    registry.seed_preview_models()
    old = registry.current(ModelKind.CLIP)
    newer = replace(old, version="1.1", params={"codec": "h265"})
    assert registry.seed_preview_models([*PREVIEW_MODELS, newer]) == [newer]
    assert registry.get("preview-clip", "1.0") == old
    assert registry.current(ModelKind.CLIP) == newer  # the kind's targets go STALE with a CODE cause


def test_concurrent_registrations_add_each_version_once(engine: Engine) -> None:
    registry = ModelRegistry(engine)
    start = threading.Barrier(6)
    outcomes: list[object] = []

    def register(record: ModelRecord) -> None:
        start.wait()
        try:
            outcomes.append(registry.register(record))
        except CraftologyError as error:
            outcomes.append(type(error))

    same = [_sdxl("1.0") for _ in range(3)]
    # Three more versions of one new id, each of another kind: only the first to arrive keeps its kind.
    kinds = [ModelRecord("rival", str(n), kind, "b", "1") for n, kind in enumerate(list(ModelKind)[:3])]
    threads = [threading.Thread(target=register, args=(record,)) for record in same + kinds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(outcomes) == {True: 2, False: 2, Conflict: 2}
    assert len({r.kind for r in registry.list() if r.id == "rival"}) == 1
    assert [r.version for r in registry.list() if r.id == "sdxl"] == ["1.0"]


def test_record_validation() -> None:
    assert version_key("1.10") > version_key("1.9") > version_key("1.0")
    assert ModelRecord("m", "1", "sheet", "b", "1", {}, 0, "image").kind is ModelKind.SHEET  # type: ignore[arg-type]
    for bad in (
        {"id": "Bad Id"},
        {"version": ""},
        {"template_version": "two words"},
        {"cost_per_unit": -1.0},
        {"cost_per_unit": float("nan")},
        {"cost_per_unit": float("inf")},
        {"backend": ""},
        {"params": ["not", "an", "object"]},
        {"params": {"not": {"json"}}},
        {"params": {"x": float("nan")}},
        {"params": {"big": "x" * MAX_PARAMS_BYTES}},
    ):
        fields = {"id": "m", "version": "1", "kind": ModelKind.CUT, "backend": "b", "template_version": "1"}
        with pytest.raises(BadInput):
            ModelRecord(**{**fields, **bad})  # type: ignore[arg-type]
    with pytest.raises(BadInput, match="video"):
        ModelRecord("m", "1", "video", "b", "1")  # type: ignore[arg-type]
