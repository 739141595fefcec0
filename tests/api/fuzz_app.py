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

from craftology.cli.serve import build_api
from craftology.config import Settings
from craftology.container import Container, build_container
from craftology.projects.models import CardIn, ProjectIn, ShotIn
from craftology.runs.curation import Curation

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


@contextmanager
def fuzz_world(data_dir: Path) -> Iterator[FuzzWorld]:
    """A container on `data_dir` with one tenant owning a project, a card, a shot and an uploaded
    asset (the card's sheet), and the API built on it exactly as `craftology up` builds it."""
    settings = Settings(data_dir=data_dir)
    settings = settings.model_copy(
        update={"api": settings.api.model_copy(update={"max_body_bytes": MAX_BODY})}
    )
    container = build_container(settings)
    try:
        tenant = container.tenancy.create_tenant("Fuzz")
        other = container.tenancy.create_tenant("Other")
        tenant_id = tenant.tenant.id
        projects = container.projects
        project = projects.create_project(tenant_id, ProjectIn(name="Trail Shoes", brief="dusk run"))
        project_id = project.value.id
        card = projects.create_card(
            tenant_id, project_id, CardIn(kind="character", name="Mia", attributes={"hair": "brown"})
        )
        shot = projects.create_shot(
            tenant_id, project_id, ShotIn(description="Mia runs up the ridge", cards=[card.value.id])
        )
        curation = Curation(container.metadata, container.assets, container.events, container.engines)
        asset = curation.upload(
            tenant_id, project_id, f"card/{card.value.id}/sheet", iter([_png()]), "image/png"
        )
        yield FuzzWorld(
            app=build_api(container),
            token=tenant.token,
            project_id=project_id,
            card_id=card.value.id,
            shot_id=shot.value.id,
            asset_id=asset.id,
            other_token=other.token,
            tenant_id=tenant_id,
            container=container,
        )
    finally:
        container.close()


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
