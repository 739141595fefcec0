"""Projects index: which projects each tenant has (the records themselves live in the tenant's
metadata store). Lets the control plane list and count projects without opening every sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, insert, select

from craftology.controlplane.db import write_transaction
from craftology.controlplane.schema import projects
from craftology.controlplane.scoping import require_tenant
from craftology.controlplane.types import utc_now
from craftology.errors import Conflict, NotFound


@dataclass(frozen=True)
class ProjectEntry:
    tenant_id: str
    id: str
    name: str
    created_at: datetime


class ProjectsIndex:
    """Tenant-scoped index of project ids and names."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, tenant: str, project_id: str, name: str) -> ProjectEntry:
        """Index a new project; Conflict if the tenant already has that id, NotFound for no tenant."""
        entry = ProjectEntry(tenant_id=tenant, id=project_id, name=name, created_at=utc_now())
        with write_transaction(self._engine) as conn:
            require_tenant(conn, tenant)
            existing = select(projects.c.id).where(
                projects.c.tenant_id == tenant, projects.c.id == project_id
            )
            if conn.execute(existing).first() is not None:
                raise Conflict(f"project {project_id} already exists")
            conn.execute(insert(projects).values(**entry.__dict__))
        return entry

    def remove(self, tenant: str, project_id: str) -> None:
        """Drop a project from the index; NotFound if this tenant has no such project."""
        with write_transaction(self._engine) as conn:
            result = conn.execute(
                delete(projects).where(projects.c.tenant_id == tenant, projects.c.id == project_id)
            )
            if result.rowcount == 0:
                raise NotFound(f"project {project_id} not found")

    def get(self, tenant: str, project_id: str) -> ProjectEntry:
        """One indexed project of this tenant; NotFound otherwise."""
        query = select(projects).where(projects.c.tenant_id == tenant, projects.c.id == project_id)
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise NotFound(f"project {project_id} not found")
        return ProjectEntry(**row._mapping)

    def list(self, tenant: str) -> list[ProjectEntry]:
        """Every indexed project of the tenant, in id order."""
        query = select(projects).where(projects.c.tenant_id == tenant).order_by(projects.c.id)
        with self._engine.connect() as conn:
            return [ProjectEntry(**row._mapping) for row in conn.execute(query)]
