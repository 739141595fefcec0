"""The gateway: the first thing every request meets, before any byte of its body is read. It finds
the route, establishes who is asking (API token or session cookie, with the CSRF check for cookie
writes), applies the rate limits, asks the PBAC agent whether the route's action on its resource is
allowed, and holds the body to the route's limit.

FastAPI reads and decodes a JSON body before it runs a route's dependencies, so authenticating in a
dependency alone would let anyone without a token make the server buffer a body. Here a request
without valid credentials gets its 401 with the body unread; the principal found is handed to
`current_principal` through the request state, so credentials are checked once.
"""

from __future__ import annotations

import hmac

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext
from fastapi.security.utils import get_authorization_scheme_param
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.routing import Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from craftology.api.actions import SELF_SERVICE, route_action
from craftology.api.body_limit import (
    BodyTooLarge,
    counting,
    declared_over,
    expects_body,
    reject_too_large,
    takes_large_body,
)
from craftology.api.deps import GATE_PRINCIPAL, ApiDeps, current_principal
from craftology.api.problems import render_error
from craftology.api.routing import route_of
from craftology.errors import CraftologyError, Forbidden, Unauthenticated
from craftology.identity.cookies import CSRF_HEADER, check_csrf, own_origin
from craftology.identity.principal import Principal, system_principal

ADMIN_HEADER = "x-admin-token"


def _depends_on_principal(dependant: Dependant) -> bool:
    return any(d.call is current_principal or _depends_on_principal(d) for d in dependant.dependencies)


def needs_credentials(route: RouteContext | None) -> bool:
    if route is None or not isinstance(route.original_route, APIRoute):
        return False
    dependant = route.dependant
    return isinstance(dependant, Dependant) and _depends_on_principal(dependant)


class RequestGate:
    """ASGI middleware: authentication, rate limits, policy and the per-route body limit."""

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
        if needs_credentials(route):
            assert route is not None
            try:
                principal = await run_in_threadpool(self._admit, scope, headers, route)
            except CraftologyError as exc:
                response = render_error(Request(scope), exc)
                if expects_body(headers):
                    response.headers["Connection"] = "close"  # its body stays unread
                await response(scope, receive, send)
                return
            scope.setdefault("state", {})[GATE_PRINCIPAL] = principal

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

    def _admit(self, scope: Scope, headers: Headers, route: RouteContext) -> Principal:
        """Who asks, within its rate limits, allowed by the policy to do what the route does. Store
        lookups: called off the event loop."""
        principal = self._authenticate(scope, headers)
        if self.deps.limits is not None:
            self.deps.limits.check(principal)
        if self.deps.policy is not None:
            self._authorize(principal, scope, route)
        return principal

    def _authenticate(self, scope: Scope, headers: Headers) -> Principal:
        scheme, token = get_authorization_scheme_param(headers.get("authorization"))
        if scheme.lower() == "bearer" and token:
            principal = self.deps.authenticate(token)
        else:
            principal = self._from_session(scope, headers)
        return self._as_operator(principal, headers)

    def _from_session(self, scope: Scope, headers: Headers) -> Principal:
        sessions = self.deps.sessions
        session_id = self.deps.cookies.read(headers.get("cookie")) if sessions is not None else None
        if sessions is None or session_id is None:
            raise Unauthenticated("send `Authorization: Bearer <token>` or sign in")
        session = sessions.get(session_id)
        if session is None:
            raise Unauthenticated("the session has ended (signed out, expired or revoked); sign in again")
        origin = own_origin(scope.get("scheme", "http"), headers.get("host", ""))
        check_csrf(
            method=scope["method"],
            expected_token=session.csrf_token,
            header_token=headers.get(CSRF_HEADER),
            origin=headers.get("origin"),
            allowed_origins=(origin, *self.deps.allowed_origins),
            sec_fetch_site=headers.get("sec-fetch-site"),
        )
        return session.principal()

    def _as_operator(self, principal: Principal, headers: Headers) -> Principal:
        """A request that also carries the operator's token acts as the platform (it may manage the
        shared model registry); a wrong operator token is refused outright."""
        offered = headers.get(ADMIN_HEADER)
        if offered is None or self.deps.admin_token is None:
            return principal
        if not hmac.compare_digest(offered.encode(), self.deps.admin_token.encode()):
            raise Forbidden("the X-Admin-Token is not the operator's token")
        return system_principal(principal.tenant)

    def _authorize(self, principal: Principal, scope: Scope, route: RouteContext) -> None:
        assert self.deps.policy is not None
        path = route.path_format or ""  # as mounted, with its prefixes: the OpenAPI document's path
        method = scope["method"]
        if (method, path) in SELF_SERVICE:
            return  # a principal acting on itself; the service checks it is itself
        entry = route_action(method, path)
        if entry is None:
            raise Forbidden(f"{method} {path} declares no policy action; refused")
        _, child = route.matches(scope)
        params = {k: str(v) for k, v in child.get("path_params", {}).items()}
        self.deps.policy.authorize(principal, entry.action, entry.resource_for(principal, params))
