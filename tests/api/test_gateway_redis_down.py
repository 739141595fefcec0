"""The gateway while its Redis is down, and after it returns, without restarting the app.

The documented policy (sessions.backend = redis):
- Signing in, signing out and every cookie-authenticated request answer 503 problem+json: the
  session cannot be read, and a session is never trusted from a process's memory.
- Bearer-token requests are authenticated from the control plane, but the rate-limit counters live in
  Redis and the limiter fails closed: with rate limits on, they answer 503 too (an outage of the
  counters must not lift the limits). With rate limits off they keep working.
- When Redis is back, the same app serves everything again. This test server keeps no data, so
  the sessions of before the outage are gone (401) and their users sign in again.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from craftology.cli.serve import build_api
from craftology.identity.principal import Role
from tests.api.conftest import TestClient, assert_problem
from tests.api.gateway_world import PASSWORD, GatewayWorld, gateway_settings, gateway_world, open_container
from tests.redis_server import RedisServer

HTTPS = "https://testserver"


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A Redis this test alone stops and starts (the session-wide one serves other tests)."""
    server = RedisServer()
    server.start()
    yield server
    server.remove()


@pytest.fixture
def world(tmp_path: Path, own_redis: RedisServer) -> Iterator[GatewayWorld]:
    settings = gateway_settings(
        tmp_path / "data",
        sessions={"backend": "redis"},
        redis={"url": SecretStr(own_redis.url), "key_prefix": "down:"},
    )
    with gateway_world(settings) as made:
        yield made


def test_redis_down_is_a_503_and_its_return_needs_no_restart(
    world: GatewayWorld, own_redis: RedisServer
) -> None:
    viewer = world.members[Role.VIEWER]
    credentials = {"email": viewer.email, "password": PASSWORD}
    unlimited_settings = world.settings.model_copy(
        update={
            "gateway": world.settings.gateway.model_copy(
                update={"rate_limit_per_principal": 0, "rate_limit_per_tenant": 0}
            )
        }
    )
    unlimited_container = open_container(unlimited_settings, world.clock)
    try:
        with (
            TestClient(world.app, base_url=HTTPS, raise_server_exceptions=False) as client,
            TestClient(build_api(unlimited_container), raise_server_exceptions=False) as unlimited,
        ):
            signed_in = client.post("/auth/login", json=credentials)
            assert signed_in.status_code == 200, signed_in.text
            client.cookies.clear()
            cookie = {"Cookie": signed_in.headers["set-cookie"].split(";", 1)[0]}
            assert client.get("/v1/session", headers=cookie).status_code == 200

            own_redis.stop()
            assert_problem(client.post("/auth/login", json=credentials), 503)
            assert_problem(client.get("/v1/session", headers=cookie), 503)
            assert_problem(client.post("/auth/logout", headers=cookie), 503)
            assert_problem(client.get("/v1/projects", headers=viewer.auth), 503)  # fails closed
            assert unlimited.get("/v1/projects", headers=viewer.auth).status_code == 200
            assert client.get("/healthz").status_code == 200

            own_redis.start()
            assert client.get("/v1/projects", headers=viewer.auth).status_code == 200
            assert_problem(client.get("/v1/session", headers=cookie), 401)  # the data went with it
            again = client.post("/auth/login", json=credentials)
            assert again.status_code == 200, again.text
            client.cookies.clear()
            fresh = {"Cookie": again.headers["set-cookie"].split(";", 1)[0]}
            assert client.get("/v1/session", headers=fresh).status_code == 200
    finally:
        unlimited_container.close()
