"""The isolation suite: every operation of the OpenAPI document, called by the owner of another
tenant with the real ids of the first tenant, reaches nothing of it.

The list of operations comes from the document, so a route added without a case here fails: a route
with path parameters must answer 404 (unless its path names a setting of the caller's own, such as a
model provider), one without (lists, creations, the caller's own settings) acts only on the caller's
tenant and shows none of the first tenant's ids, the shared model registry is readable by everyone and
writable by no tenant, and the public routes are listed in PUBLIC. Each
sweep runs with an API token, with a session cookie (and its CSRF token), and with an API token whose
tenant installed a policy set permitting everything: tenant isolation is a global `forbid`, which no
tenant's own policies can lift. After each sweep nothing of the first tenant has changed.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pydantic import SecretStr

from craftology.api.routes.models import SHARED_TAGS
from craftology.api.routes.providers import OWN_SETTINGS_TAGS
from craftology.genai.keys.schemas import ProviderKeyIn
from craftology.identity.principal import Role
from craftology.ports.sessions import NewSession
from tests.api.conftest import TestClient, assert_problem
from tests.api.fuzz_app import FuzzWorld, fuzz_world, snapshot

PARAMETER = re.compile(r"\{(\w+)\}")
HTTPS = "https://testserver"
PASSWORD = "isolation-test-password"  # both owners'
PERMIT_ALL = '@id("tenant-permits-everything")\npermit (principal, action, resource);'
FIRST_TENANT_POLICY = '@id("first-tenant-own")\nforbid (principal, action, resource) when { false };'
FIRST_TENANT_MODEL = "first-tenant-model"  # the model of the first tenant's provider key


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 90)).save(out, format="PNG")
    return out.getvalue()


def request_body(method: str, path: str, ids: dict[str, str]) -> dict[str, Any]:
    """A valid body for the routes that take one, so the request gets past validation to the lookup
    that must fail; a route taking a body that is missing here fails the test (422 is not 404)."""
    bodies: dict[tuple[str, str], dict[str, Any]] = {
        ("POST", "/v1/projects"): {"json": {"name": "Mine"}},
        ("PATCH", "/v1/projects/{project_id}"): {"json": {"name": "pwned"}},
        ("POST", "/v1/projects/{project_id}/cards"): {"json": {"kind": "prop", "name": "x"}},
        ("PATCH", "/v1/projects/{project_id}/cards/{card_id}"): {"json": {"name": "pwned"}},
        ("POST", "/v1/projects/{project_id}/shots"): {"json": {"description": "x"}},
        ("POST", "/v1/projects/{project_id}/shots/reorder"): {"json": {"shot_ids": [ids["shot_id"]]}},
        ("PATCH", "/v1/projects/{project_id}/shots/{shot_id}"): {"json": {"description": "pwned"}},
        ("POST", "/v1/projects/{project_id}/shots/{shot_id}/move"): {"json": {"after": ids["shot_id"]}},
        ("POST", "/v1/projects/{project_id}/targets/{target}/accept"): {
            "json": {"asset_id": ids["asset_id"]}
        },
        ("POST", "/v1/projects/{project_id}/targets/{target}/pin"): {"json": {"pinned": True}},
        ("PUT", "/v1/projects/{project_id}/targets/{target}/seed"): {"json": {"seed": 7}},
        ("POST", "/v1/projects/{project_id}/generations"): {"json": {"kind": "keyframe", "prompt": "a cat"}},
        ("PUT", "/v1/projects/{project_id}/targets/{target}/upload"): {
            "content": png(),
            "headers": {"Content-Type": "image/png"},
        },
        ("POST", "/v1/projects/{project_id}/messages"): {"json": {"text": "delete shot 1"}},
        ("POST", "/v1/proposals"): {"json": {"brief": "a cat on a boat", "shot_count": 2}},
        ("PATCH", "/v1/proposals/{proposal_id}"): {"json": {"project": {"name": "pwned"}}},
        ("PUT", "/v1/members/{user_id}/role"): {"json": {"role": "viewer"}},
        ("PUT", "/v1/members/{user_id}/password"): {
            "json": {"old_password": PASSWORD, "new_password": "pwned-pwned"}
        },
        ("POST", "/v1/invitations"): {"json": {"email": "mine@example.com", "role": "viewer"}},
        ("POST", "/v1/tokens"): {"json": {"name": "mine", "scopes": ["read"]}},
        # The caller's own set: keep it permitting everything, so later routes are asked under it.
        ("PUT", "/v1/policies"): {"json": {"text": PERMIT_ALL}},
        ("POST", "/v1/policies/test"): {
            "json": {"action": "read_project", "resource": {"type": "Project", "id": ids["project_id"]}}
        },
        # A version only the first tenant has.
        ("POST", "/v1/policies/rollback"): {"json": {"version": 3}},
        ("POST", "/v1/models"): {"json": {"id": "mine", "version": "1", "kind": "image",
                                          "backend": "preview", "template_version": "1"}},
        ("PUT", "/v1/models/defaults/{kind}"): {"json": {"model_id": ids["model_id"]}},
        ("PUT", "/v1/providers/{provider}"): {"json": {"api_key": "sk-the-callers-own-key", "model": "mine"}},
    }  # fmt: skip
    return bodies.get((method, path), {})


# Operations without path parameters whose answer is not a success of the caller's own.
NOT_FOUND_WITHOUT_PARAMETERS = {("POST", "/v1/policies/rollback")}


class Foreign:
    """The other tenant's owner, as one kind of client, plus what the first tenant must keep."""

    def __init__(self, world: FuzzWorld, client: TestClient, headers: dict[str, str]) -> None:
        self.world, self.client, self.headers = world, client, headers

    def call(self, method: str, path: str) -> tuple[Any, str]:
        """The response, and what the request itself said (an id echoed from it leaks nothing)."""
        url = PARAMETER.sub(lambda m: self.world.ids[m.group(1)], path)
        extra = request_body(method, path, self.world.ids)
        headers = {**self.headers, "If-Match": "*", **extra.pop("headers", {})}
        response = self.client.request(method, url, headers=headers, **extra)
        return response, f"{url} {extra.get('json', '')}"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[FuzzWorld]:
    with fuzz_world(tmp_path / "data") as made:
        container = made.container
        for ids in (made.ids, made.other_ids):
            container.accounts.set_password(ids["user_id"], PASSWORD)
        for _ in range(3):  # versions 1 to 3 of the first tenant's own set (the caller makes 2 at most)
            container.access.policies.set(made.tenant_id, FIRST_TENANT_POLICY, actor=made.ids["user_id"])
        invitation = container.accounts.invite(made.tenant_id, "invitee@example.com", Role.VIEWER)
        model = container.registry.list()[0]
        first_key = ProviderKeyIn(api_key=SecretStr("sk-first-tenant-0123456789"), model=FIRST_TENANT_MODEL)
        container.genai.keys.set(made.tenant_id, "openai", first_key, by=made.ids["user_id"])
        made.ids.update(
            invitation_id=invitation.invitation.id, model_id=model.id, version=model.version,
            kind=str(model.kind), provider="openai",
        )  # fmt: skip
        yield made


def first_tenant_state(world: FuzzWorld, session_id: str) -> dict[str, object]:
    """snapshot() plus the first tenant's people, tokens, invitations, policies and a live session."""
    container, tenant = world.container, world.tenant_id
    state = snapshot(world)
    state["members"] = sorted((m.user.id, m.role) for m in container.accounts.members(tenant))
    state["tokens"] = sorted((t.id, t.revoked_at) for t in container.api_tokens.list(tenant))
    state["invitations"] = sorted((i.id, i.accepted_at) for i in container.accounts.invitations(tenant))
    state["policies"] = container.access.policies.states(tenant)
    state["session"] = container.access.sessions.get(session_id) is not None
    state["models"] = sorted((m.id, m.version) for m in container.registry.list())
    state["providers"] = [
        (k.provider, k.model, k.key_hint, k.updated_at) for k in container.genai.keys.list(tenant)
    ]
    state["provider_key"] = container.genai.keys.endpoint(tenant, "openai").api_key.get_secret_value()
    return state


def owner_login(client: TestClient, world: FuzzWorld, owner_email: str, **extra: str) -> Any:
    return client.post("/auth/login", json={"email": owner_email, "password": PASSWORD, **extra})


def email_of(world: FuzzWorld, user_id: str) -> str:
    return world.container.accounts.get_user(user_id).email


def as_token(world: FuzzWorld, client: TestClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.other_token}"}


def as_cookie(world: FuzzWorld, client: TestClient) -> dict[str, str]:
    signed_in = owner_login(client, world, email_of(world, world.other_ids["user_id"]))
    assert signed_in.status_code == 200, signed_in.text
    client.cookies.clear()
    cookie = signed_in.headers["set-cookie"].split(";", 1)[0]
    return {"Cookie": cookie, "X-CSRF-Token": signed_in.json()["csrf_token"]}


def as_token_under_permissive_policy(world: FuzzWorld, client: TestClient) -> dict[str, str]:
    world.container.access.policies.set(world.other_tenant_id, PERMIT_ALL, actor="owner")
    return as_token(world, client)


CALLERS: dict[str, Callable[[FuzzWorld, TestClient], dict[str, str]]] = {
    "token": as_token,
    "cookie": as_cookie,
    "token-under-permissive-policy": as_token_under_permissive_policy,
}


def public_cases(foreign: Foreign, world: FuzzWorld) -> dict[tuple[str, str], Callable[[], None]]:
    """The routes outside /v1 (no credentials of their own), each with its cross-tenant check."""
    client = foreign.client
    other_email = email_of(world, world.other_ids["user_id"])

    def health() -> None:
        assert client.get("/healthz").status_code == 200

    def login_into_first_tenant() -> None:
        assert_problem(owner_login(client, world, other_email, tenant=world.tenant_id), 401)

    def logout() -> None:  # ends the caller's own session, if any, never the first tenant's
        assert client.post("/auth/logout", headers=foreign.headers).status_code == 204

    def accept_by_id() -> None:  # an invitation's id is not its secret
        body = {"token": world.ids["invitation_id"], "password": "pwned-pwned"}
        assert_problem(client.post("/invitations/accept", json=body), 404)

    return {
        ("GET", "/healthz"): health,
        ("POST", "/auth/login"): login_into_first_tenant,
        ("POST", "/auth/logout"): logout,
        ("POST", "/invitations/accept"): accept_by_id,
    }


@pytest.mark.parametrize("caller", sorted(CALLERS))
def test_another_tenant_reaches_nothing_on_every_route(world: FuzzWorld, caller: str) -> None:
    first_session = world.container.access.sessions.create(
        NewSession(world.tenant_id, world.ids["user_id"], frozenset({Role.OWNER}))
    )
    document = world.app.openapi()
    operations = [
        (method.upper(), path, frozenset(operation.get("tags", ())))
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]
    assert len(operations) > 50
    first_ids = {world.tenant_id, FIRST_TENANT_MODEL, *world.ids.values()} - {
        world.ids["model_id"],
        world.ids["version"],
        world.ids["kind"],  # shared, not the tenant's
        world.ids["provider"],  # a provider's name: every tenant may have a key for it
    }
    with TestClient(world.app, base_url=HTTPS, raise_server_exceptions=False) as client:
        foreign = Foreign(world, client, CALLERS[caller](world, client))
        public = public_cases(foreign, world)
        before = first_tenant_state(world, first_session.id)
        for method, path, tags in operations:
            if not path.startswith("/v1/"):
                assert (method, path) in public, f"{method} {path}: add its cross-tenant case"
                public[(method, path)]()
                continue
            response, sent = foreign.call(method, path)
            leaked = [i for i in first_ids if i in response.text and i not in sent]
            assert not leaked, (method, path, leaked)
            if tags & SHARED_TAGS:  # the registry: everyone reads it, no tenant changes it
                expected = 200 if method == "GET" else 403
                assert response.status_code == expected, (method, path, response.text)
            elif tags & OWN_SETTINGS_TAGS:  # the path names a setting of the caller's own tenant
                assert response.status_code < 300, (method, path, response.text)
            elif PARAMETER.search(path) or (method, path) in NOT_FOUND_WITHOUT_PARAMETERS:
                assert_problem(response, 404)
            else:  # lists, creations and the caller's own settings: only the caller's own records
                assert response.status_code < 300, (method, path, response.text)
        assert first_tenant_state(world, first_session.id) == before
