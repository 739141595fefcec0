"""Plans: the targets to (re)generate, in dependency order, with causes and a cost estimate."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from craftology.errors import BadInput
from craftology.sync.causes import Cause, Status, TargetStatus, UpstreamCause, cause_to_dict, root_causes
from craftology.sync.targets import TargetKind, parse_target

if TYPE_CHECKING:
    from craftology.sync.core import EngineCore


@dataclass(frozen=True)
class PlanItem:
    target: str
    kind: TargetKind
    status: Status
    causes: tuple[Cause, ...]
    root_causes: tuple[Cause, ...]
    deps: tuple[str, ...]  # targets in this plan that must finish first
    inputs_digest: str
    cost: float
    units: float
    unit: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "kind": self.kind.value,
            "status": self.status.value,
            "causes": [cause_to_dict(c) for c in self.causes],
            "root_causes": [cause_to_dict(c) for c in self.root_causes],
            "deps": list(self.deps),
            "inputs_digest": self.inputs_digest,
            "cost": self.cost,
            "units": self.units,
            "unit": self.unit,
        }


@dataclass(frozen=True)
class KeptModel:
    """A kind of target the project keeps on an older model version than the registry's current one:
    its targets are not re-rendered for the newer version."""

    kind: TargetKind
    model_id: str
    kept_version: str
    current_model_id: str
    current_version: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "model_id": self.model_id,
            "kept_version": self.kept_version,
            "current_model_id": self.current_model_id,
            "current_version": self.current_version,
        }

    def render(self) -> str:
        return (
            f"KEPT    {self.kind.value} targets stay on {self.model_id} {self.kept_version} "
            f"(the registry has {self.current_model_id} {self.current_version}; not re-rendered)"
        )


@dataclass(frozen=True)
class Plan:
    """Items in dependency order (every item comes after its deps); pinned targets never appear."""

    items: tuple[PlanItem, ...]
    skipped_pinned: tuple[str, ...] = ()
    kept_models: tuple[KeptModel, ...] = ()

    @property
    def total_cost(self) -> float:
        return sum(item.cost for item in self.items)

    @property
    def targets(self) -> list[str]:
        return [item.target for item in self.items]

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [item.to_dict() for item in self.items],
            "count": len(self.items),
            "total_cost": self.total_cost,
            "skipped_pinned": list(self.skipped_pinned),
            "kept_models": [kept.to_dict() for kept in self.kept_models],
        }


def _deps(engine: EngineCore, status: TargetStatus, chosen: set[str], explicit: bool) -> tuple[str, ...]:
    if not explicit:
        # Every planned upstream target is not fresh and not pinned, hence behind an UPSTREAM cause.
        return tuple(c.target for c in status.causes if isinstance(c, UpstreamCause) and c.target in chosen)
    if status.kind is TargetKind.CUT:
        clips = [t for t in chosen if parse_target(t)[0] is TargetKind.CLIP]
        return tuple(sorted(clips, key=engine.graph.sort_key))
    return tuple(u for u in engine.graph.upstream(status.target) if u in chosen)


def build_plan(engine: EngineCore, targets: Iterable[str] | None = None) -> Plan:
    """The plan for `targets` (None: every MISSING or STALE target that is not pinned)."""
    pinned = engine.state.pinned
    # A cut is made of clips: a project without shots has nothing to cut, so it is never planned.
    no_cut = engine.graph.cut if not engine.state.shots else None
    if targets is None:
        chosen = {t for t in engine.not_fresh() if t not in pinned and t != no_cut}
        skipped: list[str] = []
    else:
        requested = list(dict.fromkeys(targets))
        for target in requested:
            engine.status(target)  # BadInput if malformed, NotFound if not in this project
            if target == no_cut:
                raise BadInput(f"{target} needs at least one shot to cut", target=target)
        chosen = {t for t in requested if t not in pinned}
        skipped = [t for t in requested if t in pinned]
    order = sorted(chosen, key=engine.graph.sort_key)
    memo: dict[str, tuple[Cause, ...]] = {}
    statuses: dict[str, TargetStatus] = {}

    def status_of(target: str) -> TargetStatus:
        if target not in statuses:
            statuses[target] = engine.status(target)
        return statuses[target]

    items = []
    for target in order:
        status = status_of(target)
        cost, units, unit = engine.cost(target)
        items.append(
            PlanItem(
                target=target,
                kind=status.kind,
                status=status.status,
                causes=status.causes,
                root_causes=root_causes(target, status_of, memo),
                deps=_deps(engine, status, chosen, targets is not None),
                inputs_digest=engine.inputs_digest(target),
                cost=cost,
                units=units,
                unit=unit,
            )
        )
    return Plan(tuple(items), tuple(skipped))


def render_plan(plan: Plan, *, max_causes: int = 5) -> list[str]:
    """One line per item, then its causes indented (long lists are elided), then the total."""
    lines: list[str] = []
    for number, item in enumerate(plan.items, start=1):
        lines.append(
            f"{number:>4}. {item.status.value.upper():<7} {item.target}  "
            f"{item.cost:.4f} ({item.units:g} {item.unit})"
        )
        shown = item.causes[:max_causes]
        lines.extend(f"        {cause.render()}" for cause in shown)
        if len(item.causes) > len(shown):
            lines.append(f"        … and {len(item.causes) - len(shown)} more")
    for target in plan.skipped_pinned:
        lines.append(f"   -  PINNED  {target} (kept as is)")
    lines.extend(f"   -  {kept.render()}" for kept in plan.kept_models)
    lines.append(f"{len(plan.items)} targets, estimated cost {plan.total_cost:.4f}")
    return lines
