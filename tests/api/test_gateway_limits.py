"""Rate limits per principal and per tenant, shared by every API process (counted in the control
plane or in Redis), and the security headers and CORS every response gets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from craftology.identity.principal import Role
from tests.api.conftest import TestClient, assert_problem
from tests.api.gateway_world import GatewayWorld, gateway_settings, gateway_world, merge_areas

PER_PRINCIPAL = 3
PER_TENANT = 5
FRONT_END = "https://studio.example"


@pytest.fixture
def world(tmp_path: Path, session_backend: dict[str, dict[str, Any]]) -> Iterator[GatewayWorld]:
    limits = {
        "gateway": {
            "rate_limit_per_principal": PER_PRINCIPAL,
            "rate_limit_per_tenant": PER_TENANT,
            "allowed_origins": [FRONT_END],
        }
    }
    settings = gateway_settings(tmp_path / "data", **merge_areas(session_backend, limits))
    with gateway_world(settings) as made:
        yield made


def assert_limited(response: Any) -> None:
    assert_problem(response, 429)
    assert 0 < int(response.headers["retry-after"]) <= 60


def test_limits_per_principal_then_per_tenant_across_api_processes(world: GatewayWorld) -> None:
    editor, viewer = world.members[Role.EDITOR].auth, world.members[Role.VIEWER].auth
    other_container, other_app = world.second_app()
    try:
        with (
            TestClient(world.app, raise_server_exceptions=False) as first,
            TestClient(other_app, raise_server_exceptions=False) as second,
        ):
            # The editor's budget is one count, whichever process serves the request.
            assert first.get("/v1/projects", headers=editor).status_code == 200
            assert second.get("/v1/projects", headers=editor).status_code == 200
            assert first.get("/v1/projects", headers=editor).status_code == 200
            assert_limited(second.get("/v1/projects", headers=editor))
            assert_limited(first.get("/v1/session", headers=editor))  # every route counts
            # Another member of the tenant still passes, until the tenant's budget is spent.
            assert first.get("/v1/projects", headers=viewer).status_code == 200
            assert second.get("/v1/projects", headers=viewer).status_code == 200
            assert_limited(first.get("/v1/projects", headers=viewer))
            assert_limited(second.get("/v1/projects", headers=world.owner.auth))
            # A new minute, a new budget.
            world.clock.advance(60)
            assert second.get("/v1/projects", headers=editor).status_code == 200
    finally:
        other_container.close()


def test_another_tenant_has_its_own_budget(world: GatewayWorld) -> None:
    globex = world.container.tenancy.create_tenant("Globex", tenant_id="globex")
    with TestClient(world.app, raise_server_exceptions=False) as client:
        for _ in range(PER_PRINCIPAL):
            assert client.get("/v1/projects", headers=world.owner.auth).status_code == 200
        assert_limited(client.get("/v1/projects", headers=world.owner.auth))
        auth = {"Authorization": f"Bearer {globex.token}"}
        assert client.get("/v1/projects", headers=auth).status_code == 200


SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
}


def test_security_headers_on_success_refusal_and_not_found(world: GatewayWorld) -> None:
    with TestClient(world.app, base_url="https://testserver", raise_server_exceptions=False) as client:
        responses = {
            200: client.get("/v1/projects", headers=world.owner.auth),
            401: client.get("/v1/projects"),
            404: client.get("/nowhere"),
        }
        for status, response in responses.items():
            assert response.status_code == status
            for name, value in SECURITY_HEADERS.items():
                assert response.headers.get(name) == value, (status, name)
            assert "max-age=" in response.headers["strict-transport-security"]


def test_cors_preflight_only_for_configured_origins(world: GatewayWorld) -> None:
    def preflight(client: TestClient, origin: str) -> Any:
        return client.options(
            "/v1/projects",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type, x-csrf-token",
            },
        )

    with TestClient(world.app, raise_server_exceptions=False) as client:
        allowed = preflight(client, FRONT_END)
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == FRONT_END
        assert allowed.headers["access-control-allow-credentials"] == "true"
        assert "x-csrf-token" in allowed.headers["access-control-allow-headers"].lower()
        other = preflight(client, "https://evil.example")
        assert other.status_code == 400
        assert "access-control-allow-origin" not in other.headers
        simple = client.get("/v1/projects", headers={**world.owner.auth, "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in simple.headers


def test_a_budget_set_to_zero_is_no_limit_and_the_other_still_counts(
    tmp_path: Path, session_backend: dict[str, dict[str, Any]]
) -> None:
    limits = {"gateway": {"rate_limit_per_principal": 0, "rate_limit_per_tenant": 2}}
    settings = gateway_settings(tmp_path / "data", **merge_areas(session_backend, limits))
    with gateway_world(settings) as world, TestClient(world.app, raise_server_exceptions=False) as client:
        for _ in range(2):
            assert client.get("/v1/projects", headers=world.owner.auth).status_code == 200
        assert_limited(client.get("/v1/projects", headers=world.members[Role.VIEWER].auth))
