"""Composition root: settings -> adapters -> services. The one place that chooses engines."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.worker import Worker

from craftology.access import Access, build_access
from craftology.agents.datasync.activities import DataSyncActivities
from craftology.agents.datasync.agent import DataSyncAgent
from craftology.agents.datasync.workflow import ProjectSyncAgentWorkflow
from craftology.assets.curation import Curation
from craftology.config import Settings
from craftology.controlplane.agent_positions import AgentPositions
from craftology.controlplane.db import connect
from craftology.controlplane.event_outbox import ControlOutbox
from craftology.controlplane.projects_index import ProjectsIndex
from craftology.controlplane.runs import RunsRepository
from craftology.errors import BadInput
from craftology.events.outbox import Outbox
from craftology.events.relay import OutboxRelay
from craftology.genai.service import GenAi, build_genai
from craftology.identity.accounts.api_tokens import ApiTokenService
from craftology.identity.accounts.service import AccountsService
from craftology.ports.assets import AssetStore
from craftology.ports.events import EventBus
from craftology.ports.generator import Generator
from craftology.ports.metadata import MetadataStore
from craftology.projects.changes import Change
from craftology.projects.service import ProjectService
from craftology.registry.service import ModelRegistry
from craftology.runs.engines import EngineCache
from craftology.runs.executor import TargetExecutor
from craftology.runs.lifecycle import RunLifecycle
from craftology.runs.service import SyncService
from craftology.runs.state import ProjectModels
from craftology.tenancy.service import TenancyService
from craftology.workflows import worker
from craftology.workflows.activities import SyncActivities
from craftology.workflows.propose import ProposeWorkflow

if TYPE_CHECKING:
    from craftology.agents.proposal.llm_launch import TemporalProposer


def metadata_store(settings: Settings) -> MetadataStore:
    if settings.metadata.url == "sqlite":
        from craftology.adapters.metadata.sqlite import SqliteMetadataStore

        return SqliteMetadataStore(settings.data_dir / "tenants")
    raise BadInput(f"unsupported metadata engine {settings.metadata.url!r} (supported: sqlite)")


def asset_store(settings: Settings) -> AssetStore:
    if settings.assets.url == "file":
        from craftology.adapters.assets.local import LocalAssetStore

        return LocalAssetStore(settings.data_dir / "tenants")
    raise BadInput(f"unsupported asset engine {settings.assets.url!r} (supported: file)")


def event_bus(settings: Settings) -> EventBus:
    if settings.events.url == "local":
        from craftology.adapters.events.local import LocalEventLog

        return LocalEventLog(settings.data_dir / "events.db")
    raise BadInput(f"unsupported event bus {settings.events.url!r} (supported: local)")


def _generators() -> dict[str, Generator]:
    from craftology.generation.preview import preview_generators

    return {generator.model_id: generator for generator in preview_generators().values()}


@dataclass
class Container:
    settings: Settings
    control: Engine
    metadata: MetadataStore
    assets: AssetStore
    events: EventBus
    tenancy: TenancyService
    registry: ModelRegistry
    models: ProjectModels
    projects_index: ProjectsIndex
    runs: RunsRepository
    projects: ProjectService
    engines: EngineCache
    executor: TargetExecutor
    curation: Curation
    sync: SyncService
    relay: OutboxRelay  # publishes outbox events left by processes that died after their commit
    outbox: Outbox  # commits a change with its events (craftology.events.outbox)
    lifecycle: RunLifecycle
    accounts: AccountsService  # users, members, roles, invitations, passwords (built-in identity)
    api_tokens: ApiTokenService  # members' API tokens; `authenticate_token` gives the Principal
    access: Access  # policies and their agent, grants, sessions, rate limits
    genai: GenAi  # chat clients with tenants' provider keys (sealed in the control plane)
    sync_agent: DataSyncAgent  # the data-sync agent's decisions, activity feed and approvals
    agent_positions: AgentPositions  # where its consumer stands in each tenant's change feed
    _client: Client | None = None

    @property
    def temporal_address(self) -> str:
        return self.settings.temporal.address or f"127.0.0.1:{self.settings.temporal.embedded_port}"

    async def temporal(self) -> Client:
        if self._client is None:
            self._client = await worker.connect(self.temporal_address, self.settings.temporal.namespace)
        return self._client

    @asynccontextmanager
    async def sync_worker(self, max_concurrent_activities: int | None = None) -> AsyncIterator[Worker]:
        """A worker serving sync runs on the configured task queue while the block is open."""
        from craftology.agents.proposal.llm_activity import ProposalActivities

        activities = SyncActivities(self.executor, self.lifecycle)
        proposals = ProposalActivities(self.genai.chat, self.metadata, self.access.policy)
        concurrency = max_concurrent_activities or max(4, self.settings.temporal.max_parallel)
        client = await self.temporal()
        agent = DataSyncActivities(self.sync_agent)
        async with worker.sync_worker(
            client, self.settings.temporal.task_queue, activities, concurrency,
            agent_workflows=[ProjectSyncAgentWorkflow, ProposeWorkflow],
            agent_activities=[agent.decide, *proposals.all()],
        ) as w:  # fmt: skip
            yield w

    def llm_proposals(self) -> TemporalProposer:
        """What the proposal service needs to run the LLM engine on this container's Temporal."""
        from craftology.agents.proposal.llm_launch import TemporalProposer

        return TemporalProposer(self.temporal, self.settings.temporal.task_queue, self.genai.keys.get)

    def close(self) -> None:
        # What this process published goes off the outboxes now, not republished at a next pass.
        for published in (self.relay, self.executor.outbox, self.curation):
            published.flush()
        self.access.close()
        self.events.close()
        for store in (self.metadata, self.assets):
            close = getattr(store, "close", None)
            if close is not None:
                close()
        self.control.dispose()


def index_project(index: ProjectsIndex, change: Change) -> None:
    """Keeps the control plane's index of every tenant's projects in step with the tenant stores."""
    if change.collection != "projects":
        return
    if change.after is None:
        index.remove(change.tenant, change.record_id)
    elif change.before is None:
        index.add(change.tenant, change.record_id, str(change.after.get("name", "")))


def build_container(settings: Settings, generators: dict[str, Generator] | None = None) -> Container:
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    control = connect(settings.database_url)
    metadata = metadata_store(settings)
    assets = asset_store(settings)
    events = event_bus(settings)
    registry = ModelRegistry(control)
    registry.seed_preview_models()
    models = ProjectModels(registry)
    access = build_access(settings, control, events)
    projects = ProjectService(metadata, access.policy)
    engines = EngineCache(projects, metadata, models)
    projects_index = ProjectsIndex(control)
    projects.listeners.append(lambda change: index_project(projects_index, change))
    executor = TargetExecutor(
        projects,
        metadata,
        assets,
        events,
        generators or _generators(),
        models,
        simulated_latency=settings.generation.simulated_latency_seconds,
    )
    runs = RunsRepository(control)
    relay = OutboxRelay(metadata, events, ControlOutbox(control))
    sync = SyncService(
        engines, runs, relay, lambda: container.temporal(), settings.temporal.task_queue,
        settings.temporal.max_parallel, access.policy,
    )  # fmt: skip
    container = Container(
        settings=settings, control=control, metadata=metadata, assets=assets, events=events,
        tenancy=TenancyService(
            control, metadata, assets, end_sessions=lambda t: container.access.sessions.revoke_tenant(t)
        ), registry=registry, models=models,
        projects_index=projects_index, runs=runs, projects=projects, engines=engines,
        executor=executor, curation=Curation(metadata, assets, events, engines, access.policy), sync=sync,
        lifecycle=RunLifecycle(runs, relay, follow_ups=sync), relay=relay,
        outbox=Outbox(metadata, relay), accounts=AccountsService(
            control, end_sessions=lambda tenant, user: container.access.sessions.revoke_user(tenant, user)
        ),
        api_tokens=ApiTokenService(control), access=access,
        genai=build_genai(settings, control), sync_agent=DataSyncAgent(projects, sync, metadata),
        agent_positions=AgentPositions(control),
    )  # fmt: skip
    return container
