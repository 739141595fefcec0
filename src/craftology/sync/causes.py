"""Status of a target and the typed causes that explain it, each rendered as one readable line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from craftology.sync.fingerprint import CodeVersion, canonical_json, same_json
from craftology.sync.targets import TargetKind

_MAX_VALUE_CHARS = 60


class Status(StrEnum):
    MISSING = "missing"  # no accepted asset
    STALE = "stale"  # the accepted asset was made from other inputs, or an upstream is not fresh
    FRESH = "fresh"


def _show(value: Any) -> str:
    text = canonical_json(value)
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 1] + "…"


@dataclass(frozen=True)
class DataCause:
    """A leaf the target reads changed; a leaf that appeared or vanished has old/new None."""

    path: str
    old: Any
    new: Any

    def render(self) -> str:
        return f"DATA {self.path} {_show(self.old)}→{_show(self.new)}"


@dataclass(frozen=True)
class CodeCause:
    old: CodeVersion
    new: CodeVersion

    def render(self) -> str:
        old, new = self.old, self.new
        if old.model_id == new.model_id:
            parts = [new.model_id]
            if old.model_version != new.model_version:
                parts.append(f"{old.model_version}→{new.model_version}")
        else:
            parts = [f"{old.model_id} {old.model_version}→{new.model_id} {new.model_version}"]
        if old.template_version != new.template_version:
            parts.append(f"template {old.template_version}→{new.template_version}")
        if not same_json(old.params, new.params):
            parts.append(f"params {_show(old.params)}→{_show(new.params)}")
        return "CODE " + " ".join(parts)


@dataclass(frozen=True)
class SeedCause:
    old: int
    new: int

    def render(self) -> str:
        return f"SEED {self.old}→{self.new}"


@dataclass(frozen=True)
class UpstreamCause:
    """An upstream target is not fresh, or its accepted asset is not the one this one was made from."""

    target: str

    def render(self) -> str:
        return f"UPSTREAM {self.target}"


@dataclass(frozen=True)
class MissingCause:
    """A root cause: this target has never had an accepted asset."""

    target: str

    def render(self) -> str:
        return f"MISSING {self.target}"


Cause = DataCause | CodeCause | SeedCause | UpstreamCause | MissingCause


def cause_to_dict(cause: Cause) -> dict[str, Any]:
    base: dict[str, Any] = {"text": cause.render()}
    if isinstance(cause, DataCause):
        return {"type": "data", "path": cause.path, "old": cause.old, "new": cause.new, **base}
    if isinstance(cause, CodeCause):
        return {"type": "code", "old": cause.old.to_dict(), "new": cause.new.to_dict(), **base}
    if isinstance(cause, SeedCause):
        return {"type": "seed", "old": cause.old, "new": cause.new, **base}
    if isinstance(cause, UpstreamCause):
        return {"type": "upstream", "target": cause.target, **base}
    return {"type": "missing", "target": cause.target, **base}


@dataclass(frozen=True)
class TargetStatus:
    """A target's status and direct causes. A pinned target shows the status it would have."""

    target: str
    kind: TargetKind
    status: Status
    causes: tuple[Cause, ...]
    pinned: bool = False

    @property
    def usable(self) -> bool:
        """Whether downstream may build on the accepted asset: it exists and is fresh or pinned."""
        return self.status is not Status.MISSING and (self.pinned or self.status is Status.FRESH)

    def render(self) -> str:
        head = f"{self.status.value.upper()} {self.target}"
        return f"{head} (pinned, would be {self.status.value})" if self.pinned else head


_ABSENT = object()


def _leaves(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if type(value) is dict and value:
        for key, item in value.items():
            _leaves(f"{prefix}.{key}", item, out)
    else:
        out[prefix] = value


def data_causes(old: dict[str, Any], new: dict[str, Any]) -> list[DataCause]:
    """Leaf-by-leaf differences between two input snapshots, sorted by path."""
    if same_json(old, new):
        return []
    causes: list[DataCause] = []
    for path in sorted(old.keys() | new.keys()):
        before, after = old.get(path, _ABSENT), new.get(path, _ABSENT)
        if before is not _ABSENT and after is not _ABSENT and same_json(before, after):
            continue
        old_leaves: dict[str, Any] = {}
        new_leaves: dict[str, Any] = {}
        if before is not _ABSENT:
            _leaves(path, before, old_leaves)
        if after is not _ABSENT:
            _leaves(path, after, new_leaves)
        found = [
            DataCause(leaf, old_leaves.get(leaf), new_leaves.get(leaf))
            for leaf in sorted(old_leaves.keys() | new_leaves.keys())
            if leaf not in old_leaves
            or leaf not in new_leaves
            or not same_json(old_leaves[leaf], new_leaves[leaf])
        ]
        # Keys containing dots can make two different objects flatten alike; the path itself then
        # carries the difference so a stale target always shows why.
        causes.extend(
            found
            or [DataCause(path, None if before is _ABSENT else before, None if after is _ABSENT else after)]
        )
    return causes


def root_causes(
    target: str, status_of: Callable[[str], TargetStatus], memo: dict[str, tuple[Cause, ...]]
) -> tuple[Cause, ...]:
    """A target's own DATA/CODE/SEED causes plus, through each UPSTREAM cause, the root causes of
    that upstream target; an upstream that is itself usable (its accepted asset simply changed)
    is its own root. A missing target is its own root cause. Deduplicated, first seen first."""
    if target in memo:
        return memo[target]
    status = status_of(target)
    found: list[Cause] = [MissingCause(target)] if status.status is Status.MISSING else []
    for cause in status.causes:
        if isinstance(cause, UpstreamCause):
            upstream = status_of(cause.target)
            found.extend([cause] if upstream.usable else root_causes(cause.target, status_of, memo))
        else:
            found.append(cause)
    result = _dedupe(found)
    memo[target] = result
    return result


def _dedupe(causes: list[Cause]) -> tuple[Cause, ...]:
    seen: set[object] = set()
    out: list[Cause] = []
    for cause in causes:
        key: object = cause
        try:
            hash(key)
        except TypeError:  # a DataCause holding a JSON object or list
            key = canonical_json(cause_to_dict(cause))
        if key not in seen:
            seen.add(key)
            out.append(cause)
    return tuple(out)
