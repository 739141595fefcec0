"""What the registry knows about a model.

Costs are in credits, where one credit is one GPU-second-equivalent: `cost_per_unit` credits per
`unit` of output — per image (sheets, keyframes), per second of video (clips, cuts) or per clip.
A plan's estimate is the sum over its targets of cost_per_unit x units produced.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from craftology.errors import BadInput

ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
VERSION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,31}$"
MAX_PARAMS_BYTES = 16_384  # params go into every fingerprint of the model's outputs: keep them small
_ID = re.compile(ID_PATTERN)
_VERSION = re.compile(VERSION_PATTERN)


class ModelKind(StrEnum):
    """The target kind a model produces."""

    SHEET = "sheet"
    KEYFRAME = "keyframe"
    CLIP = "clip"
    CUT = "cut"


class CostUnit(StrEnum):
    IMAGE = "image"
    SECOND = "second"
    CLIP = "clip"


@dataclass(frozen=True)
class ModelRecord:
    """One version of one model. (id, version, template_version, params) are its code version: a change
    to any of them makes the assets it produced stale."""

    id: str
    version: str
    kind: ModelKind
    backend: str  # which Generator implementation runs it, e.g. "preview"
    template_version: str  # version of the prompt template fed to it
    params: dict[str, Any] = field(default_factory=dict)
    cost_per_unit: float = 0.0  # credits (GPU-second-equivalents) per unit
    unit: CostUnit = CostUnit.IMAGE

    def __post_init__(self) -> None:
        # Accept plain strings for the enums (rows, JSON) but always hold the enum.
        try:
            object.__setattr__(self, "kind", ModelKind(self.kind))
            object.__setattr__(self, "unit", CostUnit(self.unit))
        except ValueError as error:
            raise BadInput(f"model {self.id!r}: {error}") from None
        if not _ID.fullmatch(self.id):
            raise BadInput(f"invalid model id {self.id!r}")
        if not _VERSION.fullmatch(self.version) or not _VERSION.fullmatch(self.template_version):
            raise BadInput(f"invalid version of model {self.id!r}")
        if not self.backend or len(self.backend) > 64:
            raise BadInput("model backend must be 1..64 characters")
        try:
            encoded = json.dumps(self.params, allow_nan=False) if isinstance(self.params, dict) else None
        except (TypeError, ValueError):
            encoded = None
        if encoded is None:
            raise BadInput(f"params of model {self.id!r} must be a JSON object")
        if len(encoded.encode()) > MAX_PARAMS_BYTES:
            raise BadInput(f"params of model {self.id!r} are over {MAX_PARAMS_BYTES} bytes as JSON")
        if not (math.isfinite(self.cost_per_unit) and self.cost_per_unit >= 0):
            raise BadInput("cost_per_unit must be a finite number >= 0")

    def differences(self, other: ModelRecord) -> list[str]:
        """Names of the fields in which two records of the same (id, version) differ."""
        mine, theirs = _content(self), _content(other)
        return [name for name in mine if mine[name] != theirs[name]]


def _content(record: ModelRecord) -> dict[str, Any]:
    return {
        "kind": record.kind,
        "backend": record.backend,
        "template_version": record.template_version,
        # Compared as canonical JSON, as fingerprints see them: 1, 1.0 and true are three values.
        "params": json.dumps(record.params, sort_keys=True),
        "cost_per_unit": record.cost_per_unit,
        "unit": record.unit,
    }


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key comparing dotted versions part by part, numbers numerically ("1.10" > "1.9")."""
    parts = re.split(r"[.+-]", version)
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in parts)
