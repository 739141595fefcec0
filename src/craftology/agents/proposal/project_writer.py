"""Every call the proposal flow makes into the projects service, in one place: the service is changing
to take the acting principal instead of a tenant, and only this module has to follow."""

from __future__ import annotations

import contextlib

from craftology.errors import NotFound
from craftology.projects.changes import Versioned
from craftology.projects.models import CardIn, Project, ProjectIn, ShotIn
from craftology.projects.service import ProjectService


class ProjectWriter:
    """Saves an approved proposal through the projects service (validation, events, history)."""

    def __init__(self, projects: ProjectService) -> None:
        self._projects = projects

    def create_project(self, tenant: str, project: ProjectIn) -> str:
        return self._projects.create_project(tenant, project).value.id

    def add_card(self, tenant: str, project_id: str, card: CardIn) -> str:
        return self._projects.create_card(tenant, project_id, card).value.id

    def add_shot(self, tenant: str, project_id: str, shot: ShotIn) -> str:
        return self._projects.create_shot(tenant, project_id, shot).value.id

    def get_project(self, tenant: str, project_id: str) -> Versioned[Project]:
        return self._projects.get_project(tenant, project_id)

    def delete_project(self, tenant: str, project_id: str) -> None:
        """Delete it with everything in it (one commit); a project already gone is fine."""
        with contextlib.suppress(NotFound):
            self._projects.delete_project(tenant, project_id, None)
