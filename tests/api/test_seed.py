"""A target's own seed over the API: the accepted asset turns STALE with a SEED cause, and back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.fuzz_app import FuzzWorld, fuzz_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[FuzzWorld]:
    with fuzz_world(tmp_path / "data") as made:
        yield made


def test_a_seed_stales_the_accepted_asset_until_it_goes_back_to_the_default(world: FuzzWorld) -> None:
    base = f"/v1/projects/{world.project_id}/targets/{world.sheet_target}"
    with TestClient(world.app) as client:
        assert client.get(f"{base}/status", headers=world.auth).json()["status"] == "FRESH"
        answer = client.put(f"{base}/seed", json={"seed": 42}, headers=world.auth)
        assert answer.status_code == 200, answer.text
        assert answer.json()["seed"] == 42
        status = client.get(f"{base}/status", headers=world.auth).json()
        assert status["status"] == "STALE"
        assert any(
            cause["text"].startswith("SEED ") and cause["text"].endswith("→42") for cause in status["causes"]
        )
        plan = client.get(f"/v1/projects/{world.project_id}/plan", headers=world.auth).json()
        assert world.sheet_target in [item["target"] for item in plan["items"]]
        assert client.put(f"{base}/seed", json={"seed": None}, headers=world.auth).json()["seed"] is None
        assert client.get(f"{base}/status", headers=world.auth).json()["status"] == "FRESH"
        refused = client.put(f"{base}/seed", json={"seed": -1}, headers=world.auth)
        assert refused.status_code == 422
        assert refused.headers["content-type"] == "application/problem+json"
