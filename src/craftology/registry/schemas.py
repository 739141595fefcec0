"""The registry as JSON: request and response bodies of /v1/models, and `craftology models list --json`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from craftology.registry.models import ID_PATTERN, VERSION_PATTERN, CostUnit, ModelKind, ModelRecord


class ModelIn(BaseModel):
    """One model version to register. Once registered it never changes."""

    id: str = Field(pattern=ID_PATTERN, description="Model id, e.g. `sdxl`; keeps its kind across versions")
    version: str = Field(pattern=VERSION_PATTERN, description="Version; dotted numbers compare numerically")
    kind: ModelKind = Field(description="The target kind it produces")
    backend: str = Field(min_length=1, max_length=64, description="Which generator implementation runs it")
    template_version: str = Field(pattern=VERSION_PATTERN, description="Version of its prompt template")
    params: dict[str, Any] = Field(default_factory=dict, description="Generation parameters (JSON object)")
    cost_per_unit: float = Field(ge=0, allow_inf_nan=False, description="Credits per unit of output")
    unit: CostUnit = Field(description="What one unit is: an image, a second of video or a clip")

    def record(self) -> ModelRecord:
        return ModelRecord(**{name: getattr(self, name) for name in ModelIn.model_fields})


class ModelOut(ModelIn):
    current: bool = Field(description="This version generates its kind's targets now")

    @classmethod
    def of(cls, record: ModelRecord, current: dict[ModelKind, ModelRecord]) -> ModelOut:
        fields = {name: getattr(record, name) for name in ModelIn.model_fields}
        return cls(**fields, current=current.get(record.kind) == record)


class ModelRef(BaseModel):
    id: str
    version: str


class ModelList(BaseModel):
    items: list[ModelOut] = Field(description="Every registered version, by id then version")
    current: dict[ModelKind, ModelRef] = Field(description="The version that serves each kind now")

    @classmethod
    def of(cls, records: list[ModelRecord], current: dict[ModelKind, ModelRecord]) -> ModelList:
        return cls(
            items=[ModelOut.of(record, current) for record in records],
            current={
                kind: ModelRef(id=current[kind].id, version=current[kind].version)
                for kind in ModelKind
                if kind in current
            },
        )


class DefaultIn(BaseModel):
    model_id: str = Field(pattern=ID_PATTERN, description="A registered model of this kind")
