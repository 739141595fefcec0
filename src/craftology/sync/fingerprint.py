"""Code versions, provenance records and the content hashes that identify an asset.

A fingerprint is sha256 over the canonical JSON of everything that shapes an asset: the target kind,
the snapshot of the fields it reads, the fingerprints of the accepted upstream assets it was made
from, the code version and the seed. Same fingerprint, same asset.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from craftology.sync.targets import TargetKind

Unit = Literal["image", "second"]


@dataclass(frozen=True)
class CodeVersion:
    """What, besides data, decides an output: model, model version, prompt template, parameters."""

    model_id: str
    model_version: str
    template_version: str = "1"
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id,
            "model_version": self.model_version,
            "template_version": self.template_version,
            "params": self.params,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CodeVersion:
        return cls(data["model_id"], data["model_version"], data["template_version"], dict(data["params"]))


@dataclass(frozen=True)
class ModelSpec:
    """The model registry's answer for one target kind: its code version and its price.

    `unit` "image" prices one generation; "second" prices each second of video (a still counts as
    one unit)."""

    kind: TargetKind
    code: CodeVersion
    cost_per_unit: float
    unit: Unit = "image"


@dataclass(frozen=True)
class Provenance:
    """Stored on every asset: how it was made, so staleness can be explained field by field."""

    target: str
    fingerprint: str
    inputs: dict[str, Any]  # path -> value it was made from
    upstream: dict[str, str | None]  # upstream target -> fingerprint of the accepted asset used
    code: CodeVersion
    seed: int
    # Content key of a replacement a person uploaded instead of a generated asset. It is part of the
    # fingerprint, so whatever was made from the generated version turns stale (UPSTREAM), while the
    # target itself stays fresh for as long as the inputs it was uploaded against hold.
    replacement: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {
            "target": self.target,
            "fingerprint": self.fingerprint,
            "inputs": self.inputs,
            "upstream": self.upstream,
            "code": self.code.to_dict(),
            "seed": self.seed,
        }
        if self.replacement is not None:
            data["replacement"] = self.replacement
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Provenance:
        return cls(
            target=data["target"],
            fingerprint=data["fingerprint"],
            inputs=dict(data["inputs"]),
            upstream=dict(data["upstream"]),
            code=CodeVersion.from_dict(data["code"]),
            seed=int(data["seed"]),
            replacement=data.get("replacement"),
        )


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _sha256(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


def fingerprint(
    kind: TargetKind,
    inputs: dict[str, Any],
    upstream: dict[str, str | None],
    code: CodeVersion,
    seed: int,
    replacement: str | None = None,
) -> str:
    """The content address of the asset these exact inputs would produce (or, with `replacement`, of
    the uploaded file that stands in for it)."""
    content: dict[str, Any] = {
        "kind": kind.value, "inputs": inputs, "upstream": upstream, "code": code.to_dict(), "seed": seed
    }  # fmt: skip
    if replacement is not None:
        content["replacement"] = replacement
    return _sha256(content)


def inputs_digest(inputs: dict[str, Any], code: CodeVersion, seed: int) -> str:
    """Hash of a target's own inputs only (no upstream): a running task whose digest no longer
    matches was overtaken by an edit and is superseded."""
    return _sha256({"inputs": inputs, "code": code.to_dict(), "seed": seed})


def default_seed(target: str) -> int:
    """Deterministic per target, so regenerating unchanged inputs reproduces the same asset."""
    return int(hashlib.sha256(target.encode()).hexdigest()[:8], 16)


def provenance_fingerprint(kind: TargetKind, provenance: Provenance) -> str:
    return fingerprint(
        kind, provenance.inputs, provenance.upstream, provenance.code, provenance.seed, provenance.replacement
    )


def same_json(a: Any, b: Any) -> bool:
    """Equality as canonical JSON sees it: 1, 1.0 and True differ (Python's == says they are equal)."""
    if a is b:
        return True
    kind = type(a)
    if kind is not type(b):
        return False
    if kind is str or kind is int or kind is bool:
        return bool(a == b)
    if kind is float:
        return repr(a) == repr(b)
    if kind is dict:
        if a.keys() != b.keys():
            return False
        for key, x in a.items():
            y = b[key]
            # Strings are most leaves of a snapshot: compare them without a call.
            if type(x) is str and type(y) is str:
                if x != y:
                    return False
            elif not same_json(x, y):
                return False
        return True
    if kind is list:
        if len(a) != len(b):
            return False
        # Fast path for lists of ids (a shot's cards, a legacy cut snapshot's shot order).
        if a == b and all(type(x) is str for x in a):
            return True
        return all(same_json(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def same_code(a: CodeVersion, b: CodeVersion) -> bool:
    return same_json(a.to_dict(), b.to_dict())


@dataclass(frozen=True)
class Resolved:
    """Everything an executor needs to generate a target now and to record its provenance."""

    target: str
    kind: TargetKind
    inputs: dict[str, Any]
    upstream: dict[str, str | None]  # fingerprints of the ACCEPTED upstream assets (None: missing)
    code: CodeVersion
    seed: int
    fingerprint: str
    inputs_digest: str

    def provenance(self, replacement: str | None = None) -> Provenance:
        """The provenance of an asset generated from this resolution, or of an uploaded replacement
        (its content key) accepted against it."""
        if replacement is None:
            return Provenance(self.target, self.fingerprint, self.inputs, self.upstream, self.code, self.seed)
        marked = fingerprint(self.kind, self.inputs, self.upstream, self.code, self.seed, replacement)
        return Provenance(self.target, marked, self.inputs, self.upstream, self.code, self.seed, replacement)
