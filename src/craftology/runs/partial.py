"""Loads only the records one target reads, so an activity's cost does not grow with the project."""

from __future__ import annotations

from craftology.assets.records import TARGETS
from craftology.errors import NotFound
from craftology.identity.principal import system_principal
from craftology.ports.metadata import MetadataStore
from craftology.projects.models import Card, Project, Shot
from craftology.projects.service import ProjectService
from craftology.runs.state import ProjectModels, load_state
from craftology.sync.engine import SyncEngine
from craftology.sync.fingerprint import Provenance, Resolved
from craftology.sync.state import ProjectState
from craftology.sync.targets import TargetKind, keyframe_target, parse_target, sheet_target


def _accepted(metadata: MetadataStore, tenant: str, targets: list[str]) -> dict[str, Provenance]:
    found: dict[str, Provenance] = {}
    for target in targets:
        try:
            record = metadata.get(tenant, TARGETS, target)
        except NotFound:
            continue
        if record.data.get("provenance"):
            found[target] = Provenance.from_dict(record.data["provenance"])
    return found


def _seed(metadata: MetadataStore, tenant: str, target: str) -> dict[str, int]:
    try:
        seed = metadata.get(tenant, TARGETS, target).data.get("seed")
    except NotFound:
        return {}
    return {target: seed} if isinstance(seed, int) else {}


def load_for_target(
    tenant: str,
    project_id: str,
    target: str,
    projects: ProjectService,
    metadata: MetadataStore,
    models: ProjectModels,
) -> ProjectState:
    """A ProjectState holding the project plus exactly the cards, shots, accepted upstream assets
    and seed `target` depends on. The cut needs every shot, so it loads the whole project."""
    kind, subject = parse_target(target)
    platform = system_principal(tenant)  # the executor works for a run someone was allowed to start
    project: Project = projects.get_project(platform, project_id).value
    if kind is TargetKind.CUT:
        return load_state(tenant, project_id, projects, metadata, models(project))
    cards: dict[str, Card] = {}
    shots: dict[str, Shot] = {}
    upstream: list[str] = []
    if kind is TargetKind.SHEET:
        cards[subject] = projects.get_card(platform, project_id, subject).value
    else:
        shot = projects.get_shot(platform, project_id, subject).value
        shots[shot.id] = shot
        # The engine checks a shot's card references, so a clip's state carries the cards too.
        for card_id in dict.fromkeys(shot.cards):
            cards[card_id] = projects.get_card(platform, project_id, card_id).value
        if kind is TargetKind.KEYFRAME:
            upstream = [sheet_target(card_id) for card_id in cards]
        else:
            upstream = [keyframe_target(shot.id)]
    return ProjectState(
        project=project,
        cards=cards,
        shots=shots,
        accepted=_accepted(metadata, tenant, upstream),
        pinned=set(),
        models=models(project),
        seeds=_seed(metadata, tenant, target),
    )


def resolve_target(state: ProjectState, target: str) -> Resolved:
    """Resolve one target on a (possibly partial) state: the same code path as a full engine."""
    return SyncEngine(state).resolve(target)
