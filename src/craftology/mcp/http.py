"""MCP over streamable HTTP at `/mcp`, inside the API app.

Each request is authenticated like a REST request, with the gateway's own `authenticate` (bearer API
tokens; an unknown, expired or revoked token is 401) and rate limits, before the SDK reads its body;
every tool call then acts as that request's principal. The SDK serves it stateless: a request carries
all it needs and no MCP session lives in one process's memory, so any API process answers any request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.security.utils import get_authorization_scheme_param
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from craftology.api.body_limit import expects_body
from craftology.api.deps import GATE_PRINCIPAL, ApiDeps, Authenticate
from craftology.api.limits import RateLimits
from craftology.api.problems import render_error
from craftology.errors import CraftologyError, TransientError, Unauthenticated
from craftology.identity.principal import Principal
from craftology.mcp.server import build_mcp_server
from craftology.mcp.services import McpServices, McpState

MCP_PATH = "/mcp"
# Only credentials in a header reach tools (no cookies), so a page a browser was tricked into
# loading holds nothing to act with: the SDK's Host/Origin checks against DNS rebinding would only
# refuse legitimate hosts the API is served under.
_TRANSPORT = TransportSecuritySettings(enable_dns_rebinding_protection=False)


class McpEndpoint:
    """The ASGI app at /mcp: the gate's checks, then the SDK's session manager."""

    def __init__(self, authenticate: Authenticate, limits: RateLimits | None) -> None:
        self.authenticate = authenticate
        self.limits = limits
        self.manager: StreamableHTTPSessionManager | None = None  # while the app's lifespan runs

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        try:
            if self.manager is None:
                raise TransientError("the MCP server is not running (the app was started without lifespan)")
            principal = await run_in_threadpool(self._admit, headers)
        except CraftologyError as error:
            response = render_error(Request(scope), error)
            if expects_body(headers):
                response.headers["Connection"] = "close"  # its body stays unread
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})[GATE_PRINCIPAL] = principal
        await self.manager.handle_request(scope, receive, send)

    def _admit(self, headers: Headers) -> Principal:
        scheme, token = get_authorization_scheme_param(headers.get("authorization"))
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("send `Authorization: Bearer <token>` (an API token)")
        principal = self.authenticate(token)
        if self.limits is not None:
            self.limits.check(principal)
        return principal


def mount_mcp(app: FastAPI, services: McpServices) -> None:
    """Serve MCP at /mcp in `app` (made by create_app): authenticated as its gateway does, running while
    the app's lifespan runs (a new session manager each time, as the SDK's can run only once)."""
    deps: ApiDeps = app.state.deps
    server = build_mcp_server(lambda: McpState(services))
    endpoint = McpEndpoint(deps.authenticate, deps.limits)
    app.router.routes.append(Route(MCP_PATH, endpoint=endpoint, methods=["GET", "POST", "DELETE"]))
    outer = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(running: Any) -> AsyncIterator[Any]:
        server.streamable_http_app(
            stateless_http=True,
            json_response=True,
            transport_security=_TRANSPORT,
            max_request_body_size=deps.max_body_bytes,
        )
        manager = server.session_manager
        async with manager.run():
            endpoint.manager = manager
            try:
                async with outer(running) as state:
                    yield state
            finally:
                endpoint.manager = None

    app.router.lifespan_context = lifespan
