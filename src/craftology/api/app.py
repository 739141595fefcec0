"""The REST API application: /v1 routes behind bearer auth, problem+json errors, per-route body limits."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel
from starlette.middleware.cors import CORSMiddleware

from craftology.api.deps import ApiDeps, current_tenant
from craftology.api.gate import RequestGate
from craftology.api.headers import SecurityHeaders, cors_options
from craftology.api.openapi import install_openapi
from craftology.api.problems import PROBLEM_RESPONSES, install_problem_handlers
from craftology.api.routes import cards, projects, shots

API_PREFIX = "/v1"


class Health(BaseModel):
    status: str


def create_app(deps: ApiDeps) -> FastAPI:
    """Build the API. Extra routers in `deps.routers` are mounted under /v1 like the core ones:
    authenticated (take the tenant with `Depends(current_tenant)`) and with problem+json errors."""
    app = FastAPI(
        title="Craftology",
        version="1",
        description="Projects, cards, shots and their generated assets. Errors are RFC 9457 "
        "`application/problem+json`; malformed JSON bodies are 400, schema violations 422.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.deps = deps
    install_problem_handlers(app)
    app.add_middleware(RequestGate, router=app.router, deps=deps)
    if deps.allowed_origins:
        app.add_middleware(CORSMiddleware, **cors_options(deps.allowed_origins))
    app.add_middleware(SecurityHeaders)  # outermost: every response, refusals included

    @app.get("/healthz", response_model=Health, tags=["health"])
    def healthz() -> Health:
        """Liveness probe; needs no token."""
        return Health(status="ok")

    v1 = APIRouter(prefix=API_PREFIX, dependencies=[Depends(current_tenant)], responses=PROBLEM_RESPONSES)
    for router in (projects.router, cards.router, shots.router, *deps.routers):
        v1.include_router(router)
    app.include_router(v1)
    install_openapi(app)
    return app
