"""The first thing every request meets, before any byte of its body is read: find the route it goes
to, check its bearer token when that route needs one, and hold its body to that route's limit.

FastAPI reads and decodes a JSON body before it runs a route's dependencies, so authenticating in a
dependency alone would let anyone without a token make the server buffer a body. Here a request
without a valid token gets its 401 with the body unread; the tenant found is handed to
`current_tenant` through the request state, so the token is checked once.
"""

from __future__ import annotations

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext
from fastapi.security.utils import get_authorization_scheme_param
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.routing import Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from craftology.api.body_limit import (
    BodyTooLarge,
    counting,
    declared_over,
    expects_body,
    reject_too_large,
    takes_large_body,
)
from craftology.api.deps import GATE_TENANT, ApiDeps, current_tenant
from craftology.api.problems import render_error
from craftology.api.routing import route_of
from craftology.errors import CraftologyError, Unauthenticated


def _depends_on_tenant(dependant: Dependant) -> bool:
    return any(d.call is current_tenant or _depends_on_tenant(d) for d in dependant.dependencies)


def needs_token(route: RouteContext | None) -> bool:
    if route is None or not isinstance(route.original_route, APIRoute):
        return False
    dependant = route.dependant
    return isinstance(dependant, Dependant) and _depends_on_tenant(dependant)


class RequestGate:
    """ASGI middleware: authentication and the per-route body limit, ahead of the app."""

    def __init__(self, app: ASGIApp, router: Router, deps: ApiDeps) -> None:
        self.app = app
        self.router = router
        self.deps = deps

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        route = route_of(self.router, scope)
        if needs_token(route):
            try:
                tenant = await self._authenticate(headers)
            except CraftologyError as exc:
                response = render_error(Request(scope), exc)
                if expects_body(headers):
                    response.headers["Connection"] = "close"  # its body stays unread
                await response(scope, receive, send)
                return
            scope.setdefault("state", {})[GATE_TENANT] = tenant

        limit = self.deps.max_upload_bytes if takes_large_body(route) else self.deps.max_body_bytes
        if declared_over(headers, limit):
            await reject_too_large(scope, send, limit)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting(receive, limit), tracking_send)
        except BodyTooLarge:
            # Normally the app's handlers render it; this covers a body read outside them.
            if started:
                raise
            await reject_too_large(scope, send, limit)

    async def _authenticate(self, headers: Headers) -> str:
        scheme, token = get_authorization_scheme_param(headers.get("authorization"))
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("send `Authorization: Bearer <token>`")
        # A store lookup: off the event loop.
        return await run_in_threadpool(self.deps.authenticate, token)
