"""Every call the proposal flow makes into the projects service, in one place, as the person who
approved the proposal: the projects service asks the policy about each write."""

from __future__ import annotations

import contextlib

from craftology.errors import NotFound
from craftology.identity.principal import Principal
from craftology.projects.changes import Versioned
from craftology.projects.models import CardIn, Project, ProjectIn, ShotIn
from craftology.projects.service import ProjectService


class ProjectWriter:
    """Saves an approved proposal through the projects service (validation, events, history)."""

    def __init__(self, projects: ProjectService) -> None:
        self._projects = projects

    def create_project(self, who: Principal, project: ProjectIn) -> str:
        return self._projects.create_project(who, project).value.id

    def add_card(self, who: Principal, project_id: str, card: CardIn) -> str:
        return self._projects.create_card(who, project_id, card).value.id

    def add_shot(self, who: Principal, project_id: str, shot: ShotIn) -> str:
        return self._projects.create_shot(who, project_id, shot).value.id

    def get_project(self, who: Principal, project_id: str) -> Versioned[Project]:
        return self._projects.get_project(who, project_id)

    def delete_project(self, who: Principal, project_id: str) -> None:
        """Delete it with everything in it (one commit); a project already gone is fine."""
        with contextlib.suppress(NotFound):
            self._projects.delete_project(who, project_id, None)
