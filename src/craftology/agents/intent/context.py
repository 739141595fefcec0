"""A ProjectContext from a loaded project: what the intent engine needs to resolve references."""

from __future__ import annotations

from collections.abc import Mapping

from craftology.ports.intent import CardRef, ProjectContext, ShotRef
from craftology.projects.models import Card, Project, Shot


def project_context(project: Project, cards: Mapping[str, Card], shots: Mapping[str, Shot]) -> ProjectContext:
    """`shots` in storyboard order (as ProjectService.load_project gives them); shot numbers count from 1."""
    ordered = sorted(shots.values(), key=lambda shot: (shot.order, shot.id))
    return ProjectContext(
        project_id=project.id,
        cards=tuple(CardRef(card.id, card.name, card.kind.value) for card in cards.values()),
        shots=tuple(ShotRef(shot.id, n, shot.description) for n, shot in enumerate(ordered, start=1)),
    )
