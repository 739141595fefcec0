"""The whole REST API (core + sync routers) on a real container, seeded for fuzzing.

The container is the production one from `build_container` (real SQLite stores, real asset files, real
event log) without a Temporal server: the fuzz tests leave out the routes that talk to Temporal.
"""

from __future__ import annotations

import io
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from PIL import Image

from craftology.agents.datasync.feed import ACTIVITY, new_entry, put_new
from craftology.agents.proposal.service import ProposalService
from craftology.cli.serve import build_api
from craftology.config import Settings
from craftology.container import Container, build_container
from craftology.controlplane.runs import NewRun
from craftology.projects.models import CardIn, ProjectIn, ShotIn
from tests.principals import as_owner

with warnings.catch_warnings():
    # Starlette asks for its httpx2 fork; schemathesis' ASGI transport uses its test client.
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    import starlette.testclient  # noqa: F401  (imported once here, so the warning is not raised later)

MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class FuzzWorld:
    """The app and the ids that exist in it, so fuzzed paths sometimes hit real records."""

    app: FastAPI
    token: str
    project_id: str
    card_id: str
    shot_id: str
    asset_id: str
    other_token: str  # a second tenant: its token must never reach the first tenant's records
    tenant_id: str
    container: Container
    ids: dict[str, str]  # the first tenant's records, by path parameter name
    other_ids: dict[str, str]  # the second tenant's own records
    other_tenant_id: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def sheet_target(self) -> str:
        return f"card/{self.card_id}/sheet"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


def _seed(container: Container, tenant_id: str, brief: str) -> dict[str, str]:
    """A project with a card, a shot, an uploaded sheet and a (planned) run; their ids by the name of
    the path parameter that takes them."""
    projects = container.projects
    project_id = projects.create_project(
        as_owner(tenant_id), ProjectIn(name="Trail Shoes", brief=brief)
    ).value.id
    card_id = projects.create_card(
        as_owner(tenant_id), project_id, CardIn(kind="character", name="Mia", attributes={"hair": "brown"})
    ).value.id
    shot_id = projects.create_shot(
        as_owner(tenant_id), project_id, ShotIn(description="Mia runs up the ridge", cards=[card_id])
    ).value.id
    target = f"card/{card_id}/sheet"
    curation = container.curation
    asset_id = curation.upload(as_owner(tenant_id), project_id, target, iter([_png()]), "image/png").id
    run_id = container.runs.create(NewRun(tenant_id, project_id, [])).id
    proposals = ProposalService.embedded(container.metadata, projects, container.access.policy)
    proposal_id = proposals.propose(as_owner(tenant_id), f"a {brief} with a dog", shot_count=3).id
    # An entry of the data-sync agent's feed that waits for nothing (approving it is a 409).
    entry = new_entry(
        project_id, actor="sync-agent", kind="up_to_date", status="done", message="seed", targets=0
    )
    container.metadata.commit(tenant_id, [put_new(entry)])
    (owner,) = container.accounts.members(tenant_id)
    (token,) = container.api_tokens.list(tenant_id)
    return {
        "project_id": project_id, "card_id": card_id, "shot_id": shot_id, "asset_id": asset_id,
        "target": target, "run_id": run_id, "user_id": owner.user.id, "token_id": token.id,
        "proposal_id": proposal_id,
        "entry_id": entry.id,
    }  # fmt: skip


@contextmanager
def fuzz_world(data_dir: Path) -> Iterator[FuzzWorld]:
    """A container on `data_dir` with two tenants, each owning a project, a card, a shot, an uploaded
    asset (the card's sheet) and a run, and the API built on it exactly as `craftology up` builds it."""
    settings = Settings(data_dir=data_dir)
    # The fuzzer sends thousands of requests a minute from one token and one address: rate limits and
    # sign-in throttling (tested in tests/api/test_gateway.py) would answer most of them 429 and hide
    # what the routes do.
    unlimited = {
        "rate_limit_per_principal": 0,
        "rate_limit_per_tenant": 0,
        "login_attempts_per_minute": 10**9,
    }
    settings = settings.model_copy(
        update={
            "api": settings.api.model_copy(update={"max_body_bytes": MAX_BODY}),
            "gateway": settings.gateway.model_copy(update=unlimited),
        }
    )
    container = build_container(settings)
    try:
        tenant = container.tenancy.create_tenant("Fuzz")
        other = container.tenancy.create_tenant("Other")
        ids = _seed(container, tenant.tenant.id, "dusk run")
        yield FuzzWorld(
            app=build_api(container),
            token=tenant.token,
            project_id=ids["project_id"],
            card_id=ids["card_id"],
            shot_id=ids["shot_id"],
            asset_id=ids["asset_id"],
            other_token=other.token,
            tenant_id=tenant.tenant.id,
            container=container,
            ids=ids,
            other_ids=_seed(container, other.tenant.id, "dawn run"),
            other_tenant_id=other.tenant.id,
        )
    finally:
        container.close()


def snapshot(world: FuzzWorld) -> dict[str, object]:
    """Everything of the first tenant a foreign request could change."""
    metadata, tenant = world.container.metadata, world.tenant_id
    state: dict[str, object] = {
        name: sorted((r.id, r.revision) for r in metadata.scan(tenant, name))
        for name in (
            "projects",
            "cards",
            "shots",
            "targets",
            "assets",
            "proposals",
            ACTIVITY,
            "chat_messages",
        )
    }
    state["blobs"] = sorted(world.container.assets.keys(tenant))
    state["run"] = world.container.runs.get(tenant, world.ids["run_id"])
    return state


def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI document, from an app built on a throwaway container: schemathesis needs the
    schema when the test module is collected, before any fixture exists."""
    with tempfile.TemporaryDirectory(prefix="craftology-openapi-") as scratch:
        container = build_container(Settings(data_dir=Path(scratch)))
        try:
            document: dict[str, Any] = build_api(container).openapi()
        finally:
            container.close()
    return document
