"""The preview models: CPU-only, deterministic, always available. Seeded into every registry.

Costs (credits = GPU-second-equivalents) are what a preview render costs relative to each other; they
make plans and quotas behave like real ones before any heavy model is configured.
"""

from __future__ import annotations

from typing import Any

from craftology.registry.models import CostUnit, ModelKind, ModelRecord

PREVIEW_VERSION = "1.0"


def _preview(kind: ModelKind, cost: float, unit: CostUnit, params: dict[str, Any]) -> ModelRecord:
    return ModelRecord(
        id=f"preview-{kind.value}",
        version=PREVIEW_VERSION,
        kind=kind,
        backend="preview",
        template_version="1",
        params=params,
        cost_per_unit=cost,
        unit=unit,
    )


PREVIEW_MODELS: tuple[ModelRecord, ...] = (
    _preview(ModelKind.SHEET, 0.5, CostUnit.IMAGE, {}),
    _preview(ModelKind.KEYFRAME, 1.0, CostUnit.IMAGE, {}),
    _preview(ModelKind.CLIP, 2.0, CostUnit.SECOND, {"codec": "h264"}),
    _preview(ModelKind.CUT, 0.1, CostUnit.SECOND, {}),
)
