"""Start-up (build_container, as every `craftology` process runs it) and the registry an operator changed."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import update

from craftology.cli.serve import build_api
from craftology.config import ApiSettings, DatabaseSettings, Settings
from craftology.container import build_container
from craftology.controlplane.schema import models
from craftology.registry.models import CostUnit, ModelKind, ModelRecord
from tests.api.conftest import TestClient, assert_problem

OPERATOR = "start-up-operator-token"


def _settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database=DatabaseSettings(url=db_url),
        api=ApiSettings(admin_token=OPERATOR),  # type: ignore[arg-type]  # pydantic makes it a SecretStr
    )


def test_restart_keeps_what_an_operator_changed(tmp_path: Path, db_url: str) -> None:
    settings = _settings(tmp_path, db_url)
    first = build_container(settings)
    try:
        sdxl = ModelRecord("sdxl", "1.0", ModelKind.KEYFRAME, "diffusers", "2", {}, 4.0, CostUnit.IMAGE)
        first.registry.register(sdxl)
        first.registry.set_default(ModelKind.KEYFRAME, "sdxl")
        with first.control.begin() as conn:  # a price corrected by hand in the database
            conn.execute(update(models).where(models.c.id == "preview-clip").values(cost_per_unit=3.5))
    finally:
        first.close()

    again = build_container(settings)  # seeds the preview models again, as every start does
    try:
        assert again.registry.current(ModelKind.KEYFRAME) == sdxl
        assert again.registry.get("preview-clip", "1.0").cost_per_unit == 3.5
        assert [r.id for r in again.registry.list()].count("preview-keyframe") == 1
    finally:
        again.close()


def test_the_platform_api_serves_the_registry(tmp_path: Path, db_url: str) -> None:
    container = build_container(_settings(tmp_path, db_url))
    try:
        token = container.tenancy.create_tenant("Acme").token
        tenant = {"Authorization": f"Bearer {token}"}
        with TestClient(build_api(container), raise_server_exceptions=False) as client:
            listed = client.get("/v1/models", headers=tenant)
            assert listed.status_code == 200, listed.text
            assert listed.json()["current"]["cut"] == {"id": "preview-cut", "version": "1.0"}
            body = {"model_id": "preview-cut"}
            assert_problem(client.put("/v1/models/defaults/cut", json=body, headers=tenant), 403)
            operator = {**tenant, "X-Admin-Token": OPERATOR}
            assert client.put("/v1/models/defaults/cut", json=body, headers=operator).status_code == 200
    finally:
        container.close()
