"""What the sync engine is given (a project's records, accepted assets, pins, models) and the
changes it can be told about."""

from __future__ import annotations

from dataclasses import dataclass, field

from craftology.projects.models import Card, Project, Shot
from craftology.sync.fingerprint import ModelSpec, Provenance, default_seed
from craftology.sync.targets import TargetKind


@dataclass
class ProjectState:
    """Everything the status of a project's targets depends on.

    `accepted` maps target -> provenance of its accepted asset; `seeds` overrides the default
    per-target seed."""

    project: Project
    cards: dict[str, Card]
    shots: dict[str, Shot]
    accepted: dict[str, Provenance]
    pinned: set[str]
    models: dict[TargetKind, ModelSpec]
    seeds: dict[str, int] = field(default_factory=dict)

    def seed_for(self, target: str) -> int:
        return self.seeds.get(target, default_seed(target))

    def copy(self) -> ProjectState:
        """A copy whose containers can change independently (the records themselves are frozen)."""
        return ProjectState(
            project=self.project,
            cards=dict(self.cards),
            shots=dict(self.shots),
            accepted=dict(self.accepted),
            pinned=set(self.pinned),
            models=dict(self.models),
            seeds=dict(self.seeds),
        )


@dataclass(frozen=True)
class ProjectUpdated:
    project: Project


@dataclass(frozen=True)
class CardUpserted:
    card: Card


@dataclass(frozen=True)
class CardDeleted:
    """Shots referencing the card must have been updated first (the engine refuses otherwise)."""

    card_id: str


@dataclass(frozen=True)
class ShotUpserted:
    shot: Shot


@dataclass(frozen=True)
class ShotDeleted:
    shot_id: str


@dataclass(frozen=True)
class ShotsReordered:
    """The new order of every shot, all at once. The shots outside the longest run already in that
    order get new keys between their neighbours, as the projects service gives them; the service
    itself writes those shots one by one, which the engine hears as `ShotUpserted`."""

    shot_ids: tuple[str, ...]


@dataclass(frozen=True)
class AssetAccepted:
    target: str
    provenance: Provenance


@dataclass(frozen=True)
class Pinned:
    target: str
    pinned: bool


@dataclass(frozen=True)
class ModelChanged:
    kind: TargetKind
    spec: ModelSpec


@dataclass(frozen=True)
class SeedChanged:
    """Override a target's seed (None goes back to the default)."""

    target: str
    seed: int | None


Change = (
    ProjectUpdated
    | CardUpserted
    | CardDeleted
    | ShotUpserted
    | ShotDeleted
    | ShotsReordered
    | AssetAccepted
    | Pinned
    | ModelChanged
    | SeedChanged
)


@dataclass(frozen=True)
class ChangeResult:
    """Targets whose status, causes or pin changed (new targets included), in dependency order;
    targets that no longer exist; and how many targets the engine re-evaluated (its work)."""

    changed: tuple[str, ...]
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    visited: int = 0
