"""`craftology up`: the API, the worker and the embedded engines in one process."""

from __future__ import annotations

import asyncio
import secrets
import signal
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI
from rich.console import Console

from craftology.agents.chat.wiring import chat_agent
from craftology.agents.proposal.service import ProposalService
from craftology.api import ApiDeps, create_app
from craftology.api.limits import RateLimits
from craftology.api.routes.activity import build_activity_router
from craftology.api.routes.auth import build_auth_router, build_session_router
from craftology.api.routes.generations import build_generations_router
from craftology.api.routes.members import build_invitations_router, build_members_router
from craftology.api.routes.messages import build_messages_router
from craftology.api.routes.models import build_models_router
from craftology.api.routes.policies import build_policies_router
from craftology.api.routes.proposals import build_proposals_router
from craftology.api.routes.providers import build_providers_router
from craftology.api.routes.sync import build_sync_router
from craftology.config import Settings
from craftology.container import Container
from craftology.identity.cookies import CookiePolicy
from craftology.mcp.http import mount_mcp
from craftology.mcp.services import McpServices
from craftology.runtime import api_only, running

DEMO_TENANT = "demo"


class _Server(uvicorn.Server):
    """Leaves signals to `serve` below: uvicorn's own handlers re-raise the signal after shutdown,
    which would end the process before the worker and the embedded Temporal server are stopped."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def build_api(container: Container) -> FastAPI:
    settings = container.settings
    admin_token = settings.api.admin_token
    gateway = settings.gateway
    limiter = container.access.rate_limiter
    limits = RateLimits(limiter, gateway.rate_limit_per_principal, gateway.rate_limit_per_tenant)
    proposals = ProposalService.embedded(
        container.metadata, container.projects, container.access.policy, container.llm_proposals()
    )
    mcp_services = McpServices.of(container)
    chat = chat_agent(container, mcp_services, proposals)
    deps = ApiDeps(
        projects=container.projects,
        authenticate=container.api_tokens.authenticate_token,
        max_body_bytes=settings.api.max_body_bytes,
        max_upload_bytes=settings.api.max_upload_bytes,
        routers=[
            build_sync_router(container.sync, container.curation, container.assets),
            build_proposals_router(proposals),
            build_generations_router(mcp_services.oneoff),
            build_activity_router(container.sync_agent),
            build_messages_router(chat),
            build_models_router(container.registry, admin_token),
            build_members_router(container.accounts, container.api_tokens),
            build_policies_router(container.access.policies),
            build_providers_router(container.genai.keys),
            build_session_router(),
        ],
        policy=container.access.policy,
        sessions=container.access.sessions,
        cookies=CookiePolicy(secure=settings.sessions.cookie_secure),
        allowed_origins=tuple(gateway.allowed_origins),
        limits=limits if gateway.rate_limit_per_principal or gateway.rate_limit_per_tenant else None,
        admin_token=(admin_token.get_secret_value() or None) if admin_token is not None else None,
    )
    app = create_app(deps)
    mount_mcp(app, mcp_services)  # MCP at /mcp, authenticated like /v1
    # Outside /v1: an invitee has no credentials yet, and signing in is how one gets them.
    app.include_router(build_invitations_router(container.accounts))
    app.include_router(build_auth_router(container.accounts, limiter, gateway.login_attempts_per_minute))
    if container.access.oidc is not None and settings.oidc.issuer_url:
        # Imported only when configured, like the relying party it serves.
        from craftology.api.routes.oidc import build_oidc_router

        oidc = build_oidc_router(
            container.access.oidc, settings.oidc.issuer_url, settings.oidc.login_ttl_seconds
        )
        app.include_router(oidc)
    return app


def first_start(container: Container, console: Console) -> None:
    """With no tenant yet: create the demo tenant with its owner, give the owner a generated password and
    print how to sign in and the owner's first API token. Once: both secrets are stored hashed, and a
    later start (which finds a tenant) prints neither."""
    if container.tenancy.list_tenants():
        return
    created = container.tenancy.create_tenant("Demo", tenant_id=DEMO_TENANT)
    password = secrets.token_urlsafe(12)
    container.accounts.set_password(created.owner.id, password)
    base = f"http://{container.settings.api.host}:{container.settings.api.port}"
    console.print(
        f"[bold]Created tenant {created.tenant.id!r} and its owner.[/bold] Shown once, stored hashed:"
    )
    console.print(f"  sign in:   {created.owner.email}  password {password}", highlight=False)
    console.print(f"  API token: {created.token}", highlight=False)
    console.print(
        f"Try:  curl -H 'Authorization: Bearer {created.token}' {base}/v1/projects", highlight=False
    )
    console.print(
        f"Lost them? `craftology users set-password {created.owner.email}` and "
        f"`craftology users tokens create {created.tenant.id} {created.owner.email} --name cli`",
        highlight=False,
    )
    console.print(f"Docs: {base}/docs", highlight=False)


async def serve(settings: Settings, console: Console) -> None:
    """`craftology up`: every role for one machine."""
    async with running(settings, keep_temporal=False) as container:
        first_start(container, console)
        await _serve_api(container, console)


async def serve_api_only(settings: Settings, console: Console) -> None:
    """`craftology api`: only the API, one of any number of API processes over the same stores."""
    async with api_only(settings) as container:
        await _serve_api(container, console)


async def _serve_api(container: Container, console: Console) -> None:
    settings = container.settings
    app = build_api(container)
    config = uvicorn.Config(
        app, host=settings.api.host, port=settings.api.port, log_level="warning", lifespan="on"
    )
    console.print(
        f"Craftology API on http://{settings.api.host}:{settings.api.port} "
        f"(data in {settings.data_dir}, Temporal at {container.temporal_address})",
        highlight=False,
    )
    server = _Server(config)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: setattr(server, "should_exit", True))
    await server.serve()
