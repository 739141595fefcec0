"""What the API is built from, and the request dependencies routers use (tenant, services)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from craftology.errors import Unauthenticated
from craftology.projects.service import ProjectService

GATE_TENANT = "craftology.tenant"
"""Request-state key under which the request gate leaves the tenant it authenticated."""

Authenticate = Callable[[str], str]
"""Resolves a bearer token to its tenant id; raises craftology.errors.Unauthenticated."""

_bearer = HTTPBearer(
    auto_error=False, description="An API token of the tenant: `Authorization: Bearer <token>`"
)


@dataclass
class ApiDeps:
    """Everything create_app needs. `routers` are mounted under /v1 behind bearer authentication."""

    projects: ProjectService
    authenticate: Authenticate
    max_body_bytes: int = 1_048_576
    routers: list[APIRouter] = field(default_factory=list)
    max_upload_bytes: int = 512 * 1_048_576  # bodies of routes declaring `upload_body` (asset uploads)


def api_deps(request: Request) -> ApiDeps:
    """The ApiDeps the app was created with."""
    deps: ApiDeps = request.app.state.deps
    return deps


def current_tenant(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> str:
    """The tenant of the request's bearer token; Unauthenticated (401) when missing or unknown."""
    vouched = request.scope.get("state", {}).get(GATE_TENANT)
    if isinstance(vouched, str):
        return vouched  # the request gate checked this request's token already
    if credentials is None or not credentials.credentials:
        raise Unauthenticated("send `Authorization: Bearer <token>`")
    return api_deps(request).authenticate(credentials.credentials)


def project_service(request: Request) -> ProjectService:
    """The projects service."""
    return api_deps(request).projects


Tenant = Annotated[str, Depends(current_tenant)]
Projects = Annotated[ProjectService, Depends(project_service)]
