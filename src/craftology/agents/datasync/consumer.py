"""The data-sync agent's consumer: reads every tenant's change feed and signals the projects' agents.

Project edits are read from the metadata store's change feed (every committed write, in commit order,
durable), not from process memory. The position per tenant lives in the control plane, so any
process can take over; a pass that dies before advancing it only signals the same seqs again, which
the workflows ignore (signal-with-start on one id per project, and seqs not above the highest seen).
Only edits people make count (projects, cards, shots): writes of runs (targets, assets) and of the
agent itself (its feed and state) would otherwise have it re-plan after every sync.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from temporalio.client import Client

from craftology.agents.datasync.messages import (
    CHANGED_SIGNAL,
    AgentInput,
    ProjectChanged,
    agent_workflow_id,
)
from craftology.agents.datasync.workflow import ProjectSyncAgentWorkflow
from craftology.config import DataSyncSettings
from craftology.controlplane.agent_positions import AgentPositions
from craftology.ports.metadata import MetadataStore
from craftology.projects.base import CARDS, PROJECTS, SHOTS
from craftology.projects.models import Project

log = logging.getLogger(__name__)
EDITS = frozenset({PROJECTS, CARDS, SHOTS})
PAGE = 1000


@dataclass(frozen=True)
class Edited:
    tenant: str
    project_id: str
    seq: int  # its latest edit seen


@dataclass(frozen=True)
class Scan:
    edited: list[Edited]
    heads: dict[str, int]  # each tenant's feed head when read: the position once signalled


class ChangeConsumer:
    def __init__(
        self, metadata: MetadataStore, positions: AgentPositions, tenants: Callable[[], Iterable[str]]
    ) -> None:
        self._metadata = metadata
        self._positions = positions
        self._tenants = tenants

    def scan(self) -> Scan:
        """The projects with auto_sync on edited since each tenant's position (blocking reads)."""
        edited: list[Edited] = []
        heads: dict[str, int] = {}
        for tenant in self._tenants():
            position, head = self._positions.get(tenant), self._metadata.head(tenant)
            if head <= position:
                continue
            heads[tenant] = head
            # The projects are read from the tenant's store after its head: every project written
            # at or before the head is there (an index kept beside it could lag behind).
            for record in self._metadata.scan(tenant, PROJECTS):
                if not Project.model_validate(record.data).settings.auto_sync:
                    continue
                seq = self._last_edit(tenant, record.id, position)
                if seq:
                    edited.append(Edited(tenant, record.id, seq))
        return Scan(edited, heads)

    def advance(self, heads: dict[str, int]) -> None:
        for tenant, head in heads.items():
            self._positions.advance(tenant, head)

    def _last_edit(self, tenant: str, project_id: str, after: int) -> int:
        last = 0
        while True:
            page = self._metadata.changes(tenant, project_id, after=after, limit=PAGE)
            last = max([last, *(change.seq for change in page if change.collection in EDITS)])
            if len(page) < PAGE:
                return last
            after = page[-1].seq


async def signal(client: Client, task_queue: str, settings: DataSyncSettings, edited: Edited) -> None:
    """Starts the project's agent workflow with this edit, or signals the running one."""
    params = AgentInput(edited.tenant, edited.project_id, settings.quiet_seconds, settings.max_wait_seconds)
    await client.start_workflow(
        ProjectSyncAgentWorkflow.run,
        params,
        id=agent_workflow_id(edited.tenant, edited.project_id),
        task_queue=task_queue,
        start_signal=CHANGED_SIGNAL,
        start_signal_args=[ProjectChanged(edited.seq)],
    )
