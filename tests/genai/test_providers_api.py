"""/v1/providers on the API as `craftology up` builds it: owners and admins store a key, nobody reads it
back, and the Gen AI client of the tenant calls its provider with it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from craftology.errors import ProviderNotConfigured
from craftology.identity.principal import Role
from craftology.ports.chat import ChatMessage, ChatRequest
from tests.api.conftest import TestClient, assert_problem
from tests.api.gateway_world import GatewayWorld, gateway_settings, gateway_world
from tests.genai.conftest import run
from tests.openai_server import Reply, ScriptedChat

KEY = "sk-acme-live-key-abcdefghijklmnop-7788"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[GatewayWorld]:
    with gateway_world(gateway_settings(tmp_path / "data")) as made:
        yield made


@pytest.fixture
def client(world: GatewayWorld) -> Iterator[TestClient]:
    with TestClient(world.app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_an_admin_stores_a_key_that_is_never_shown_again(
    world: GatewayWorld, client: TestClient, chat: ScriptedChat
) -> None:
    admin = world.members[Role.ADMIN]
    body = {"api_key": KEY, "model": "llama-3-8b", "base_url": chat.base_url}
    stored = client.put("/v1/providers/local-llm", json=body, headers=admin.auth)
    assert stored.status_code == 200, stored.text
    assert stored.headers["ETag"] == '"1"'
    assert stored.json() == {
        "provider": "local-llm", "base_url": chat.base_url, "model": "llama-3-8b",
        "key_hint": "sk-...7788", "revision": 1, "updated_by": admin.user_id,
        "updated_at": stored.json()["updated_at"],
    }  # fmt: skip
    listed = client.get("/v1/providers", headers=world.owner.auth)
    assert listed.status_code == 200
    assert [item["key_hint"] for item in listed.json()["items"]] == ["sk-...7788"]
    assert KEY not in stored.text + listed.text
    # The tenant's Gen AI client calls the provider with the key, from the stores (any process).
    chat.push(Reply(content="hello from the tenant's model"))
    client_of_tenant = world.container.genai.chat(world.tenant_id, "local-llm")
    answer = run(client_of_tenant.complete(ChatRequest((ChatMessage.user("hi"),))))
    assert answer.content == "hello from the tenant's model"
    (sent,) = chat.requests
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.body["model"] == "llama-3-8b"


def test_removing_a_key_names_the_revision_read(world: GatewayWorld, client: TestClient) -> None:
    owner = world.owner.auth
    body = {"api_key": KEY, "model": "gpt-4o"}
    assert client.put("/v1/providers/openai", json=body, headers=owner).headers["ETag"] == '"1"'
    assert client.put("/v1/providers/openai", json=body, headers=owner).headers["ETag"] == '"2"'
    assert_problem(client.delete("/v1/providers/openai", headers=owner), 428)
    assert_problem(client.delete("/v1/providers/openai", headers={**owner, "If-Match": '"1"'}), 412)
    assert client.get("/v1/providers", headers=owner).json()["items"][0]["revision"] == 2
    assert client.delete("/v1/providers/openai", headers={**owner, "If-Match": '"2"'}).status_code == 204
    assert client.get("/v1/providers", headers=owner).json() == {"items": []}
    assert_problem(client.delete("/v1/providers/openai", headers={**owner, "If-Match": "*"}), 404)
    with pytest.raises(ProviderNotConfigured):
        world.container.genai.chat(world.tenant_id, "openai")


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER])
def test_editors_and_viewers_may_not_manage_keys(world: GatewayWorld, client: TestClient, role: Role) -> None:
    auth = world.members[role].auth
    assert_problem(client.get("/v1/providers", headers=auth), 403)
    assert_problem(client.put("/v1/providers/openai", json={"api_key": KEY, "model": "m"}, headers=auth), 403)
    assert_problem(client.delete("/v1/providers/openai", headers={**auth, "If-Match": "*"}), 403)
    assert world.container.genai.keys.list(world.tenant_id) == []


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        (
            "/v1/providers/mistral",
            {"api_key": KEY, "model": "m"},
            "base_url is required for provider 'mistral'",
        ),
        ("/v1/providers/x", {"api_key": KEY, "model": "m", "base_url": "ftp://h/v1"}, "not an http(s) URL"),
        ("/v1/providers/x", {"api_key": "sk with spaces", "model": "m", "base_url": "http://h"}, "printable"),
        ("/v1/providers/x", {"api_key": KEY, "model": "m", "base_url": "http://h", "extra": 1}, "extra"),
        ("/v1/providers/Bad%20Name", {"api_key": KEY, "model": "m"}, "provider"),
    ],
)
def test_bad_input_is_422_and_stores_nothing(
    world: GatewayWorld, client: TestClient, path: str, body: dict[str, object], message: str
) -> None:
    problem = assert_problem(client.put(path, json=body, headers=world.owner.auth), 422)
    assert message in str(problem["detail"])
    assert "sk with spaces" not in str(problem)
    assert world.container.genai.keys.list(world.tenant_id) == []
