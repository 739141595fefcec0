"""What the MCP tools act through: the services the REST routes use, and the policy they are asked
under. One instance per process, handed to the MCP server's lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from craftology.assets.curation import Curation
from craftology.container import Container
from craftology.generation.oneoff import OneOffGeneration
from craftology.identity.principal import Principal
from craftology.ports.policy import PolicyPort
from craftology.projects.service import ProjectService
from craftology.registry.service import ModelRegistry
from craftology.runs.service import SyncService


@dataclass(frozen=True)
class McpServices:
    projects: ProjectService
    sync: SyncService
    curation: Curation
    registry: ModelRegistry
    oneoff: OneOffGeneration
    policy: PolicyPort
    max_inline_bytes: int  # the most an upload through a tool may carry (the API's body limit)
    api_base_url: str  # where the REST API answers, for download links made outside an HTTP request

    @classmethod
    def of(cls, container: Container) -> McpServices:
        api = container.settings.api
        return cls(
            projects=container.projects,
            sync=container.sync,
            curation=container.curation,
            registry=container.registry,
            oneoff=OneOffGeneration.of(container),
            policy=container.access.policy,
            max_inline_bytes=api.max_body_bytes,
            api_base_url=f"http://{api.host}:{api.port}",
        )


@dataclass(frozen=True)
class McpState:
    """The MCP server's lifespan state. `principal`: who every call is made by when the transport
    carries no credentials of its own (stdio); None over HTTP, where each request brings its token."""

    services: McpServices
    principal: Principal | None = None
