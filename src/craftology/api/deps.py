"""What the API is built from, and the request dependencies routers use (principal, tenant, services)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from craftology.api.limits import RateLimits
from craftology.errors import Unauthenticated
from craftology.identity.cookies import CookiePolicy
from craftology.identity.principal import Principal
from craftology.ports.policy import PolicyPort
from craftology.ports.sessions import SessionStore
from craftology.projects.service import ProjectService

GATE_PRINCIPAL = "craftology.principal"
"""Request-state key under which the request gate leaves the principal it authenticated."""

Authenticate = Callable[[str], Principal]
"""Resolves an API token to its principal; raises craftology.errors.Unauthenticated."""

_bearer = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer <token>`")
_session_cookie = APIKeyCookie(
    name="__Host-craftology_session",
    auto_error=False,
    description="The session cookie set by `POST /auth/login` (writes also need `X-CSRF-Token`)",
)


@dataclass
class ApiDeps:
    """Everything create_app needs. `routers` are mounted under /v1 behind authentication.

    `policy`: the PBAC agent asked about every authenticated request (None only in tests of the
    plumbing). `sessions`: cookie sign-in (None: API tokens only). `limits`: rate limits (None: off).
    `admin_token`: the operator's token; a request carrying it in `X-Admin-Token` acts as the platform
    operator (it manages the shared model registry)."""

    projects: ProjectService
    authenticate: Authenticate
    max_body_bytes: int = 1_048_576
    routers: list[APIRouter] = field(default_factory=list)
    max_upload_bytes: int = 512 * 1_048_576  # bodies of routes declaring `upload_body` (asset uploads)
    policy: PolicyPort | None = None
    sessions: SessionStore | None = None
    cookies: CookiePolicy = field(default_factory=CookiePolicy)
    allowed_origins: tuple[str, ...] = ()  # front-end origins allowed besides the API's own (CORS, CSRF)
    limits: RateLimits | None = None
    admin_token: str | None = None


def api_deps(request: Request) -> ApiDeps:
    """The ApiDeps the app was created with."""
    deps: ApiDeps = request.app.state.deps
    return deps


def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    _cookie: Annotated[str | None, Depends(_session_cookie)],
) -> Principal:
    """Who is asking: the request gate authenticated it (bearer token or session cookie) before any
    body byte was read. Unauthenticated (401) otherwise."""
    vouched = request.scope.get("state", {}).get(GATE_PRINCIPAL)
    if isinstance(vouched, Principal):
        return vouched
    if credentials is None or not credentials.credentials:
        raise Unauthenticated("send `Authorization: Bearer <token>` or sign in")
    return api_deps(request).authenticate(credentials.credentials)


def current_tenant(principal: Annotated[Principal, Depends(current_principal)]) -> str:
    """The caller's tenant."""
    return principal.tenant


def project_service(request: Request) -> ProjectService:
    """The projects service."""
    return api_deps(request).projects


Caller = Annotated[Principal, Depends(current_principal)]
Tenant = Annotated[str, Depends(current_tenant)]
Projects = Annotated[ProjectService, Depends(project_service)]
