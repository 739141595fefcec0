"""The API as `craftology up` builds it, for the gateway tests: a real container on a data directory,
a tenant with one member per role, each with an API token, and a project to act on.

The session store, the rate limiter and the API tokens are the ones `build_container` makes for the
settings, built again with a clock the test holds: session and token expiry and the per-minute rate
windows then depend on the test, never on when it happens to run (a test crossing a minute boundary
would see its count reset).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from craftology.access import session_policy
from craftology.adapters.ratelimit.controlplane import ControlPlaneRateLimiter
from craftology.adapters.sessions.controlplane import ControlPlaneSessionStore
from craftology.cli.serve import build_api
from craftology.config import Settings
from craftology.container import Container, build_container
from craftology.identity.accounts.api_tokens import ApiTokenService
from craftology.identity.principal import Role, Scope
from tests.api.fuzz_app import _seed as seed

PASSWORD = "correct horse battery"  # every test user's password
ROLES = (Role.ADMIN, Role.EDITOR, Role.VIEWER)


@dataclass
class HandClock:
    """A clock the test moves by hand."""

    now: datetime = field(default_factory=lambda: datetime(2026, 1, 5, 12, 0, 30, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def gateway_settings(data_dir: Path, **areas: dict[str, Any]) -> Settings:
    """Settings on `data_dir` with some fields of some areas (`gateway`, `sessions`, `api`, `redis`)
    changed, e.g. ``gateway={"rate_limit_per_principal": 3}``."""
    settings = Settings(data_dir=data_dir)
    update = {name: getattr(settings, name).model_copy(update=fields) for name, fields in areas.items()}
    return settings.model_copy(update=update)


def merge_areas(*parts: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Areas for gateway_settings from several sources, e.g. the backend fixture and a test's own."""
    merged: dict[str, dict[str, Any]] = {}
    for part in parts:
        for area, fields in part.items():
            merged[area] = {**merged.get(area, {}), **fields}
    return merged


def open_container(settings: Settings, clock: HandClock) -> Container:
    """build_container, with the session store and rate limiter of the settings' backend and the API
    tokens on `clock`."""
    container = build_container(settings)
    container.api_tokens = ApiTokenService(container.control, clock)
    access = container.access
    access.close()
    if settings.sessions.backend == "redis":
        from craftology.adapters.ratelimit.redis import RedisRateLimiter
        from craftology.adapters.sessions.redis import RedisSessionStore

        url, prefix = settings.redis.url.get_secret_value(), settings.redis.key_prefix
        access.sessions = RedisSessionStore(url, session_policy(settings), clock, key_prefix=prefix)
        access.rate_limiter = RedisRateLimiter(url, clock, key_prefix=prefix)
    else:
        access.sessions = ControlPlaneSessionStore(container.control, session_policy(settings), clock)
        access.rate_limiter = ControlPlaneRateLimiter(container.control, clock)
    return container


@dataclass
class Member:
    user_id: str
    email: str
    token: str  # an API token with every scope (the role still limits it)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class GatewayWorld:
    settings: Settings
    clock: HandClock
    container: Container
    app: FastAPI
    tenant_id: str
    owner: Member
    members: dict[Role, Member]
    ids: dict[str, str]  # the tenant's records by the path parameter naming them (see fuzz_app)

    def second_app(self) -> tuple[Container, FastAPI]:
        """Another API process over the same stores (its own container, engines and clients)."""
        container = open_container(self.settings, self.clock)
        return container, build_api(container)


def add_member(container: Container, tenant_id: str, role: Role, email: str) -> Member:
    user = container.accounts.create_user(email, password=PASSWORD)
    container.accounts.add_member(tenant_id, user.id, role)
    token = container.api_tokens.create(tenant_id, user.id, f"{role}-token", list(Scope)).secret
    return Member(user.id, user.email, token)


@contextmanager
def gateway_world(settings: Settings, clock: HandClock | None = None) -> Iterator[GatewayWorld]:
    clock = clock or HandClock()
    container = open_container(settings, clock)
    try:
        created = container.tenancy.create_tenant("Acme", tenant_id="acme")
        container.accounts.set_password(created.owner.id, PASSWORD)
        owner = Member(created.owner.id, created.owner.email, created.token)
        ids = seed(container, "acme", "dusk run")  # while the owner is the only member
        model = container.registry.list()[0]
        ids |= {"model_id": model.id, "version": model.version, "kind": str(model.kind)}
        members = {role: add_member(container, "acme", role, f"{role}@acme.example") for role in ROLES}
        yield GatewayWorld(settings, clock, container, build_api(container), "acme", owner, members, ids)
    finally:
        container.close()
